// Kernel benchmarks (Google Benchmark, CPU, 2 threads) at the standard workloads' shapes
// (shared/WORKLOADS.md): conv2d / conv_transpose2d forward and forward+backward (W4, W6), softmax,
// layer_norm, group_norm, the attention core at W2's shape, pointwise add / gelu and sum over the
// last / first dim. Rates: FLOP/s for convolutions and attention (forward 2*MACs; forward+backward
// counted as 3x forward), bytes/s (bytes read + written once) for the memory-bound kernels.
// forward+backward runs through autograd with gradients for every input (x, weight, bias; q, k,
// v), so the first layers also pay for an input gradient that training would skip.
//
// Usage: kernels_bench [Google Benchmark flags, e.g. --benchmark_filter=conv]
#include <benchmark/benchmark.h>

#include <cmath>
#include <functional>
#include <string>

#include "mica.h"

using namespace mica;

namespace {

constexpr int kThreads = 2;

// Registers name: each iteration runs body(); rate counter `counter` = per_iter / second.
void add(const std::string& name, std::function<std::function<void()>()> setup, const char* counter,
         double per_iter) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [setup, counter, per_iter](benchmark::State& state) {
                                 const std::function<void()> body = setup();
                                 body();  // warm-up
                                 for (auto _ : state) body();
                                 state.counters[counter] = benchmark::Counter(
                                     per_iter, benchmark::Counter::kIsIterationInvariantRate);
                               })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

Tensor leaf(const Shape& s) {
  return randn(s).requires_grad_(true);
}

struct ConvShape {
  const char* name;  // workload and layer
  int64_t n, cin, cout, h, k, stride, pad;
  bool transposed;
};

// W4 encoder/decoder convolutions and W6's larger D / G layers, batch 128.
const ConvShape kConvs[] = {
    {"w4_enc1_1x28_to_32x14", 128, 1, 32, 28, 4, 2, 1, false},
    {"w4_enc2_32x14_to_64x7", 128, 32, 64, 14, 4, 2, 1, false},
    {"w6_d2_64x14_to_128x7", 128, 64, 128, 14, 4, 2, 1, false},
    {"w6_d3_128x7_to_1x1_k7", 128, 128, 1, 7, 7, 1, 0, false},
    {"w4_dec1_64x7_to_32x14", 128, 64, 32, 7, 4, 2, 1, true},
    {"w4_dec2_32x14_to_1x28", 128, 32, 1, 14, 4, 2, 1, true},
    {"w6_g1_64x1_to_128x7_k7", 128, 64, 128, 1, 7, 1, 0, true},
    {"w6_g2_128x7_to_64x14", 128, 128, 64, 7, 4, 2, 1, true},
    // W5 (DDPM U-Net, batch 64): 3x3 pad 1 convs at each level, a Down conv, an 8x8 1x1 (qkv).
    {"w5_32x32_32_to_32", 64, 32, 32, 32, 3, 1, 1, false},
    {"w5_16x16_64_to_64", 64, 64, 64, 16, 3, 1, 1, false},
    {"w5_8x8_128_to_128", 64, 128, 128, 8, 3, 1, 1, false},
    {"w5_8x8_256_to_128", 64, 256, 128, 8, 3, 1, 1, false},
    {"w5_down_16x16_64_to_64", 64, 64, 64, 16, 3, 2, 1, false},
    {"w5_8x8_1x1_128_to_384", 64, 128, 384, 8, 1, 1, 0, false},
};

void register_convs() {
  for (const ConvShape& c : kConvs) {
    // MACs: per output element of the direct conv (or per input element of the transposed one).
    const int64_t hout = c.transposed ? (c.h - 1) * c.stride - 2 * c.pad + c.k
                                      : (c.h + 2 * c.pad - c.k) / c.stride + 1;
    const double spatial =
        c.transposed ? static_cast<double>(c.h * c.h) : static_cast<double>(hout * hout);
    const double flops = 2.0 * c.n * spatial * c.cin * c.cout * c.k * c.k;
    const std::string base = std::string(c.transposed ? "conv_transpose2d/" : "conv2d/") + c.name;
    auto make = [c](bool backward) {
      return [c, backward]() -> std::function<void()> {
        const Tensor x = leaf({c.n, c.cin, c.h, c.h});
        const Tensor w =
            c.transposed ? leaf({c.cin, c.cout, c.k, c.k}) : leaf({c.cout, c.cin, c.k, c.k});
        const Tensor b = leaf({c.cout});
        return [=]() {
          auto run = [&] {
            return c.transposed ? conv_transpose2d(x, w, b, {c.stride}, {c.pad})
                                : conv2d(x, w, b, {c.stride}, {c.pad});
          };
          if (!backward) {
            NoGradGuard g;
            benchmark::DoNotOptimize(run().raw_data());
            return;
          }
          const Tensor y = run();
          y.backward(ones(y.sizes()));
          x.set_grad(Tensor());
          w.set_grad(Tensor());
          b.set_grad(Tensor());
        };
      };
    };
    add(base + "/fwd", make(false), "FLOP/s", flops);
    add(base + "/fwd+bwd", make(true), "FLOP/s", 3 * flops);
  }
}

void register_norms_and_softmax() {
  // W2 attention scores [B, H, T, T] = [32, 4, 128, 128], softmax over keys.
  const Shape scores{32, 4, 128, 128};
  const double scores_bytes = 2.0 * 4 * 32 * 4 * 128 * 128;
  add(
      "softmax/w2_scores_32x4x128x128",
      [scores]() -> std::function<void()> {
        const Tensor x = randn(scores);
        return [x] { benchmark::DoNotOptimize(ops::softmax(x, -1).raw_data()); };
      },
      "bytes/s", scores_bytes);
  // W2 layer norm: [B*T, C] = [4096, 128] with weight and bias.
  add(
      "layer_norm/w2_4096x128",
      []() -> std::function<void()> {
        const Tensor x = randn({4096, 128}), w = ones({128}), b = zeros({128});
        return [=] { benchmark::DoNotOptimize(ops::layer_norm(x, {128}, w, b, 1e-5).raw_data()); };
      },
      "bytes/s", 2.0 * 4 * 4096 * 128);
  add(
      "layer_norm/w2_4096x128/fwd+bwd",
      []() -> std::function<void()> {
        const Tensor x = leaf({4096, 128}), w = ones({128}).requires_grad_(true),
                     b = zeros({128}).requires_grad_(true);
        return [=] {
          const Tensor y = layer_norm(x, {128}, w, b, 1e-5);
          y.backward(ones(y.sizes()));
          x.set_grad(Tensor());
          w.set_grad(Tensor());
          b.set_grad(Tensor());
        };
      },
      "bytes/s", 5.0 * 4 * 4096 * 128);  // fwd: x, y; bwd: x, dy, dx
  // W5 group norm: [64, 64, 16, 16], 8 groups.
  add(
      "group_norm/w5_64x64x16x16_g8",
      []() -> std::function<void()> {
        const Tensor x = randn({64, 64, 16, 16}), w = ones({64}), b = zeros({64});
        return [=] { benchmark::DoNotOptimize(ops::group_norm(x, 8, w, b, 1e-5).raw_data()); };
      },
      "bytes/s", 2.0 * 4 * 64 * 64 * 16 * 16);
}

void register_attention() {
  // W2: q, k, v [32, 4, 128, 32]; scores = q k^T / sqrt(32), causal mask, softmax, @ v.
  const double flops = 2.0 * 2 * 32 * 4 * 128 * 128 * 32;  // two batched GEMMs
  auto make = [](bool backward) {
    return [backward]() -> std::function<void()> {
      const Tensor q = leaf({32, 4, 128, 32}), k = leaf({32, 4, 128, 32}),
                   v = leaf({32, 4, 128, 32});
      const Tensor mask = ops::triu(ones({128, 128}, TensorOptions(kBool)), 1);
      return [=] {
        auto run = [&] {
          Tensor s = mul(matmul(q, k.transpose(-2, -1)), 1.0 / std::sqrt(32.0));
          s = masked_fill(s, mask, -INFINITY);
          return matmul(softmax(s, -1), v);
        };
        if (!backward) {
          NoGradGuard g;
          benchmark::DoNotOptimize(run().raw_data());
          return;
        }
        const Tensor y = run();
        y.backward(ones(y.sizes()));
        for (const Tensor* t : {&q, &k, &v}) t->set_grad(Tensor());
      };
    };
  };
  add("attention_core/w2_32x4x128x32/fwd", make(false), "FLOP/s", flops);
  add("attention_core/w2_32x4x128x32/fwd+bwd", make(true), "FLOP/s", 3 * flops);
}

void register_pointwise_and_reductions() {
  // W2 MLP activations: [B*T, 4C] = [4096, 512].
  const double n = 4096.0 * 512;
  add(
      "pointwise/add_4096x512",
      []() -> std::function<void()> {
        const Tensor a = randn({4096, 512}), b = randn({4096, 512});
        return [=] { benchmark::DoNotOptimize(ops::add(a, b).raw_data()); };
      },
      "bytes/s", 3 * 4 * n);
  add(
      "pointwise/gelu_tanh_4096x512",
      []() -> std::function<void()> {
        const Tensor a = randn({4096, 512});
        return [=] { benchmark::DoNotOptimize(ops::gelu(a, "tanh").raw_data()); };
      },
      "bytes/s", 2 * 4 * n);
  add(
      "reduction/sum_last_dim_4096x512",
      []() -> std::function<void()> {
        const Tensor a = randn({4096, 512});
        return [=] { benchmark::DoNotOptimize(ops::sum(a, {1}).raw_data()); };
      },
      "bytes/s", 4 * n);
  add(
      "reduction/sum_first_dim_4096x512",
      []() -> std::function<void()> {
        const Tensor a = randn({4096, 512});
        return [=] { benchmark::DoNotOptimize(ops::sum(a, {0}).raw_data()); };
      },
      "bytes/s", 4 * n);
}

}  // namespace

int main(int argc, char** argv) {
  mica::set_num_threads(kThreads);
  mica::manual_seed(1337);
  register_convs();
  register_norms_and_softmax();
  register_attention();
  register_pointwise_and_reductions();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
