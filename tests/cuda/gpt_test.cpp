// GPT on the GPU against the same weights on the CPU: the loss and every parameter gradient of a
// training step (GPT-2 style through the fused attention kernel, Llama style with grouped
// key/value heads), and the chapter-2 invariant: one seed gives the same text on both devices
// (greedy, seeded sampling, beam search, with the KV cache).
#include <gtest/gtest.h>

#include "mica.h"
#include "models/gpt.h"
#include "models/gpt_generation.h"
#include "test_util.h"

namespace mica::models {
namespace {

const Device kGpu(kCUDA, 0);

GPTConfig small(GPTStyle style) {
  GPTConfig c;
  c.style = style;
  c.vocab_size = 61;
  c.block_size = 64;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 64;  // head dim 16
  if (style == GPTStyle::Llama) {
    c.n_kv_head = 2;
    c.intermediate_size = 96;
  }
  return c;
}

class CudaGpt : public ::testing::TestWithParam<GPTStyle> {};

TEST_P(CudaGpt, TrainingStepMatchesTheCpu) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Generator g1(11), g2(11);
  GPT cpu_model(small(GetParam()), &g1);
  GPT gpu_model(small(GetParam()), &g2);
  gpu_model.to(kGpu);
  std::mt19937_64 rng(3);
  const Tensor idx = test::rand_tensor({3, 40}, kInt64, rng, 0, 61);
  const Tensor tgt = test::rand_tensor({3, 40}, kInt64, rng, 0, 61);
  const Tensor loss_cpu = cpu_model.forward_loss(idx, tgt);
  const Tensor loss_gpu = gpu_model.forward_loss(idx.to(kGpu), tgt.to(kGpu));
  EXPECT_NEAR(loss_gpu.item<double>(), loss_cpu.item<double>(), 1e-5);
  loss_cpu.backward();
  loss_gpu.backward();
  const nn::StateDict gpu_params = gpu_model.named_parameters();
  ASSERT_EQ(cpu_model.named_parameters().size(), gpu_params.size());
  for (const auto& [name, p] : cpu_model.named_parameters()) {
    SCOPED_TRACE(name);
    const Tensor& gpu_grad = gpu_params.at(name).grad();
    ASSERT_TRUE(gpu_grad.is_cuda());
    EXPECT_TRUE(test::all_close(gpu_grad.cpu(), p.grad(), {1e-5, 1e-3}));
  }
}

TEST_P(CudaGpt, OneSeedGivesTheSameTextOnBothDevices) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Generator g1(5), g2(5);
  auto cpu_model = std::make_shared<GPT>(small(GetParam()), &g1);
  auto gpu_model = std::make_shared<GPT>(small(GetParam()), &g2);
  gpu_model->to(kGpu);
  cpu_model->eval();
  gpu_model->eval();
  GPTLanguageModel cpu_lm(cpu_model), gpu_lm(gpu_model);
  const Tensor prompt = from_vector<int64_t>({3, 14, 1, 5, 9, 2, 6, 5, 3, 5}, {2, 5});
  const std::vector<GenerationConfig> configs = {
      {.max_new_tokens = 16},
      {.max_new_tokens = 16, .do_sample = true, .temperature = 0.8, .top_k = 20, .seed = 7},
      {.max_new_tokens = 10, .num_beams = 3},
  };
  for (const GenerationConfig& cfg : configs) {
    const Tensor on_cpu = generate(cpu_lm, prompt, cfg);
    const Tensor on_gpu = generate(gpu_lm, prompt.to(kGpu), cfg);
    EXPECT_TRUE(test::all_close(on_gpu.cpu(), on_cpu, {0, 0}))
        << "beams " << cfg.num_beams << " sample " << cfg.do_sample;
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, CudaGpt, ::testing::Values(GPTStyle::GPT2, GPTStyle::Llama));

}  // namespace
}  // namespace mica::models
