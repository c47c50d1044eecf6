// CUDA normalization kernels (tensor/cuda/norm.cu) against the CPU ops: layer_norm and rms_norm
// on both sides of the warp-per-row / block-per-row switch (64, 768, 1024, 5000 and 50257
// elements per row), strided 1-d parameters, group_norm with 32 groups on [4, 64, 16, 16],
// batch_norm's running statistics after two training steps and eval mode, 16-bit inputs, and
// mixed-device errors. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mica.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops/nn.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no GPU"

const Device kGpu(kCUDA);

Tensor gpu(const Tensor& t) {
  return t.defined() ? t.to(kGpu) : t;
}

// expected: a CPU result; got: the same op's CUDA result. Same shape and dtype, values within
// atol + rtol * |expected| (NaN matches NaN).
void expect_close(const Tensor& expected, const Tensor& got, double atol, double rtol,
                  const std::string& what) {
  ASSERT_TRUE(got.is_cuda()) << what;
  ASSERT_EQ(expected.sizes(), got.sizes()) << what;
  ASSERT_EQ(expected.dtype(), got.dtype()) << what;
  const Tensor e = expected.contiguous().to(kFloat64);
  const Tensor g = got.cpu().contiguous().to(kFloat64);
  const double* pe = e.data_ptr<double>();
  const double* pg = g.data_ptr<double>();
  int64_t bad = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    const bool ok = (std::isnan(pe[i]) && std::isnan(pg[i])) ||
                    std::abs(pe[i] - pg[i]) <= atol + rtol * std::abs(pe[i]);
    if (!ok && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << " expected " << pe[i] << ", got " << pg[i];
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << e.numel() << " elements differ";
}

double atol_for(DType t) {
  return t == kFloat64 ? 1e-12 : t == kFloat32 ? 1e-5 : 2e-2;
}
double rtol_for(DType t) {
  return t == kFloat64 ? 1e-12 : t == kFloat32 ? 1e-5 : 1e-2;
}

Tensor random(const Shape& shape, DType dt, Generator& gen, double scale = 1, double shift = 0) {
  Tensor t = randn(shape, TensorOptions(kFloat32), &gen);
  if (scale != 1 || shift != 0) t = ops::add(ops::mul(t, scale), shift);
  return t.to(dt);
}

TEST(CudaNorm, LayerNormMatchesCpuAcrossRowLengths) {
  SKIP_WITHOUT_GPU();
  Generator gen(1);
  for (const int64_t m : {64, 768, 1024, 5000, 50257}) {
    const int64_t rows = m <= 1024 ? 37 : 5;  // 37: the last warp-row block is partly empty
    for (const DType dt : {kFloat32, kBFloat16, kFloat16, kFloat64}) {
      const std::string what = "layer_norm m=" + std::to_string(m) + " " + dtype_name(dt);
      const Tensor x = random({rows, m}, dt, gen, 2, 3);
      const Tensor w = random({m}, dt, gen, 0.5, 1), b = random({m}, dt, gen);
      const auto c = ops::layer_norm_forward(x, {m}, w, b, 1e-5);
      const auto g = ops::layer_norm_forward(gpu(x), {m}, gpu(w), gpu(b), 1e-5);
      expect_close(c.out, g.out, atol_for(dt), rtol_for(dt), what + " out");
      expect_close(c.mean, g.mean, 1e-5, 1e-5, what + " mean");
      expect_close(c.rstd, g.rstd, 1e-5, 1e-5, what + " rstd");
    }
  }
}

TEST(CudaNorm, LayerNormWithoutAffineAndStridedParameters) {
  SKIP_WITHOUT_GPU();
  Generator gen(2);
  for (const int64_t m : {100, 3000}) {
    const Tensor x = random({3, 4, m}, kFloat32, gen);
    const auto c0 = ops::layer_norm_forward(x, {m});
    const auto g0 = ops::layer_norm_forward(gpu(x), {m});
    expect_close(c0.out, g0.out, 1e-5, 1e-5, "layer_norm plain");
    expect_close(c0.rstd, g0.rstd, 1e-5, 1e-5, "layer_norm plain rstd");
    // weight and bias as every other element of a longer vector; bias in another dtype
    const Tensor wl = random({2 * m}, kFloat32, gen), bl = random({2 * m}, kFloat64, gen);
    const Tensor w = wl.slice(0, 0, 2 * m, 2), b = bl.slice(0, 1, 2 * m, 2);
    const auto c = ops::layer_norm_forward(x, {m}, w, b);
    const auto g = ops::layer_norm_forward(gpu(x), {m}, gpu(wl).slice(0, 0, 2 * m, 2),
                                           gpu(bl).slice(0, 1, 2 * m, 2));
    expect_close(c.out, g.out, 1e-5, 1e-5, "layer_norm strided params");
  }
  // two normalized dims
  const Tensor x = random({6, 8, 40}, kFloat32, gen);
  const Tensor w = random({8, 40}, kFloat32, gen), b = random({8, 40}, kFloat32, gen);
  const auto c = ops::layer_norm_forward(x, {8, 40}, w, b);
  const auto g = ops::layer_norm_forward(gpu(x), {8, 40}, gpu(w), gpu(b));
  expect_close(c.out, g.out, 1e-5, 1e-5, "layer_norm over [8, 40]");
  expect_close(c.mean, g.mean, 1e-5, 1e-5, "layer_norm over [8, 40] mean");
}

TEST(CudaNorm, RmsNormMatchesCpuAcrossRowLengths) {
  SKIP_WITHOUT_GPU();
  Generator gen(3);
  for (const int64_t m : {64, 768, 1024, 5000, 50257}) {
    const int64_t rows = m <= 1024 ? 37 : 5;
    for (const DType dt : {kFloat32, kBFloat16, kFloat64}) {
      const std::string what = "rms_norm m=" + std::to_string(m) + " " + dtype_name(dt);
      const Tensor x = random({rows, m}, dt, gen, 2, 1);
      const Tensor w = random({m}, dt, gen, 0.5, 1);
      const auto c = ops::rms_norm_forward(x, {m}, w);
      const auto g = ops::rms_norm_forward(gpu(x), {m}, gpu(w));
      expect_close(c.out, g.out, atol_for(dt), rtol_for(dt), what + " out");
      expect_close(c.rstd, g.rstd, 1e-5, 1e-5, what + " rstd");
      const auto c0 = ops::rms_norm_forward(x, {m}, Tensor(), 1e-6);
      const auto g0 = ops::rms_norm_forward(gpu(x), {m}, Tensor(), 1e-6);
      expect_close(c0.out, g0.out, atol_for(dt), rtol_for(dt), what + " no weight");
    }
  }
}

TEST(CudaNorm, GroupNormThirtyTwoGroups) {
  SKIP_WITHOUT_GPU();
  Generator gen(4);
  for (const DType dt : {kFloat32, kFloat16, kFloat64}) {
    const std::string what = std::string("group_norm ") + dtype_name(dt);
    const Tensor x = random({4, 64, 16, 16}, dt, gen, 3, -1);
    const Tensor w = random({64}, dt, gen, 0.5, 1), b = random({64}, dt, gen);
    const auto c = ops::group_norm_forward(x, 32, w, b, 1e-5);
    const auto g = ops::group_norm_forward(gpu(x), 32, gpu(w), gpu(b), 1e-5);
    expect_close(c.out, g.out, atol_for(dt), rtol_for(dt), what + " out");
    expect_close(c.mean, g.mean, 1e-5, 1e-5, what + " mean");
    expect_close(c.rstd, g.rstd, 1e-5, 1e-5, what + " rstd");
  }
  // no affine, a 3-d input, one group
  const Tensor x = random({3, 8, 50}, kFloat32, gen);
  expect_close(ops::group_norm(x, 1), ops::group_norm(gpu(x), 1), 1e-5, 1e-5, "group_norm G=1");
  expect_close(ops::group_norm(x, 8), ops::group_norm(gpu(x), 8), 1e-5, 1e-5, "group_norm G=C");
}

TEST(CudaNorm, BatchNormRunningStatsAfterTwoSteps) {
  SKIP_WITHOUT_GPU();
  Generator gen(5);
  for (const DType dt : {kFloat32, kBFloat16, kFloat64}) {
    const std::string what = std::string("batch_norm ") + dtype_name(dt);
    const DType sdt = dt == kFloat64 ? kFloat64 : kFloat32;  // 16-bit models keep float32 stats
    const int64_t c = 16;
    Tensor rm = random({c}, sdt, gen, 0.1), rv = ops::add(random({c}, sdt, gen, 0.1), 1.0);
    Tensor rm_g = gpu(rm), rv_g = gpu(rv);
    const Tensor w = random({c}, dt, gen, 0.5, 1), b = random({c}, dt, gen);
    for (int step = 0; step < 2; ++step) {
      const Tensor x = random({8, c, 5, 5}, dt, gen, 2, step + 1.0);
      const auto cf = ops::batch_norm_forward(x, rm, rv, w, b, true, 0.1, 1e-5);
      const auto gf = ops::batch_norm_forward(gpu(x), rm_g, rv_g, gpu(w), gpu(b), true, 0.1, 1e-5);
      const std::string s = what + " step " + std::to_string(step);
      expect_close(cf.out, gf.out, atol_for(dt), rtol_for(dt), s + " out");
      expect_close(cf.save_mean, gf.save_mean, 1e-5, 1e-5, s + " save_mean");
      expect_close(cf.save_invstd, gf.save_invstd, 1e-5, 1e-5, s + " save_invstd");
      expect_close(rm, rm_g, 1e-6, 1e-6, s + " running_mean");
      expect_close(rv, rv_g, 1e-6, 1e-6, s + " running_var");
    }
    // eval mode normalizes with the running statistics
    const Tensor x = random({4, c, 3}, dt, gen);
    const auto ce = ops::batch_norm_forward(x, rm, rv, w, b, false);
    const auto ge = ops::batch_norm_forward(gpu(x), rm_g, rv_g, gpu(w), gpu(b), false);
    expect_close(ce.out, ge.out, atol_for(dt), rtol_for(dt), what + " eval out");
    expect_close(ce.save_invstd, ge.save_invstd, 1e-6, 1e-6, what + " eval invstd");
  }
}

TEST(CudaNorm, BatchNormStridedRunningStatsAndTwoDimInput) {
  SKIP_WITHOUT_GPU();
  Generator gen(6);
  const int64_t c = 300;  // [N, C] input: each channel's values are C apart
  const Tensor x = random({40, c}, kFloat32, gen, 1.5, 0.5);
  const Tensor rml = random({2 * c}, kFloat32, gen);
  Tensor rm = rml.clone().slice(0, 0, 2 * c, 2);
  Tensor rm_g = gpu(rml).slice(0, 0, 2 * c, 2);
  Tensor rv = ops::add(random({c}, kFloat32, gen, 0.1), 1.0), rv_g = gpu(rv);
  const auto cf = ops::batch_norm_forward(x, rm, rv, Tensor(), Tensor(), true, 0.3, 1e-5);
  const auto gf = ops::batch_norm_forward(gpu(x), rm_g, rv_g, Tensor(), Tensor(), true, 0.3, 1e-5);
  expect_close(cf.out, gf.out, 1e-5, 1e-5, "batch_norm [N, C] out");
  expect_close(rm, rm_g, 1e-6, 1e-6, "batch_norm strided running_mean");
  expect_close(rv, rv_g, 1e-6, 1e-6, "batch_norm running_var");
  // no running statistics at all
  const auto cn = ops::batch_norm_forward(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  const auto gn = ops::batch_norm_forward(gpu(x), Tensor(), Tensor(), Tensor(), Tensor(), true);
  expect_close(cn.out, gn.out, 1e-5, 1e-5, "batch_norm without running stats");
}

TEST(CudaNorm, MixedDevicesAreErrors) {
  SKIP_WITHOUT_GPU();
  const Tensor x = randn({4, 8}).to(kGpu);
  const Tensor w = ones({8});
  EXPECT_THROW(ops::layer_norm(x, {8}, w), Error);
  EXPECT_THROW(ops::rms_norm(x, {8}, w), Error);
  EXPECT_THROW(ops::group_norm(x, 2, w), Error);
  EXPECT_THROW(ops::batch_norm(x, w, w, Tensor(), Tensor(), false), Error);
}

}  // namespace
}  // namespace mica
