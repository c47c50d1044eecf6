// models::GPT: parameter counts (W2, W3), names, shapes, KV-cache decoding against full
// recomputation (GPT2 and Llama/GQA styles), the loss helper and overfitting one batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "mica.h"
#include "models/gpt.h"

namespace mica::models {
namespace {

GPTConfig tiny(GPTStyle style) {
  GPTConfig c;
  c.style = style;
  c.vocab_size = 37;
  c.block_size = 24;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 16;
  if (style == GPTStyle::Llama) {
    c.n_kv_head = 2;
    c.intermediate_size = 40;
    c.norm_eps = 1e-6;
    c.rope_scaling = 2.0;
  }
  return c;
}

Tensor random_ids(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  std::vector<int64_t> v(static_cast<size_t>(B * T));
  uint64_t s = seed;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<int64_t>((s >> 33) % static_cast<uint64_t>(vocab));
  }
  return from_vector(v, {B, T});
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  Tensor d = abs(a.detach() - b.detach()).to(kFloat64).contiguous();
  double m = 0;
  for (int64_t i = 0; i < d.numel(); ++i) m = std::max(m, d.data_ptr<double>()[i]);
  return m;
}

TEST(GPT, W2ParameterCountIs822016) {
  const GPTConfig c = GPTConfig::char_gpt_w2();
  EXPECT_EQ(count_parameters(c), 822016);
  GPT model(c);
  EXPECT_EQ(model.num_parameters(), 822016);
  // The tie: no separate lm_head, logits use the token embedding.
  EXPECT_EQ(model.lm_head, nullptr);
  EXPECT_FALSE(model.state_dict().contains("lm_head.weight"));
}

TEST(GPT, W3ParameterCountIs124439808) {
  EXPECT_EQ(count_parameters(GPTConfig::gpt2_small()), 124439808);
}

TEST(GPT, CountMatchesAllocationForLlamaGQA) {
  const GPTConfig c = tiny(GPTStyle::Llama);
  GPT model(c);
  EXPECT_EQ(model.num_parameters(), count_parameters(c));
  // 37*16 (embed) + 2 * (2*16 + 16*16*2 + 16*8*2 + 3*16*40) + 16 + 37*16 (lm_head)
  EXPECT_EQ(count_parameters(c), 37 * 16 + 2 * (32 + 512 + 256 + 1920) + 16 + 37 * 16);
}

TEST(GPT, ParameterNamesFollowReferenceCheckpoints) {
  GPT g(tiny(GPTStyle::GPT2));
  const auto sd = g.state_dict();
  for (const char* n :
       {"transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight",
        "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.weight",
        "transformer.h.0.attn.c_attn.bias", "transformer.h.1.attn.c_proj.weight",
        "transformer.h.1.ln_2.bias", "transformer.h.1.mlp.c_fc.weight",
        "transformer.h.1.mlp.c_proj.bias", "transformer.ln_f.weight", "transformer.ln_f.bias"})
    EXPECT_TRUE(sd.contains(n)) << n;
  EXPECT_EQ(sd.at("transformer.h.0.attn.c_attn.weight").sizes(), (Shape{48, 16}));
  EXPECT_EQ(sd.size(), 2u + 2u * 12u + 2u);

  GPT l(tiny(GPTStyle::Llama));
  const auto sl = l.state_dict();
  for (const char* n :
       {"model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
        "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.o_proj.weight",
        "model.layers.1.post_attention_layernorm.weight", "model.layers.1.mlp.gate_proj.weight",
        "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight",
        "model.norm.weight", "lm_head.weight"})
    EXPECT_TRUE(sl.contains(n)) << n;
  EXPECT_EQ(sl.at("model.layers.0.self_attn.k_proj.weight").sizes(), (Shape{8, 16}));
  EXPECT_EQ(sl.size(), 1u + 2u * 9u + 2u);
}

TEST(GPT, InitFollowsNanoGPT) {
  GPTConfig c = GPTConfig::char_gpt_w2();
  GPT model(c);
  auto stdev = [](const Tensor& t) {
    Tensor d = t.detach().to(kFloat64).contiguous();
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < d.numel(); ++i) {
      s += d.data_ptr<double>()[i];
      s2 += d.data_ptr<double>()[i] * d.data_ptr<double>()[i];
    }
    const double n = static_cast<double>(d.numel());
    return std::sqrt(s2 / n - (s / n) * (s / n));
  };
  const auto sd = model.state_dict();
  EXPECT_NEAR(stdev(sd.at("transformer.wte.weight")), 0.02, 0.002);
  EXPECT_NEAR(stdev(sd.at("transformer.h.0.mlp.c_fc.weight")), 0.02, 0.001);
  EXPECT_NEAR(stdev(sd.at("transformer.h.0.mlp.c_proj.weight")), 0.02 / std::sqrt(8.0), 0.0005);
  EXPECT_NEAR(stdev(sd.at("transformer.h.0.attn.c_proj.weight")), 0.02 / std::sqrt(8.0), 0.0008);
  EXPECT_EQ(max_abs_diff(sd.at("transformer.h.0.attn.c_attn.bias"), zeros({384})), 0.0);
  EXPECT_EQ(max_abs_diff(sd.at("transformer.ln_f.weight"), ones({128})), 0.0);
}

TEST(GPT, ForwardShapesAndCausality) {
  for (GPTStyle style : {GPTStyle::GPT2, GPTStyle::Llama}) {
    GPT model(tiny(style));
    Tensor idx = random_ids(2, 10, 37, 1);
    Tensor logits = model.forward(idx);
    EXPECT_EQ(logits.sizes(), (Shape{2, 10, 37}));
    // Changing the last token leaves the logits of earlier positions unchanged.
    Tensor idx2 = idx.clone();
    idx2.data_ptr<int64_t>()[9] = (idx2.data_ptr<int64_t>()[9] + 1) % 37;
    Tensor l2 = model.forward(idx2);
    EXPECT_LT(max_abs_diff(logits.slice(1, 0, 9), l2.slice(1, 0, 9)), 1e-6);
    EXPECT_GT(max_abs_diff(logits.slice(1, 9, 10), l2.slice(1, 9, 10)), 1e-4);
  }
}

TEST(GPT, GPT2RejectsSequencesLongerThanBlockSize) {
  GPT model(tiny(GPTStyle::GPT2));
  EXPECT_THROW(model.forward(random_ids(1, 25, 37, 2)), Error);
  EXPECT_THROW(model.forward(from_vector(std::vector<float>{1, 2}, {1, 2})), Error);
}

void check_incremental(GPTStyle style) {
  GPT model(tiny(style));
  NoGradGuard ng;
  const int64_t B = 2, T = 12, prompt = 5;
  Tensor idx = random_ids(B, T, 37, 3);
  Tensor full = model.forward(idx);
  KVCache cache = model.make_cache();
  Tensor first = model.forward(idx.slice(1, 0, prompt), &cache);
  EXPECT_EQ(cache.length(), prompt);
  EXPECT_LT(max_abs_diff(first, full.slice(1, 0, prompt)), 1e-5);
  for (int64_t t = prompt; t < T; ++t) {
    Tensor step = model.forward(idx.slice(1, t, t + 1), &cache);
    EXPECT_EQ(step.sizes(), (Shape{B, 1, 37}));
    EXPECT_LT(max_abs_diff(step, full.slice(1, t, t + 1)), 1e-5) << "position " << t;
  }
  EXPECT_EQ(cache.length(), T);
  EXPECT_EQ(cache.keys(1).sizes(), (Shape{B, model.config.kv_heads(), T, 4}));
  // A two-token chunk after cropping back also matches.
  cache.crop(7);
  Tensor chunk = model.forward(idx.slice(1, 7, 9), &cache);
  EXPECT_LT(max_abs_diff(chunk, full.slice(1, 7, 9)), 1e-5);
  EXPECT_EQ(cache.length(), 9);
}

TEST(GPT, KVCacheMatchesFullRecomputationGPT2) {
  check_incremental(GPTStyle::GPT2);
}
TEST(GPT, KVCacheMatchesFullRecomputationLlamaGQA) {
  check_incremental(GPTStyle::Llama);
}

TEST(GPT, KVCacheChecksItsInputs) {
  KVCache cache(2);
  EXPECT_THROW(cache.update(2, zeros({1, 2, 1, 4}), zeros({1, 2, 1, 4})), Error);
  EXPECT_THROW(cache.update(0, zeros({1, 2, 1, 4}), zeros({1, 2, 2, 4})), Error);
  cache.update(0, zeros({1, 2, 3, 4}), zeros({1, 2, 3, 4}));
  EXPECT_THROW(cache.update(0, zeros({2, 2, 1, 4}), zeros({2, 2, 1, 4})), Error);
  EXPECT_EQ(cache.length(), 3);
  GPT model(tiny(GPTStyle::GPT2));
  KVCache wrong(3);
  EXPECT_THROW(model.forward(random_ids(1, 2, 37, 4), &wrong), Error);
}

TEST(GPT, LossIsCrossEntropyWithIgnoreIndex) {
  GPT model(tiny(GPTStyle::GPT2));
  Tensor idx = random_ids(2, 6, 37, 5);
  Tensor tgt = random_ids(2, 6, 37, 6);
  Tensor logits = model.forward(idx);
  // Near-uniform logits at init: loss ~ ln(37).
  EXPECT_NEAR(GPT::loss(logits, tgt).item<double>(), std::log(37.0), 0.1);
  // Ignored targets drop out of the mean.
  Tensor t2 = tgt.clone();
  for (int64_t i = 0; i < 6; ++i) t2.data_ptr<int64_t>()[6 + i] = -100;
  Tensor ref = cross_entropy(logits.select(0, 0), tgt.select(0, 0));
  EXPECT_NEAR(GPT::loss(logits, t2).item<double>(), ref.item<double>(), 1e-6);
}

TEST(GPT, OverfitsOneBatch) {
  for (GPTStyle style : {GPTStyle::GPT2, GPTStyle::Llama}) {
    GPT model(tiny(style));
    Tensor seq = random_ids(4, 17, 37, 7);
    Tensor x = seq.slice(1, 0, 16), y = seq.slice(1, 1, 17);
    optim::AdamW opt(model.parameters(), {.lr = 1e-2});
    double first = 0, last = 0;
    for (int step = 0; step < 30; ++step) {
      opt.zero_grad();
      Tensor loss = model.forward_loss(x, y);
      loss.backward();
      opt.step();
      (step == 0 ? first : last) = loss.item<double>();
    }
    EXPECT_NEAR(first, std::log(37.0), 0.2);
    EXPECT_LT(last, 0.35 * first) << (style == GPTStyle::GPT2 ? "gpt2" : "llama");
  }
}

}  // namespace
}  // namespace mica::models
