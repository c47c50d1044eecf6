// GPU kernel benchmarks (Google Benchmark, CUDA events, after warm-up) for the GPU workloads of
// shared/WORKLOADS.md: G3 GEMMs (bf16 in / fp32 accumulate, fp32 and tf32; 8192^3 and GPT-2's
// shapes), G2 causal attention forward+backward in bf16, and the fused kernels at GPT-2 / U-Net
// sizes (softmax, layer_norm, group_norm, cross-entropy over the 50304-wide head, conv2d) plus
// the caching allocator against a cudaMalloc per request. Counters: FLOP/s for GEMM, attention and
// convolutions, bytes/s for memory-bound kernels. Each iteration's time is the GPU time between
// two events on the current stream (manual time). Without a GPU every benchmark skips.
//
// Usage: gpu_kernels_bench [Google Benchmark flags, e.g. --benchmark_filter=gemm]
#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "mica.h"
#include "tensor/cuda/linalg.h"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"

using namespace mica;
namespace F = mica::nn::functional;

namespace {

const Device kGpu(kCUDA, 0);

TensorOptions on_gpu(DType dt) {
  return TensorOptions(dt).device(kGpu);
}

// Registers name: body() runs once to warm up, then each iteration is timed on the GPU.
void add(const std::string& name, std::function<std::function<void()>()> setup, const char* counter,
         double per_iter) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [setup, counter, per_iter](benchmark::State& state) {
                                 if (!cuda::is_available()) {
                                   state.SkipWithError("no CUDA device");
                                   return;
                                 }
                                 const std::function<void()> body = setup();
                                 body();
                                 cuda::synchronize(0);
                                 const cuda::Stream stream = cuda::current_stream(0);
                                 cuda::Event start, stop;
                                 for (auto _ : state) {
                                   start.record(stream);
                                   body();
                                   stop.record(stream);
                                   stop.synchronize();
                                   state.SetIterationTime(stop.elapsed_ms_since(start) / 1e3);
                                 }
                                 state.counters[counter] = benchmark::Counter(
                                     per_iter, benchmark::Counter::kIsIterationInvariantRate);
                               })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void add_gemm(const std::string& tag, int64_t m, int64_t k, int64_t n, DType dt, bool tf32) {
  add(
      "gemm_" + tag + "_" + dtype_name(dt) + (tf32 ? "_tf32" : ""),
      [=] {
        Tensor a = randn({m, k}, on_gpu(dt));
        Tensor b = randn({k, n}, on_gpu(dt));
        return std::function<void()>([=] {
          cuda::set_allow_tf32(tf32);
          NoGradGuard ng;
          Tensor c = ops::matmul(a, b);
          cuda::set_allow_tf32(false);
        });
      },
      "FLOP/s", 2.0 * m * k * n);
}

void register_gemms() {
  for (DType dt : {kBFloat16, kFloat32}) add_gemm("8192", 8192, 8192, 8192, dt, false);
  add_gemm("8192", 8192, 8192, 8192, kFloat32, true);
  // GPT-2 at B*T = 16384 tokens: qkv, mlp up, mlp down, the 50304-wide head.
  add_gemm("gpt2_qkv", 16384, 768, 2304, kBFloat16, false);
  add_gemm("gpt2_fc", 16384, 768, 3072, kBFloat16, false);
  add_gemm("gpt2_proj", 16384, 3072, 768, kBFloat16, false);
  add_gemm("gpt2_head", 16384, 768, 50304, kBFloat16, false);
}

// G2: causal attention forward+backward; FLOPs 4*B*S^2*H*d/2 forward, 2.5x that backward.
void add_attention(int64_t b, int64_t h, int64_t s, int64_t d) {
  const double fwd = 4.0 * b * s * s * h * d / 2;
  add(
      "attention_causal_fwd_bwd_bf16_B" + std::to_string(b) + "_H" + std::to_string(h) + "_S" +
          std::to_string(s) + "_d" + std::to_string(d),
      [=] {
        Tensor q = randn({b, h, s, d}, on_gpu(kBFloat16)).requires_grad_(true);
        Tensor k = randn({b, h, s, d}, on_gpu(kBFloat16)).requires_grad_(true);
        Tensor v = randn({b, h, s, d}, on_gpu(kBFloat16)).requires_grad_(true);
        Tensor grad = randn({b, h, s, d}, on_gpu(kBFloat16));
        return std::function<void()>([=] {
          Tensor o = F::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
          o.backward(grad);
        });
      },
      "FLOP/s", fwd * 3.5);
}

void register_attention() {
  add_attention(16, 12, 1024, 64);
  add_attention(8, 16, 2048, 128);
}

void add_memory_bound(const std::string& name, int64_t bytes,
                      std::function<std::function<void()>()> setup) {
  add(name, std::move(setup), "bytes/s", static_cast<double>(bytes));
}

void register_fused() {
  const int64_t rows = 16384, vocab = 50304, c = 768;
  add_memory_bound("softmax_16384x50304_f32", 2 * rows * vocab * 4, [=] {
    Tensor x = randn({rows, vocab}, on_gpu(kFloat32));
    return std::function<void()>([=] { Tensor y = ops::softmax(x, -1); });
  });
  add_memory_bound("layer_norm_16384x768_bf16", 2 * rows * c * 2, [=] {
    Tensor x = randn({rows, c}, on_gpu(kBFloat16));
    Tensor w = ones({c}, on_gpu(kBFloat16)), b = zeros({c}, on_gpu(kBFloat16));
    return std::function<void()>([=] { Tensor y = ops::layer_norm(x, {c}, w, b, 1e-5); });
  });
  add_memory_bound("group_norm_128x256x32x32_g32_f32", 2 * 128 * 256 * 32 * 32 * 4, [=] {
    Tensor x = randn({128, 256, 32, 32}, on_gpu(kFloat32));
    Tensor w = ones({256}, on_gpu(kFloat32)), b = zeros({256}, on_gpu(kFloat32));
    return std::function<void()>([=] { Tensor y = ops::group_norm(x, 32, w, b, 1e-5); });
  });
  add_memory_bound("cross_entropy_16384x50304_f32", rows * vocab * 4, [=] {
    Tensor logits = randn({rows, vocab}, on_gpu(kFloat32));
    Tensor target = randint(0, vocab, {rows}, on_gpu(kInt64));
    return std::function<void()>([=] { Tensor l = ops::cross_entropy(logits, target); });
  });
  // G4's U-Net 3x3 convolution at 32x32, 256 channels, batch 128, forward.
  const double conv_flops = 2.0 * 128 * 256 * 256 * 9 * 32 * 32;
  add(
      "conv2d_3x3_128x256x32x32_f32",
      [=] {
        Tensor x = randn({128, 256, 32, 32}, on_gpu(kFloat32));
        Tensor w = randn({256, 256, 3, 3}, on_gpu(kFloat32));
        return std::function<void()>([=] { Tensor y = ops::conv2d(x, w, {}, {1, 1}, {1, 1}); });
      },
      "FLOP/s", conv_flops);
}

// The caching allocator against CUDA: 1000 allocate/free pairs of GPT-2-sized activations.
void register_allocator() {
  add(
      "allocator_1000_alloc_free_12MiB",
      [] {
        return std::function<void()>([] {
          for (int i = 0; i < 1000; ++i) Tensor t = empty({16384, 192}, on_gpu(kFloat32));
        });
      },
      "allocs/s", 1000);
}

}  // namespace

int main(int argc, char** argv) {
  register_gemms();
  register_attention();
  register_fused();
  register_allocator();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
