// A GPT behind generate(): with its KV cache, greedy, seeded sampling and beam search give the
// same tokens as recomputing the whole sequence every step, for GPT-2 and Llama styles.
#include <gtest/gtest.h>

#include "mica.h"
#include "models/gpt_generation.h"

namespace mica::models {
namespace {

GPTConfig small(GPTStyle style) {
  GPTConfig c;
  c.style = style;
  c.vocab_size = 29;
  c.block_size = 32;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 16;
  if (style == GPTStyle::Llama) {
    c.n_kv_head = 2;
    c.intermediate_size = 40;
  }
  return c;
}

std::vector<int64_t> ids_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

class GPTGeneration : public ::testing::TestWithParam<GPTStyle> {};

TEST_P(GPTGeneration, CacheGivesTheSameTokensAsRecomputation) {
  Generator init(5);
  auto gpt = std::make_shared<GPT>(small(GetParam()), &init);
  gpt->eval();
  GPTLanguageModel lm(gpt);
  const Tensor prompt = from_vector<int64_t>({3, 14, 1, 5, 9, 2, 6, 5, 3, 5}, {2, 5});
  const std::vector<GenerationConfig> configs = {
      {.max_new_tokens = 12},
      {.max_new_tokens = 12, .do_sample = true, .temperature = 1.5, .top_k = 0, .seed = 7},
      {.max_new_tokens = 8, .num_beams = 3},
  };
  for (GenerationConfig cfg : configs) {
    cfg.use_cache = true;
    const auto cached = ids_of(generate(lm, prompt, cfg));
    cfg.use_cache = false;
    const auto full = ids_of(generate(lm, prompt, cfg));
    EXPECT_EQ(cached, full) << "beams " << cfg.num_beams << " sample " << cfg.do_sample;
    EXPECT_EQ(static_cast<int64_t>(cached.size()), 2 * (5 + cfg.max_new_tokens));
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, GPTGeneration, ::testing::Values(GPTStyle::GPT2, GPTStyle::Llama));

TEST(KVCache, ReorderPicksBatchRows) {
  KVCache cache(1);
  const Tensor k = arange(0.0, 8.0, 1.0).view({2, 1, 2, 2});
  cache.update(0, k, k);
  cache.reorder(from_vector<int64_t>({1, 1, 0}, {3}));
  ASSERT_EQ(cache.keys(0).sizes(), (Shape{3, 1, 2, 2}));
  const Tensor got = cache.keys(0).contiguous();
  const float* p = got.data_ptr<float>();
  EXPECT_EQ(std::vector<float>(p, p + 12),
            (std::vector<float>{4, 5, 6, 7, 4, 5, 6, 7, 0, 1, 2, 3}));
}

}  // namespace
}  // namespace mica::models
