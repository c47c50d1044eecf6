// Text generation for autoregressive language models, Hugging Face `generate` semantics: greedy
// search, sampling (temperature, top-k, top-p, repetition penalty) and beam search (length
// penalty, EOS handling, early stopping), written against an abstract next-token interface
// (LanguageModel) so any decoder, with or without a KV cache, can be driven; plus the book's
// "next-token probabilities" table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace mica::models {

// What generate() needs from a model: the logits of the token that follows each row of ids.
//
// Contract of next_logits(ids, use_cache), ids: int64 [B, T_new] (on the device of the prompt
// given to generate), returns floating logits [B, V] (the next token after ids' last position)
// or [B, T_new, V] (one row per position, as a decoder's forward gives; generate takes the last):
// - use_cache == false: ids is the whole sequence of each row; the model must not read or
//   update any cache state. This is always correct and is what models without a cache see.
// - use_cache == true (only sent when supports_cache() is true): the model remembers the
//   tokens it has been fed since the last reset_cache() and ids holds the tokens that follow
//   them: the first call after reset_cache() gives the whole prompt [B, T], every later call
//   one token per row [B, 1]. Row b of every call continues row b of the cache.
// - reset_cache(): forget everything fed so far (generate calls it before it starts, and the
//   batch size may change between generations).
// - reorder_cache(beam_indices): int64 [B'], beam search's row permutation: after it, cache row
//   i must hold what row beam_indices[i] held before (an index_select on the batch dim of every
//   cached key/value). Rows may repeat. Called only when supports_cache() is true, after the
//   prompt was fed and before the next one-token call.
// - vocab_size(): V, the size of the logits' last dim.
// A GPT with a KV cache implements it as: next_logits runs forward(ids, use_cache) (positions
// continue from the cache length), returns the last position's logits; reset_cache clears the
// per-layer caches; reorder_cache index_selects them; supports_cache returns true.
// generate() runs every call under NoGradGuard.
class LanguageModel {
 public:
  virtual ~LanguageModel();
  virtual Tensor next_logits(const Tensor& ids, bool use_cache) = 0;
  virtual int64_t vocab_size() const = 0;
  virtual bool supports_cache() const { return false; }
  virtual void reset_cache() {}
  virtual void reorder_cache(const Tensor& beam_indices);
};

// Options of generate(), Hugging Face's names and defaults (GenerationConfig), e.g.
// generate(model, ids, {.max_new_tokens = 30, .do_sample = true, .top_p = 0.94, .seed = 70}).
struct GenerationConfig {
  int64_t max_new_tokens = 20;
  // Greedy/sampling: a row that produced eos_token_id is finished (later positions get
  // pad_token_id); generation stops when every row is finished. Beam search: a beam ending in
  // EOS becomes a finished hypothesis. pad_token_id defaults to eos_token_id.
  std::optional<int64_t> eos_token_id = std::nullopt;
  std::optional<int64_t> pad_token_id = std::nullopt;
  // false: greedy (argmax) or beam search; true: multinomial sampling (num_beams must be 1).
  bool do_sample = false;
  // Sampling only, applied in HF's order after the repetition penalty: temperature (> 0,
  // logits / temperature), top-k (keep tokens whose logit >= the k-th largest; 0 = off),
  // top-p (keep the smallest set of most probable tokens whose probability sums to >= top_p;
  // 1.0 = off).
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  // CTRL/HF rule for every token already in the row (prompt included): a positive logit is
  // divided by the penalty, a negative one multiplied. 1.0 = off. Used by all strategies.
  double repetition_penalty = 1.0;
  // Beam search when > 1 (do_sample must be false). A hypothesis is scored as
  // sum of its token log-probs / (generated length, EOS included) ^ length_penalty.
  int64_t num_beams = 1;
  double length_penalty = 1.0;
  // Beam search: true stops a row as soon as num_beams hypotheses are finished; false stops
  // it when no running beam can beat the worst finished one (HF's heuristic: the best running
  // sum of log-probs divided by the current generated length ^ length_penalty).
  bool early_stopping = false;
  // Sampling stream: a fresh Generator(seed) when set, else the default CPU generator (so
  // mica::manual_seed plays the part of HF's set_seed).
  std::optional<uint64_t> seed = std::nullopt;
  // Feed only new tokens when the model supports_cache(); false always feeds whole sequences.
  bool use_cache = true;
  // Greedy/sampling with a single prompt row: called with each generated token (EOS included)
  // as soon as it is chosen, in order. Like HF's streamers, batch size 1 only.
  std::function<void(int64_t token)> streamer = nullptr;
};

// prompt_ids: int64 [T] or [B, T] (rows of equal length, no padding), T >= 1 -> int64 [B, T + N]
// on the CPU: the prompts followed by N <= max_new_tokens generated tokens (rows that stopped
// early are padded with pad_token_id; beam search returns each row's best hypothesis). A 1-d
// prompt gives [1, T + N].
Tensor generate(LanguageModel& model, const Tensor& prompt_ids,
                const GenerationConfig& config = {});

// ---- logits processors (HF's, on [B, V] logits; the result has the logits' dtype, on the CPU)
// logits: [B, V], ids: int64 [B, T] (the tokens so far) -> the CTRL repetition penalty applied.
Tensor apply_repetition_penalty(const Tensor& logits, const Tensor& ids, double penalty);
// logits: [B, V] -> logits with every entry below the k-th largest of its row set to -inf.
Tensor apply_top_k(const Tensor& logits, int64_t k);
// logits: [B, V] -> logits with everything outside each row's nucleus (the smallest set of
// most probable tokens, ties broken by lower index, with softmax mass >= p) set to -inf.
Tensor apply_top_p(const Tensor& logits, double p);

// ---- next-token probabilities (the book's table) ----
struct TokenProbability {
  int64_t token = 0;
  double probability = 0;
};
// ids: int64 [T] or [1, T] -> the n most probable next tokens (softmax of the last position's
// logits), most probable first (ties: lower token id first).
std::vector<TokenProbability> next_token_probabilities(LanguageModel& model, const Tensor& ids,
                                                       int64_t n = 10);
// A two-column text table, one line per entry: the decoded token (quoted) and its probability
// as a percentage with two decimals, e.g. `" night"   88.71%`.
std::string format_token_probabilities(const std::vector<TokenProbability>& table,
                                       const std::function<std::string(int64_t)>& decode);

}  // namespace mica::models
