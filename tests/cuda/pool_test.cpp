// CUDA pooling and upsampling against the CPU ops: max (with indices; padding, ceil_mode,
// dilation, NaN), average (count_include_pad both ways, divisor_override) and adaptive average
// pooling, nearest and bilinear upsampling (align_corners both ways, sizes and scale factors), and
// all their backward ops, at sizes that span many blocks, with strided inputs and 16-bit dtypes.
// The backward kernels gather in the CPU's order, so float32 results must match exactly where
// they are plain sums. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no GPU"

Tensor gpu(const Tensor& t) {
  return t.to(Device(kCUDA));
}

Tensor rnd(const Shape& shape, DType dt, uint64_t seed) {
  Generator g(seed);
  return randn(shape, TensorOptions(kFloat32), &g).to(dt);
}

// |cuda - cpu| <= atol + rtol |cpu| (NaN where the CPU has NaN); reports the worst element.
void expect_close(const Tensor& cpu_out, const Tensor& cuda_out, double rtol, double atol,
                  const std::string& what) {
  ASSERT_TRUE(cuda_out.is_cuda()) << what;
  ASSERT_EQ(cpu_out.sizes(), cuda_out.sizes()) << what;
  ASSERT_EQ(cpu_out.dtype(), cuda_out.dtype()) << what;
  const Tensor a = cpu_out.to(kFloat64).contiguous(), b = cuda_out.cpu().to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pb = b.data_ptr<double>();
  int64_t bad = -1;
  for (int64_t i = 0; i < a.numel() && bad < 0; ++i) {
    const bool nan_a = std::isnan(pa[i]), nan_b = std::isnan(pb[i]);
    if (nan_a != nan_b || (!nan_a && std::abs(pa[i] - pb[i]) > atol + rtol * std::abs(pa[i])))
      bad = i;
  }
  EXPECT_EQ(bad, -1) << what << ": element " << bad << " cpu " << pa[std::max<int64_t>(bad, 0)]
                     << " cuda " << pb[std::max<int64_t>(bad, 0)];
}

double tol_of(DType dt) {
  return dt == kFloat64 ? 1e-12 : dt == kFloat32 ? 1e-6 : 1e-2;
}

// x on both devices: [N, C, W, H] transposed to [N, C, H, W] when strided (a view on each side).
struct Pair {
  Tensor cpu, cuda;
};
Pair input(const Shape& nchw, DType dt, uint64_t seed, bool strided) {
  if (!strided) {
    Tensor x = rnd(nchw, dt, seed);
    return {x, gpu(x)};
  }
  Tensor x = rnd({nchw[0], nchw[1], nchw[3], nchw[2]}, dt, seed);
  return {x.transpose(2, 3), gpu(x).transpose(2, 3)};
}

struct PoolCase {
  Shape x;
  std::vector<int64_t> k, s, p, d;
  bool ceil;
  bool strided;
  std::string desc;
};

std::vector<PoolCase> pool_cases() {
  return {
      {{16, 32, 32, 32}, {2}, {}, {0}, {1}, false, false, "k2 (U-Net down), many blocks"},
      {{4, 8, 33, 31}, {3}, {2}, {1}, {1}, true, false, "k3 s2 p1 ceil_mode"},
      {{4, 8, 20, 21}, {3}, {1}, {1}, {1}, false, true, "k3 s1 p1 overlapping, strided"},
      {{2, 5, 19, 17}, {3, 2}, {2, 1}, {1, 1}, {2, 1}, true, false, "dilation, per-dim, ceil"},
      {{3, 4, 9, 9}, {4}, {3}, {2}, {1}, true, true, "k4 s3 p2 ceil, strided"},
  };
}

TEST(CudaPool, MaxPoolAndBackwardMatchCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    uint64_t seed = 1;
    for (const PoolCase& c : pool_cases()) {
      const std::string what = c.desc + " " + dtype_name(dt);
      const Pair x = input(c.x, dt, seed++, c.strided);
      const auto [v, i] = ops::max_pool2d_with_indices(x.cpu, c.k, c.s, c.p, c.d, c.ceil);
      const auto [vg, ig] = ops::max_pool2d_with_indices(x.cuda, c.k, c.s, c.p, c.d, c.ceil);
      expect_close(v, vg, 0, 0, "values " + what);
      expect_close(i, ig, 0, 0, "indices " + what);
      // Overlapping windows share maxima: the gather must add them in the CPU's order.
      const Tensor g = rnd(v.sizes(), dt, seed++);
      expect_close(ops::max_pool2d_backward(g, i, x.cpu.sizes()),
                   ops::max_pool2d_backward(gpu(g), ig, x.cpu.sizes()), 0,
                   dt == kFloat16 || dt == kBFloat16 ? 1e-2 : 0, "backward " + what);
    }
  }
}

TEST(CudaPool, MaxPoolNanWinsAndBadIndicesThrow) {
  SKIP_WITHOUT_GPU();
  Tensor x = rnd({1, 1, 4, 4}, kFloat32, 3);
  x.data_ptr<float>()[5] = std::numeric_limits<float>::quiet_NaN();
  const auto [v, i] = ops::max_pool2d_with_indices(x, {2});
  const auto [vg, ig] = ops::max_pool2d_with_indices(gpu(x), {2});
  expect_close(v, vg, 0, 0, "NaN values");
  expect_close(i, ig, 0, 0, "NaN indices");
  const Tensor bad = full({1, 1, 2, 2}, int64_t{99}, TensorOptions(kInt64));
  EXPECT_THROW(ops::max_pool2d_backward(gpu(v), gpu(bad), {1, 1, 4, 4}), Error);
  EXPECT_THROW(ops::max_pool2d_backward(gpu(v), bad, {1, 1, 4, 4}), Error);  // mixed devices
}

TEST(CudaPool, AvgPoolAndBackwardMatchCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    uint64_t seed = 50;
    for (const PoolCase& c : pool_cases()) {
      for (int mode = 0; mode < 3; ++mode) {
        const bool include_pad = mode != 1;
        const std::optional<int64_t> divisor = mode == 2 ? std::optional<int64_t>(7) : std::nullopt;
        const std::string what = c.desc + " mode " + std::to_string(mode) + " " + dtype_name(dt);
        const Pair x = input(c.x, dt, seed++, c.strided);
        const Tensor y = ops::avg_pool2d(x.cpu, c.k, c.s, c.p, c.ceil, include_pad, divisor);
        expect_close(y, ops::avg_pool2d(x.cuda, c.k, c.s, c.p, c.ceil, include_pad, divisor),
                     tol_of(dt), tol_of(dt), "forward " + what);
        const Tensor g = rnd(y.sizes(), dt, seed++);
        expect_close(
            ops::avg_pool2d_backward(g, x.cpu.sizes(), c.k, c.s, c.p, c.ceil, include_pad, divisor),
            ops::avg_pool2d_backward(gpu(g), x.cpu.sizes(), c.k, c.s, c.p, c.ceil, include_pad,
                                     divisor),
            tol_of(dt), tol_of(dt), "backward " + what);
      }
    }
  }
}

TEST(CudaPool, AdaptiveAvgPoolAndBackwardMatchCpu) {
  SKIP_WITHOUT_GPU();
  struct A {
    Shape x;
    std::vector<int64_t> out;
    bool strided;
  };
  const std::vector<A> as{{{16, 64, 8, 8}, {1, 1}, false},
                          {{4, 8, 37, 29}, {5, 7}, true},
                          {{2, 3, 4, 6}, {7, 9}, false},
                          {{2, 3, 10, 10}, {10, 10}, true}};
  for (DType dt : {kFloat32, kFloat64, kFloat16}) {
    uint64_t seed = 90;
    for (const A& a : as) {
      const std::string what = shape_str(a.x) + " -> " + shape_str(a.out) + " " + dtype_name(dt);
      const Pair x = input(a.x, dt, seed++, a.strided);
      const Tensor y = ops::adaptive_avg_pool2d(x.cpu, a.out);
      expect_close(y, ops::adaptive_avg_pool2d(x.cuda, a.out), tol_of(dt), tol_of(dt),
                   "forward " + what);
      const Tensor g = rnd(y.sizes(), dt, seed++);
      expect_close(ops::adaptive_avg_pool2d_backward(g, x.cpu.sizes()),
                   ops::adaptive_avg_pool2d_backward(gpu(g), x.cpu.sizes()), tol_of(dt), tol_of(dt),
                   "backward " + what);
    }
  }
}

TEST(CudaPool, UnbatchedPooling) {
  SKIP_WITHOUT_GPU();
  const Tensor x = rnd({3, 9, 9}, kFloat32, 7);
  expect_close(ops::max_pool2d(x, {3}, {2}, {1}), ops::max_pool2d(gpu(x), {3}, {2}, {1}), 0, 0,
               "max");
  expect_close(ops::avg_pool2d(x, {3}, {2}, {1}), ops::avg_pool2d(gpu(x), {3}, {2}, {1}), 1e-6,
               1e-6, "avg");
}

struct UpCase {
  Shape x;
  std::optional<std::vector<int64_t>> size;
  std::optional<std::vector<double>> scale;
  bool strided;
  std::string desc;
};

std::vector<UpCase> up_cases() {
  return {
      {{8, 32, 16, 16},
       std::nullopt,
       std::vector<double>{2.0},
       false,
       "x2 (U-Net up), many blocks"},
      {{2, 4, 7, 9}, std::vector<int64_t>{15, 20}, std::nullopt, true, "7x9 -> 15x20, strided"},
      {{2, 3, 10, 12}, std::vector<int64_t>{4, 5}, std::nullopt, false, "downsample"},
      {{1, 2, 5, 6}, std::nullopt, std::vector<double>{1.7, 2.3}, true, "scales 1.7, 2.3"},
      {{1, 2, 1, 6}, std::vector<int64_t>{3, 6}, std::nullopt, false, "height 1"},
  };
}

TEST(CudaUpsample, NearestAndBackwardMatchCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    uint64_t seed = 300;
    for (const UpCase& c : up_cases()) {
      const std::string what = c.desc + " " + dtype_name(dt);
      const Pair x = input(c.x, dt, seed++, c.strided);
      const Tensor y = ops::upsample_nearest2d(x.cpu, c.size, c.scale);
      expect_close(y, ops::upsample_nearest2d(x.cuda, c.size, c.scale), 0, 0, "forward " + what);
      const Tensor g = rnd(y.sizes(), dt, seed++);
      expect_close(ops::upsample_nearest2d_backward(g, x.cpu.sizes(), c.scale),
                   ops::upsample_nearest2d_backward(gpu(g), x.cpu.sizes(), c.scale), 0,
                   dt == kBFloat16 ? 1e-2 : 0, "backward " + what);
    }
  }
}

TEST(CudaUpsample, BilinearAndBackwardMatchCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    uint64_t seed = 400;
    for (bool align : {false, true}) {
      for (const UpCase& c : up_cases()) {
        const std::string what =
            c.desc + (align ? " align_corners " : " ") + std::string(dtype_name(dt));
        const Pair x = input(c.x, dt, seed++, c.strided);
        const Tensor y = ops::upsample_bilinear2d(x.cpu, c.size, align, c.scale);
        expect_close(y, ops::upsample_bilinear2d(x.cuda, c.size, align, c.scale), tol_of(dt),
                     tol_of(dt), "forward " + what);
        const Tensor g = rnd(y.sizes(), dt, seed++);
        expect_close(ops::upsample_bilinear2d_backward(g, x.cpu.sizes(), align, c.scale),
                     ops::upsample_bilinear2d_backward(gpu(g), x.cpu.sizes(), align, c.scale),
                     tol_of(dt), tol_of(dt), "backward " + what);
      }
    }
  }
}

TEST(CudaUpsample, NonContiguousGradOutput) {
  SKIP_WITHOUT_GPU();
  const Tensor g = rnd({2, 3, 12, 10}, kFloat32, 9);
  const Tensor gt = g.transpose(2, 3), ggt = gpu(g).transpose(2, 3);  // [2, 3, 10, 12]
  expect_close(ops::upsample_bilinear2d_backward(gt, {2, 3, 5, 6}, false, std::nullopt),
               ops::upsample_bilinear2d_backward(ggt, {2, 3, 5, 6}, false, std::nullopt), 1e-6,
               1e-6, "bilinear");
  expect_close(ops::upsample_nearest2d_backward(gt, {2, 3, 5, 6}),
               ops::upsample_nearest2d_backward(ggt, {2, 3, 5, 6}), 0, 0, "nearest");
  expect_close(ops::avg_pool2d_backward(gt, {2, 3, 20, 24}, {2}),
               ops::avg_pool2d_backward(ggt, {2, 3, 20, 24}, {2}), 0, 0, "avg_pool");
}

}  // namespace
}  // namespace mica
