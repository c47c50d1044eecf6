// CUDA convolution (cuDNN) against the CPU op: conv2d forward and both backward passes at the
// W4-W6 shapes (3x3 pad 1, stride 2, groups, depthwise, dilation, 1x1), conv_transpose2d
// (including output_padding >= stride, which pads grad_output), conv1d, non-contiguous operands,
// 16-bit dtypes, the algorithm cache (a repeated call), empty batches and mixed-device errors.
// Every test skips without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no GPU"

Tensor gpu(const Tensor& t) {
  return t.defined() ? t.to(Device(kCUDA)) : t;
}

// Seeded normal values on the CPU in dtype dt.
Tensor rnd(const Shape& shape, DType dt, uint64_t seed) {
  Generator g(seed);
  return randn(shape, TensorOptions(kFloat32), &g).to(dt);
}

// |cuda - cpu| <= atol + rtol |cpu| everywhere; reports the worst element.
void expect_close(const Tensor& cpu_out, const Tensor& cuda_out, double rtol, double atol,
                  const std::string& what) {
  ASSERT_TRUE(cuda_out.is_cuda()) << what;
  ASSERT_EQ(cpu_out.sizes(), cuda_out.sizes()) << what;
  ASSERT_EQ(cpu_out.dtype(), cuda_out.dtype()) << what;
  const Tensor a = cpu_out.to(kFloat64).contiguous(), b = cuda_out.cpu().to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pb = b.data_ptr<double>();
  double worst = 0;
  int64_t worst_i = -1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double excess = std::abs(pa[i] - pb[i]) - (atol + rtol * std::abs(pa[i]));
    if (excess > worst || std::isnan(pb[i]) != std::isnan(pa[i])) {
      worst = std::max(excess, worst);
      worst_i = i;
    }
  }
  EXPECT_EQ(worst_i, -1) << what << ": element " << worst_i << " cpu "
                         << pa[std::max<int64_t>(worst_i, 0)] << " cuda "
                         << pb[std::max<int64_t>(worst_i, 0)];
}

struct Tol {
  double rtol, atol;
};
Tol tol_of(DType dt) {
  if (dt == kFloat64) return {1e-10, 1e-10};
  if (dt == kFloat32) return {1e-4, 1e-4};
  return {5e-2, 5e-2};  // 16-bit: rounding of inputs and output, float accumulation
}

struct Case {
  Shape x, w;
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups;
  std::string desc;
};

// The W4-W6 convolutions (U-Net / VAE / DCGAN blocks) and the layouts they stress.
std::vector<Case> cases() {
  return {
      {{16, 32, 32, 32}, {32, 32, 3, 3}, {1}, {1}, {1}, 1, "3x3 pad 1"},
      {{16, 32, 32, 32}, {64, 32, 3, 3}, {2}, {1}, {1}, 1, "3x3 stride 2 pad 1"},
      {{8, 64, 16, 16}, {64, 16, 3, 3}, {1}, {1}, {1}, 4, "groups 4"},
      {{4, 32, 17, 19}, {32, 1, 3, 3}, {1}, {1}, {1}, 32, "depthwise, odd sizes"},
      {{4, 16, 20, 20}, {16, 16, 3, 3}, {1}, {2}, {2}, 1, "dilation 2"},
      {{16, 64, 16, 16}, {128, 64, 1, 1}, {1}, {0}, {1}, 1, "1x1"},
      {{8, 3, 28, 28}, {16, 3, 4, 4}, {2}, {1}, {1}, 1, "k4 s2 p1 (DCGAN)"},
      {{2, 6, 9, 7}, {4, 3, 3, 2}, {2, 1}, {1, 0}, {1, 2}, 2, "per-dim args, groups 2"},
  };
}

TEST(CudaConv, Conv2dForwardMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    uint64_t seed = 1;
    for (const Case& c : cases()) {
      const Tensor x = rnd(c.x, dt, seed++), w = rnd(c.w, dt, seed++);
      const Tensor b = rnd({c.w[0]}, dt, seed++);
      const Tensor ref = ops::conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
      const Tensor out =
          ops::conv2d(gpu(x), gpu(w), gpu(b), c.stride, c.padding, c.dilation, c.groups);
      const Tol t = tol_of(dt);
      expect_close(ref, out, t.rtol, t.atol, c.desc + " " + dtype_name(dt));
    }
  }
}

TEST(CudaConv, Conv2dBackwardMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    uint64_t seed = 100;
    for (const Case& c : cases()) {
      const Tensor x = rnd(c.x, dt, seed++), w = rnd(c.w, dt, seed++);
      const Tensor y = ops::conv2d(x, w, {}, c.stride, c.padding, c.dilation, c.groups);
      const Tensor g = rnd(y.sizes(), dt, seed++);
      const Tol t = tol_of(dt);
      const std::string what = c.desc + " " + dtype_name(dt);
      expect_close(
          ops::conv2d_backward_input(g, w, x.sizes(), c.stride, c.padding, c.dilation, c.groups),
          ops::conv2d_backward_input(gpu(g), gpu(w), x.sizes(), c.stride, c.padding, c.dilation,
                                     c.groups),
          t.rtol, t.atol, "backward_input " + what);
      // The weight gradient sums over N * H_out * W_out products: scale the tolerance.
      const double k = std::sqrt(static_cast<double>(g.numel() / g.size(1)));
      expect_close(
          ops::conv2d_backward_weight(g, x, w.sizes(), c.stride, c.padding, c.dilation, c.groups),
          ops::conv2d_backward_weight(gpu(g), gpu(x), w.sizes(), c.stride, c.padding, c.dilation,
                                      c.groups),
          t.rtol, t.atol * k, "backward_weight " + what);
    }
  }
}

TEST(CudaConv, RepeatedCallsUseTheCachedAlgorithm) {
  SKIP_WITHOUT_GPU();
  const Tensor x = rnd({4, 8, 12, 12}, kFloat32, 1), w = rnd({8, 8, 3, 3}, kFloat32, 2);
  const Tensor ref = ops::conv2d(x, w, {}, {1}, {1});
  const Tensor xg = gpu(x), wg = gpu(w);
  for (int i = 0; i < 3; ++i)
    expect_close(ref, ops::conv2d(xg, wg, {}, {1}, {1}), 1e-4, 1e-4, "call " + std::to_string(i));
}

TEST(CudaConv, NonContiguousOperands) {
  SKIP_WITHOUT_GPU();
  // x and grad_output transposed in their spatial dims, weight permuted: views on both devices.
  const Tensor x = rnd({4, 8, 11, 9}, kFloat32, 3).transpose(2, 3);
  const Tensor w = rnd({3, 3, 8, 6}, kFloat32, 4).permute({3, 2, 0, 1});
  const Tensor xg = gpu(rnd({4, 8, 11, 9}, kFloat32, 3)).transpose(2, 3);
  const Tensor wg = gpu(rnd({3, 3, 8, 6}, kFloat32, 4)).permute({3, 2, 0, 1});
  ASSERT_FALSE(xg.is_contiguous());
  ASSERT_FALSE(wg.is_contiguous());
  const Tensor b = rnd({12}, kFloat32, 5).slice(0, 0, 12, 2);  // bias with stride 2
  expect_close(ops::conv2d(x, w, b, {2}, {1}),
               ops::conv2d(xg, wg, gpu(rnd({12}, kFloat32, 5)).slice(0, 0, 12, 2), {2}, {1}), 1e-4,
               1e-4, "forward");
  const Tensor g = rnd({4, 6, 6, 5}, kFloat32, 6).transpose(2, 3);
  const Tensor gg = gpu(rnd({4, 6, 6, 5}, kFloat32, 6)).transpose(2, 3);
  expect_close(ops::conv2d_backward_input(g, w, x.sizes(), {2}, {1}),
               ops::conv2d_backward_input(gg, wg, x.sizes(), {2}, {1}), 1e-4, 1e-4,
               "backward_input");
  expect_close(ops::conv2d_backward_weight(g, x, w.sizes(), {2}, {1}),
               ops::conv2d_backward_weight(gg, xg, w.sizes(), {2}, {1}), 1e-4, 1e-3,
               "backward_weight");
}

TEST(CudaConv, ConvTranspose2dMatchesCpu) {
  SKIP_WITHOUT_GPU();
  struct T {
    Shape x, w;
    std::vector<int64_t> stride, padding, output_padding;
    int64_t groups;
    std::vector<int64_t> dilation;
    std::string desc;
  };
  const std::vector<T> ts{
      {{8, 64, 8, 8}, {64, 32, 4, 4}, {2}, {1}, {0}, 1, {1}, "k4 s2 p1 8->16 (DCGAN up)"},
      {{2, 4, 3, 3}, {4, 3, 3, 3}, {2}, {1}, {1}, 1, {1}, "s2 p1 output_padding 1"},
      {{1, 4, 4, 5}, {4, 2, 2, 3}, {2, 3}, {0, 1}, {1, 2}, 2, {1}, "groups 2, op [1, 2]"},
      // output_padding 1 >= stride 1 (allowed as it is < dilation): conv2d of the output has one
      // more row and column than x, so the CUDA path pads grad_output.
      {{2, 2, 3, 3}, {2, 3, 3, 3}, {1}, {1}, {1}, 1, {2}, "output_padding >= stride"},
  };
  uint64_t seed = 200;
  for (DType dt : {kFloat32, kFloat64}) {
    for (const T& c : ts) {
      const Tensor x = rnd(c.x, dt, seed++), w = rnd(c.w, dt, seed++);
      const Tensor b = rnd({c.w[1] * c.groups}, dt, seed++);
      const Tol t = tol_of(dt);
      expect_close(ops::conv_transpose2d(x, w, b, c.stride, c.padding, c.output_padding, c.groups,
                                         c.dilation),
                   ops::conv_transpose2d(gpu(x), gpu(w), gpu(b), c.stride, c.padding,
                                         c.output_padding, c.groups, c.dilation),
                   t.rtol, t.atol, c.desc + " " + dtype_name(dt));
    }
  }
}

TEST(CudaConv, Conv1dAndUnbatched) {
  SKIP_WITHOUT_GPU();
  const Tensor x = rnd({4, 6, 50}, kFloat32, 7), w = rnd({8, 3, 5}, kFloat32, 8);
  const Tensor b = rnd({8}, kFloat32, 9);
  expect_close(ops::conv1d(x, w, b, {2}, {2}, {1}, 2),
               ops::conv1d(gpu(x), gpu(w), gpu(b), {2}, {2}, {1}, 2), 1e-4, 1e-4, "conv1d");
  const Tensor xu = rnd({3, 9, 9}, kFloat32, 10), wu = rnd({5, 3, 3, 3}, kFloat32, 11);
  expect_close(ops::conv2d(xu, wu, {}, {1}, {1}), ops::conv2d(gpu(xu), gpu(wu), {}, {1}, {1}), 1e-4,
               1e-4, "unbatched conv2d");
}

TEST(CudaConv, EmptyBatch) {
  SKIP_WITHOUT_GPU();
  const Tensor x = gpu(rnd({0, 3, 5, 5}, kFloat32, 1)), w = gpu(rnd({2, 3, 3, 3}, kFloat32, 2));
  const Tensor y = ops::conv2d(x, w, {}, {1}, {1});
  EXPECT_EQ(y.sizes(), (Shape{0, 2, 5, 5}));
  const Tensor gw = ops::conv2d_backward_weight(y, x, w.sizes(), {1}, {1});
  const Tensor gw_cpu = gw.cpu();
  for (int64_t i = 0; i < gw_cpu.numel(); ++i) EXPECT_EQ(gw_cpu.data_ptr<float>()[i], 0.0f);
}

TEST(CudaConv, MixedDevicesAreAnError) {
  SKIP_WITHOUT_GPU();
  const Tensor x = rnd({1, 3, 5, 5}, kFloat32, 1), w = rnd({2, 3, 3, 3}, kFloat32, 2);
  EXPECT_THROW(ops::conv2d(gpu(x), w), Error);
  EXPECT_THROW(ops::conv2d(x, gpu(w)), Error);
  EXPECT_THROW(ops::conv2d(gpu(x), gpu(w), rnd({2}, kFloat32, 3)), Error);
}

}  // namespace
}  // namespace mica
