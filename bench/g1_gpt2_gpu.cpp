// Workload G1 (shared/WORKLOADS.md): one GPT-2 124M training step on a GPU: vocab padded to
// 50304, T = 1024, micro-batch B (default 16), bf16 autocast with fp32 master weights, AdamW
// (0.9, 0.95, wd 0.1), grad-norm clip 1.0, attention through scaled_dot_product_attention (the
// fused kernel on CUDA). Batches come from the shared hash like W3's. Reports the median ms per
// step after warm-up (each step ends with a device synchronize), tokens/s, MFU against the H100's
// 989 TFLOP/s dense bf16 (6*N + 6*L*C*T FLOPs per token), the losses, and peak device memory.
// Prints one JSON line.
//
// Usage: g1_gpt2_gpu [--batch 16] [--steps 20] [--fp32]   (--fp32: no autocast)
#include "bench/workload_util.h"
#include "models/gpt.h"
#include "tensor/cuda/runtime.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kSeq = 1024;
constexpr int64_t kVocab = 50304;
constexpr int64_t kWarmup = 3;
constexpr double kPeakBf16 = 989e12;

// int64 [B, T + 1]: token k (row-major) = h(1337, 7, k) mod 50257 (the real vocabulary).
Tensor hash_batch(int64_t batch) {
  std::vector<int64_t> ids(batch * (kSeq + 1));
  for (size_t k = 0; k < ids.size(); ++k)
    ids[k] = static_cast<int64_t>(data::sample_hash(kSeed, 7, k) % 50257);
  return from_vector(ids, {batch, kSeq + 1}, TensorOptions(kInt64));
}

}  // namespace

int main(int argc, char** argv) try {
  const Args args(argc, argv);
  const int64_t batch = args.get_int("--batch", 16);
  const int64_t steps = args.get_int("--steps", 20);
  const bool fp32 = args.has("--fp32");
  MICA_CHECK(batch >= 1 && steps > kWarmup, "g1_gpt2_gpu: --batch >= 1 and --steps > ", kWarmup);
  MICA_CHECK(cuda::is_available(), "g1_gpt2_gpu: needs a CUDA device (none found)");
  const Device gpu(kCUDA, 0);
  manual_seed(kSeed);

  const Tensor rows = hash_batch(batch).to(gpu);
  const Tensor x = rows.slice(1, 0, kSeq).contiguous();
  const Tensor y = rows.slice(1, 1, kSeq + 1).contiguous();
  models::GPTConfig cfg = models::GPTConfig::gpt2_small();
  cfg.vocab_size = kVocab;
  models::GPT model(cfg);
  model.to(gpu);
  const std::vector<Tensor> params = model.parameters();
  optim::AdamW opt(params, {.lr = 6e-4, .betas = {0.9, 0.95}, .weight_decay = 0.1});
  reset_peak_memory(gpu);

  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const double t0 = now_ms();
    opt.zero_grad();
    Tensor loss;
    {
      std::optional<AutocastGuard> amp;
      if (!fp32) amp.emplace(kBFloat16, kCUDA);
      loss = model.forward_loss(x, y);
    }
    loss.backward();
    optim::clip_grad_norm_(params, 1.0);
    opt.step();
    const double l = loss.item<double>();  // synchronizes
    const double t1 = now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }

  const Stats st = stats_of(times);
  const double n_params = static_cast<double>(param_count(params));
  const double flops_per_token = 6 * n_params + 6.0 * cfg.n_layer * cfg.n_embd * kSeq;
  const double tokens_per_s = static_cast<double>(batch * kSeq) / (st.median / 1000.0);
  JsonLine()
      .str("workload", "g1")
      .str("impl", "mica")
      .str("precision", fp32 ? "fp32" : "bf16 autocast")
      .num("batch", static_cast<double>(batch))
      .num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .num("tokens_per_s", tokens_per_s)
      .num("mfu", tokens_per_s * flops_per_token / kPeakBf16)
      .num("loss_step0", loss0)
      .num("loss_last", loss_last)
      .integer("params", param_count(params))
      .num("peak_gpu_mb", static_cast<double>(memory_stats(gpu).peak_bytes) / (1 << 20))
      .print();
  return 0;
} catch (const Error& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
