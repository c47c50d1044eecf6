// models::GPTLanguageModel: a GPT behind generation's LanguageModel interface, with its own KV
// cache, so generate() and next_token_probabilities() work on GPT-2/Llama-style models.
#pragma once

#include <memory>

#include "models/generation.h"
#include "models/gpt.h"
#include "models/kv_cache.h"

namespace mica::models {

class GPTLanguageModel : public LanguageModel {
 public:
  explicit GPTLanguageModel(std::shared_ptr<const GPT> gpt)
      : gpt_(std::move(gpt)), cache_(gpt_->make_cache()) {}

  // ids: int64 [B, T_new] -> logits [B, T_new, vocab]; with use_cache, ids continue the cache.
  Tensor next_logits(const Tensor& ids, bool use_cache) override {
    return gpt_->forward(ids, use_cache ? &cache_ : nullptr);
  }
  int64_t vocab_size() const override { return gpt_->config.vocab_size; }
  bool supports_cache() const override { return true; }
  void reset_cache() override { cache_.reset(); }
  void reorder_cache(const Tensor& beam_indices) override { cache_.reorder(beam_indices); }

 private:
  std::shared_ptr<const GPT> gpt_;
  KVCache cache_;
};

}  // namespace mica::models
