// Helpers for the CUDA tests (header-only, no GPU needed to compile): seeded CPU inputs, moving
// to the GPU, and a CPU-vs-CUDA comparison that reports the first mismatch.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica::cuda_test {

#define SKIP_WITHOUT_GPU() \
  if (!::mica::cuda::is_available()) GTEST_SKIP() << "no GPU"

// Expects stmt to throw mica::Error with a message containing fragment.
#define EXPECT_MICA_ERROR_LIKE(stmt, fragment)                                        \
  do {                                                                                \
    try {                                                                             \
      (void)(stmt);                                                                   \
      ADD_FAILURE() << #stmt " did not throw mica::Error";                            \
    } catch (const ::mica::Error& e) {                                                \
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what(); \
    }                                                                                 \
  } while (0)

inline const std::vector<DType> kAllDTypes{kFloat32, kFloat64, kBFloat16, kFloat16,
                                           kInt64,   kInt32,   kUInt8,    kBool};

inline Tensor gpu(const Tensor& t) {
  return t.to(Device(kCUDA));
}

// Values uniform in [lo, hi) on the CPU in dtype dt: integers are floored, uint8 draws from
// [max(lo, 0), hi), bool is true with probability 1/2.
inline Tensor random_cpu(const Shape& shape, DType dt, uint64_t seed, double lo = -3,
                         double hi = 3) {
  std::mt19937_64 rng(seed);
  if (dt == kUInt8) lo = std::max(lo, 0.0);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  for (double& x : v) {
    x = u(rng);
    if (dt == kBool)
      x = (x - lo) < (hi - lo) / 2 ? 0 : 1;
    else if (!is_floating(dt))
      x = std::floor(x);
  }
  return from_vector(v, shape, TensorOptions(dt));
}

// Tolerances for CPU-vs-CUDA math (libm vs CUDA's math library, contracted multiply-adds):
// integer and bool results must match exactly.
struct Tol {
  double rtol = 0, atol = 0;
};
inline Tol math_tol(DType dt) {
  switch (dt) {
    case kFloat32:
      return {2e-5, 1e-6};
    case kFloat64:
      return {1e-12, 1e-14};
    case kFloat16:
      return {2e-3, 1e-4};
    case kBFloat16:
      return {1.6e-2, 1e-3};
    default:
      return {0, 0};
  }
}

// actual (CUDA) against expected (CPU): same dtype and shape, values within tol (NaN matches
// NaN, infinities must be equal).
inline ::testing::AssertionResult matches(const Tensor& actual, const Tensor& expected, Tol tol) {
  if (!actual.is_cuda()) return ::testing::AssertionFailure() << "result is not on the GPU";
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure()
           << "dtype " << dtype_name(actual.dtype()) << " vs " << dtype_name(expected.dtype());
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure()
           << "shape " << shape_str(actual.sizes()) << " vs " << shape_str(expected.sizes());
  const Tensor a = actual.cpu().to(kFloat64).contiguous();
  const Tensor e = expected.to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pe = e.data_ptr<double>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = pa[i], y = pe[i];
    if (std::isnan(x) && std::isnan(y)) continue;
    if (x == y) continue;
    if (std::isfinite(x) && std::isfinite(y) &&
        std::abs(x - y) <= tol.atol + tol.rtol * std::abs(y))
      continue;
    return ::testing::AssertionFailure() << "element " << i << " of " << shape_str(actual.sizes())
                                         << ": cuda " << x << ", cpu " << y;
  }
  return ::testing::AssertionSuccess();
}
inline ::testing::AssertionResult matches(const Tensor& actual, const Tensor& expected) {
  return matches(actual, expected, math_tol(expected.dtype()));
}

// Values uniform in [low, high) (not floored: integer dtypes truncate in the conversion) as
// dtype, on the CPU.
inline Tensor random_tensor(const Shape& shape, DType dtype, uint64_t seed, double low = -2,
                            double high = 2) {
  Tensor t = empty(shape, kFloat64);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(low, high);
  double* p = t.data_ptr<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = u(rng);
  return t.to(dtype);
}

// Row-major values of t (any device, dtype, strides) as doubles.
inline std::vector<double> host_values(const Tensor& t) {
  const Tensor c = t.cpu().to(kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// The CUDA result against the CPU's: same dtype and shape, values within atol + rtol * |cpu|
// (NaN matches NaN, infinities match exactly); reports the first five mismatches.
inline void expect_close(const Tensor& gpu, const Tensor& cpu, double rtol, double atol,
                         const std::string& what) {
  ASSERT_TRUE(gpu.is_cuda()) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  ASSERT_EQ(gpu.sizes(), cpu.sizes()) << what;
  const std::vector<double> a = host_values(gpu), b = host_values(cpu);
  int bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok;
    if (std::isnan(b[i]))
      ok = std::isnan(a[i]);
    else if (std::isinf(b[i]))
      ok = a[i] == b[i];
    else
      ok = std::abs(a[i] - b[i]) <= atol + rtol * std::abs(b[i]);
    if (!ok && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << a[i] << " on CUDA, " << b[i]
                    << " on the CPU";
  }
}
inline void expect_close(const Tensor& gpu, const Tensor& cpu, double tol,
                         const std::string& what) {
  expect_close(gpu, cpu, tol, tol, what);
}
inline void expect_equal(const Tensor& gpu, const Tensor& cpu, const std::string& what) {
  expect_close(gpu, cpu, 0, 0, what);
}

}  // namespace mica::cuda_test
