// CUDA reductions against the CPU kernels on what the op-table parity test does not reach: long
// rows (block-per-row and sliced two-pass paths), many short rows (warp per row), column
// reductions ([N, C] over N), non-contiguous and permuted inputs, full reductions of 10M
// elements, and argmax/argmin ties and NaN across slices. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cuda_test_util.h"
#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

using namespace cuda_test;

const Device kGpu(kCUDA);

// Every floating reduction over dims of x, on CUDA and on the CPU.
void check_floating_reductions(const Tensor& x_cpu, const Tensor& x_gpu, const Dims& dims,
                               const std::string& what, double rtol = 1e-5, double atol = 1e-5) {
  expect_close(ops::sum(x_gpu, dims), ops::sum(x_cpu, dims), rtol, atol, what + " sum");
  expect_close(ops::mean(x_gpu, dims), ops::mean(x_cpu, dims), rtol, atol, what + " mean");
  expect_close(ops::var(x_gpu, dims), ops::var(x_cpu, dims), rtol, atol, what + " var");
  expect_close(ops::std(x_gpu, dims, 0), ops::std(x_cpu, dims, 0), rtol, atol, what + " std");
  expect_close(ops::norm(x_gpu, 2, dims), ops::norm(x_cpu, 2, dims), rtol, atol, what + " norm2");
  expect_close(ops::norm(x_gpu, 1, dims), ops::norm(x_cpu, 1, dims), rtol, atol, what + " norm1");
  expect_close(ops::norm(x_gpu, 3.5, dims), ops::norm(x_cpu, 3.5, dims), rtol, atol,
               what + " norm3.5");
  expect_close(ops::logsumexp(x_gpu, dims), ops::logsumexp(x_cpu, dims), rtol, atol,
               what + " logsumexp");
  expect_equal(ops::amax(x_gpu, dims), ops::amax(x_cpu, dims), what + " amax");
  expect_equal(ops::amin(x_gpu, dims), ops::amin(x_cpu, dims), what + " amin");
  expect_equal(ops::any(x_gpu, dims), ops::any(x_cpu, dims), what + " any");
}

TEST(CudaReduction, RowLayoutsWarpBlockAndSliced) {
  SKIP_WITHOUT_GPU();
  // [rows, n]: warp per row (n <= 2048), block per row, and few long rows cut into slices
  for (const Shape& shape : std::vector<Shape>{{1000, 100}, {64, 2048}, {33, 5000}, {3, 300001}}) {
    const Tensor x = random_tensor(shape, kFloat32, 1);
    const Tensor g = x.to(kGpu);
    check_floating_reductions(x, g, {1}, "rows " + shape_str(shape));
    const auto [vc, ic] = ops::max(x, 1);
    const auto [vg, ig] = ops::max(g, 1);
    expect_equal(vg, vc, "max values " + shape_str(shape));
    expect_equal(ig, ic, "max indices " + shape_str(shape));
    expect_equal(ops::argmin(g, 1), ops::argmin(x, 1), "argmin " + shape_str(shape));
  }
}

TEST(CudaReduction, ColumnLayoutAndNonContiguous) {
  SKIP_WITHOUT_GPU();
  // [N, C] over N: one thread per column, sliced when there are few columns
  for (const Shape& shape : std::vector<Shape>{{5000, 33}, {100000, 3}, {7, 4096}}) {
    const Tensor x = random_tensor(shape, kFloat32, 2);
    const Tensor g = x.to(kGpu);
    check_floating_reductions(x, g, {0}, "cols " + shape_str(shape));
    expect_equal(ops::argmax(g, 0), ops::argmax(x, 0), "argmax cols " + shape_str(shape));
    expect_equal(ops::argmin(g, 0, true), ops::argmin(x, 0, true), "argmin " + shape_str(shape));
  }
  // transposed, strided slices and a permuted 3-d tensor reduced over two dims
  const Tensor x = random_tensor({40, 300, 6}, kFloat32, 3);
  const Tensor g = x.to(kGpu);
  const Tensor xt = x.transpose(0, 1), gt = g.transpose(0, 1);
  check_floating_reductions(xt, gt, {1}, "transposed");
  check_floating_reductions(xt, gt, {0, 2}, "transposed dims {0, 2}");
  check_floating_reductions(x.slice(1, 1, 300, 3), g.slice(1, 1, 300, 3), {1, 2}, "sliced");
  check_floating_reductions(x.permute({2, 0, 1}), g.permute({2, 0, 1}), {}, "permuted full");
  expect_equal(ops::argmax(gt.slice(2, 0, 6, 2)), ops::argmax(xt.slice(2, 0, 6, 2)),
               "argmax flat strided");
  const auto [vc, ic] = ops::min(x.permute({2, 0, 1}), 2, true);
  const auto [vg, ig] = ops::min(g.permute({2, 0, 1}), 2, true);
  expect_equal(vg, vc, "min permuted values");
  expect_equal(ig, ic, "min permuted indices");
}

TEST(CudaReduction, FullReductionOfTenMillion) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 10'000'000;
  Tensor x = random_tensor({n}, kFloat32, 4, 0, 1);
  float* p = x.data_ptr<float>();
  p[12345] = 7.0f;  // the maximum, twice: the first index wins
  p[n - 3] = 7.0f;
  p[777] = -3.0f;  // the minimum
  const Tensor g = x.to(kGpu);
  expect_close(ops::sum(g), ops::sum(x), 1e-6, 1e-6, "sum");
  expect_close(ops::mean(g), ops::mean(x), 1e-6, 1e-6, "mean");
  expect_close(ops::var(g), ops::var(x), 1e-6, 1e-6, "var");
  expect_close(ops::norm(g), ops::norm(x), 1e-6, 1e-6, "norm");
  expect_close(ops::logsumexp(g), ops::logsumexp(x), 1e-6, 1e-6, "logsumexp");
  expect_equal(ops::max(g), ops::max(x), "max");
  expect_equal(ops::min(g), ops::min(x), "min");
  EXPECT_EQ(ops::argmax(g).cpu().item<int64_t>(), 12345);
  EXPECT_EQ(ops::argmin(g).cpu().item<int64_t>(), 777);
  // 2-d view over both dims (the flat index), and a reduction of a transposed view
  const Tensor g2 = g.view({2500, 4000}), x2 = x.view({2500, 4000});
  EXPECT_EQ(ops::argmax(g2).cpu().item<int64_t>(), 12345);
  expect_close(ops::sum(g2.transpose(0, 1)), ops::sum(x2.transpose(0, 1)), 1e-6, 1e-6,
               "sum transposed");
  expect_equal(ops::argmax(g2.transpose(0, 1)), ops::argmax(x2.transpose(0, 1)),
               "argmax transposed");
  // all/any over 10M bools with one false / one true far from the start
  Tensor ones = full({n}, true, TensorOptions(kBool));
  ones.data_ptr<bool>()[n - 5] = false;
  EXPECT_FALSE(ops::all(ones.to(kGpu)).cpu().item<bool>());
  Tensor zeros_b = full({n}, false, TensorOptions(kBool));
  EXPECT_FALSE(ops::any(zeros_b.to(kGpu)).cpu().item<bool>());
  zeros_b.data_ptr<bool>()[n - 5] = true;
  EXPECT_TRUE(ops::any(zeros_b.to(kGpu)).cpu().item<bool>());
}

TEST(CudaReduction, TiesAndNaNFollowTheCpu) {
  SKIP_WITHOUT_GPU();
  // all-equal rows of every length: index 0 everywhere (ties across lanes and slices)
  for (int64_t n : {5, 100, 5000, 400000}) {
    const Tensor x = full({3, n}, 1.5f);
    const Tensor g = x.to(kGpu);
    expect_equal(ops::argmax(g, 1), ops::argmax(x, 1), "argmax ties n=" + std::to_string(n));
    expect_equal(ops::argmin(g, 1), ops::argmin(x, 1), "argmin ties n=" + std::to_string(n));
    expect_equal(ops::argmax(g.t(), 0), ops::argmax(x.t(), 0), "argmax ties cols");
    EXPECT_EQ(ops::argmax(g).cpu().item<int64_t>(), 0);
  }
  // NaN: the first NaN is the extreme of max and min; amax/sum propagate it
  Tensor x = random_tensor({4, 9000}, kFloat32, 5);
  float* p = x.data_ptr<float>();
  p[0 * 9000 + 8000] = NAN;
  p[0 * 9000 + 8500] = NAN;
  p[2 * 9000 + 3] = NAN;
  p[3 * 9000 + 4000] = -0.0f;  // -0 and +0 tie
  p[3 * 9000 + 10] = 0.0f;
  const Tensor g = x.to(kGpu);
  const auto [vc, ic] = ops::max(x, 1);
  const auto [vg, ig] = ops::max(g, 1);
  expect_equal(vg, vc, "max NaN values");
  expect_equal(ig, ic, "max NaN indices");
  expect_equal(ops::argmin(g, 1), ops::argmin(x, 1), "argmin NaN");
  expect_equal(ops::amax(g, 1), ops::amax(x, 1), "amax NaN");
  expect_close(ops::sum(g, 1), ops::sum(x, 1), 1e-5, 1e-5, "sum NaN");
  expect_close(ops::logsumexp(g, 1), ops::logsumexp(x, 1), 1e-5, 1e-5, "logsumexp NaN");
  expect_equal(ops::argmax(g.t(), 0), ops::argmax(x.t(), 0), "argmax NaN cols");
  EXPECT_EQ(ops::argmax(g).cpu().item<int64_t>(), 8000);
  // infinities in logsumexp and the norms
  Tensor y = random_tensor({2, 50}, kFloat32, 6);
  y.data_ptr<float>()[7] = INFINITY;
  y.data_ptr<float>()[60] = -INFINITY;
  const Tensor gy = y.to(kGpu);
  expect_close(ops::logsumexp(gy, 1), ops::logsumexp(y, 1), 1e-5, 1e-5, "logsumexp inf");
  expect_close(ops::norm(gy, INFINITY, 1), ops::norm(y, INFINITY, 1), 0, 0, "norm inf");
  expect_close(ops::norm(gy, -INFINITY, 1), ops::norm(y, -INFINITY, 1), 0, 0, "norm -inf");
  expect_close(ops::norm(gy, 0, 1), ops::norm(y, 0, 1), 0, 0, "norm 0");
}

TEST(CudaReduction, DtypesAndEmptyDims) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kInt32, kInt64, kUInt8, kBool}) {
    const Tensor x = random_tensor({300, 700}, dt, 7, 0, 5);
    const Tensor g = x.to(kGpu);
    const std::string name = dtype_name(dt);
    expect_equal(ops::sum(g, 1), ops::sum(x, 1), name + " sum");
    expect_equal(ops::sum(g, 0), ops::sum(x, 0), name + " sum cols");
    expect_equal(ops::sum(g), ops::sum(x), name + " sum all");
    expect_equal(ops::prod(g.slice(1, 0, 5), 1), ops::prod(x.slice(1, 0, 5), 1), name + " prod");
    expect_equal(ops::amax(g, 1), ops::amax(x, 1), name + " amax");
    expect_equal(ops::argmin(g, 0), ops::argmin(x, 0), name + " argmin");
    expect_equal(ops::all(g, 1), ops::all(x, 1), name + " all");
    expect_equal(ops::any(g, 0), ops::any(x, 0), name + " any");
  }
  for (DType dt : {kFloat16, kBFloat16, kFloat64}) {
    const Tensor x = random_tensor({50, 3000}, dt, 8);
    const Tensor g = x.to(kGpu);
    const double tol = dt == kFloat64 ? 1e-12 : 1e-2;
    check_floating_reductions(x, g, {1}, dtype_name(dt), tol, tol);
    check_floating_reductions(x, g, {0}, std::string(dtype_name(dt)) + " cols", tol, tol);
  }
  // zero-size reduced dims give the identities (NaN mean), zero outputs give empty results
  const Tensor e = empty({4, 0}, TensorOptions(kFloat32).device(kGpu));
  const Tensor ec = empty({4, 0}, kFloat32);
  expect_equal(ops::sum(e, 1), ops::sum(ec, 1), "empty sum");
  expect_equal(ops::prod(e, 1), ops::prod(ec, 1), "empty prod");
  expect_equal(ops::mean(e, 1), ops::mean(ec, 1), "empty mean");
  expect_equal(ops::logsumexp(e, 1), ops::logsumexp(ec, 1), "empty logsumexp");
  expect_equal(ops::all(e, 1), ops::all(ec, 1), "empty all");
  EXPECT_EQ(ops::sum(e, 0).numel(), 0);
  EXPECT_THROW(ops::amax(e, 1), Error);
}

}  // namespace
}  // namespace mica
