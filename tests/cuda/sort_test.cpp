// CUDA scans and sorting against the CPU kernels: cumsum/cumprod on long lines (group scans over
// many tiles), many short lines and strided dims; sort/argsort/topk with ties, NaN, -0/+0 and
// descending order (stable, NaN placement like the CPU), along non-last and non-contiguous
// dims, for every dtype. Every test skips without a GPU.
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

// sort (both directions), argsort and topk along dim: values and indices must match exactly.
void check_sorting(const Tensor& x, const Tensor& g, int64_t dim, const std::string& what) {
  for (bool desc : {false, true}) {
    const std::string name = what + (desc ? " descending" : " ascending");
    const auto [vc, ic] = ops::sort(x, dim, desc);
    const auto [vg, ig] = ops::sort(g, dim, desc);
    expect_close(vg, vc, 0, name + " values");
    expect_close(ig, ic, 0, name + " indices");
    expect_close(ops::argsort(g, dim, desc), ops::argsort(x, dim, desc), 0, name + " argsort");
    const int64_t n = x.dim() == 0 ? 1 : x.size(dim);
    for (int64_t k : {int64_t{0}, int64_t{1}, std::min<int64_t>(n, 5), n}) {
      if (k > n) continue;
      const auto [tvc, tic] = ops::topk(x, k, dim, desc);
      const auto [tvg, tig] = ops::topk(g, k, dim, desc);
      expect_close(tvg, tvc, 0, name + " topk values k=" + std::to_string(k));
      expect_close(tig, tic, 0, name + " topk indices k=" + std::to_string(k));
    }
  }
}

TEST(CudaScan, LongShortAndStridedLines) {
  SKIP_WITHOUT_GPU();
  for (const Shape& shape : std::vector<Shape>{{3, 100000}, {500, 700}, {4000, 20}, {2, 2049}}) {
    const Tensor x = random_tensor(shape, kFloat32, 1, -1, 1);
    const Tensor g = x.to(kGpu);
    expect_close(ops::cumsum(g, 1), ops::cumsum(x, 1), 1e-5, "cumsum rows " + shape_str(shape));
    expect_close(ops::cumsum(g, 0), ops::cumsum(x, 0), 1e-5, "cumsum cols " + shape_str(shape));
  }
  // cumprod of values near 1 (long products stay finite)
  const Tensor x = random_tensor({7, 5000}, kFloat64, 2, 0.999, 1.001);
  const Tensor g = x.to(kGpu);
  expect_close(ops::cumprod(g, 1), ops::cumprod(x, 1), 1e-10, "cumprod rows");
  expect_close(ops::cumprod(g.t(), 1), ops::cumprod(x.t(), 1), 1e-10, "cumprod transposed");
  expect_close(ops::cumprod(g.slice(1, 0, 5000, 7), 0), ops::cumprod(x.slice(1, 0, 5000, 7), 0),
               1e-10, "cumprod sliced");
  // zeros, NaN and infinities propagate like the sequential scan
  Tensor s = random_tensor({2, 300}, kFloat32, 3);
  s.data_ptr<float>()[10] = 0;
  s.data_ptr<float>()[20] = INFINITY;
  s.data_ptr<float>()[310] = NAN;
  expect_close(ops::cumprod(s.to(kGpu), 1), ops::cumprod(s, 1), 1e-5, "cumprod special");
  expect_close(ops::cumsum(s.to(kGpu), 1), ops::cumsum(s, 1), 1e-5, "cumsum special");
}

TEST(CudaScan, Dtypes) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kInt32, kInt64, kUInt8, kBool, kFloat16, kBFloat16}) {
    const Tensor x = random_tensor({30, 1500}, dt, 4, 0, 3);
    const Tensor g = x.to(kGpu);
    const double tol = is_floating(dt) ? 1e-2 : 0;
    const std::string name = dtype_name(dt);
    expect_close(ops::cumsum(g, 1), ops::cumsum(x, 1), tol, name + " cumsum");
    expect_close(ops::cumsum(g, 0), ops::cumsum(x, 0), tol, name + " cumsum cols");
    expect_close(ops::cumprod(g.slice(1, 0, 12), 1), ops::cumprod(x.slice(1, 0, 12), 1), tol,
                 name + " cumprod");
  }
  const Tensor z = full({}, 3.0f);
  expect_close(ops::cumsum(z.to(kGpu), 0), ops::cumsum(z, 0), 0, "0-d cumsum");
}

TEST(CudaSort, TiesNaNAndSignedZeros) {
  SKIP_WITHOUT_GPU();
  for (int64_t n : {1, 7, 100, 5000, 70000}) {
    // few distinct values (many ties), NaN, infinities and both zeros
    Tensor x = random_tensor({3, n}, kFloat32, 5, -3, 3);
    float* p = x.data_ptr<float>();
    std::mt19937_64 rng(6);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int pick = static_cast<int>(rng() % 10);
      p[i] = pick == 0   ? NAN
             : pick == 1 ? -0.0f
             : pick == 2 ? 0.0f
             : pick == 3 ? INFINITY
             : pick == 4 ? -INFINITY
                         : std::round(p[i]);
    }
    check_sorting(x, x.to(kGpu), 1, "n=" + std::to_string(n));
    // one line: the device-wide radix sort
    check_sorting(x[0], x[0].to(kGpu), 0, "1-d n=" + std::to_string(n));
  }
}

TEST(CudaSort, DimsLayoutsAndDtypes) {
  SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({20, 30, 40}, kFloat32, 7, -3, 3);
  const Tensor g = x.to(kGpu);
  check_sorting(x, g, 0, "dim 0");
  check_sorting(x, g, 1, "dim 1");
  check_sorting(x.transpose(0, 2), g.transpose(0, 2), 2, "transposed");
  check_sorting(x.slice(2, 1, 40, 3), g.slice(2, 1, 40, 3), 2, "sliced");
  const Tensor s = full({}, 2.5f);
  check_sorting(s, s.to(kGpu), 0, "0-d");
  check_sorting(empty({3, 0}), empty({3, 0}).to(kGpu), 1, "empty");
  for (DType dt : {kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kUInt8, kBool}) {
    const Tensor y = random_tensor({9, 300}, dt, 8, dt == kUInt8 || dt == kBool ? 0 : -50, 50);
    check_sorting(y, y.to(kGpu), 1, dtype_name(dt));
    check_sorting(y, y.to(kGpu), 0, std::string(dtype_name(dt)) + " dim 0");
  }
  // int64 values beyond 32 bits and the extremes keep their order
  Tensor big = empty({6}, kInt64);
  const int64_t v[6] = {int64_t{1} << 40,
                        -(int64_t{1} << 40),
                        0,
                        -1,
                        std::numeric_limits<int64_t>::max(),
                        std::numeric_limits<int64_t>::min()};
  for (int i = 0; i < 6; ++i) big.data_ptr<int64_t>()[i] = v[i];
  check_sorting(big, big.to(kGpu), 0, "int64 extremes");
}

}  // namespace
}  // namespace mica
