// CUDA softmax / log_softmax and their backward against the CPU kernels: warp-per-row rows
// (<= 1024), block-per-row rows (> 4096), the strided layout (dims other than the last),
// non-contiguous inputs, 16-bit types, rows with NaN / -inf / +inf, and mixed-device errors.
// Every test skips without a GPU.
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

double tol_of(DType dt) {
  return dt == kFloat64 ? 1e-12 : dt == kFloat32 ? 1e-5 : dt == kFloat16 ? 2e-3 : 1e-2;
}

// Forward and backward of softmax and log_softmax along dim, CUDA against CPU.
void check_softmax(const Tensor& x, int64_t dim, const std::string& what) {
  const Tensor g = x.to(kGpu);
  const double tol = tol_of(x.dtype());
  for (bool log : {false, true}) {
    const std::string name = what + (log ? " log_softmax" : " softmax");
    const Tensor yc = log ? ops::log_softmax(x, dim) : ops::softmax(x, dim);
    const Tensor yg = log ? ops::log_softmax(g, dim) : ops::softmax(g, dim);
    expect_close(yg, yc, tol, name);
    const Tensor grad = random_tensor(x.sizes(), x.dtype(), 99, -1, 1);
    // backward from the CPU output on both devices, so only the backward kernel is compared
    expect_close(ops::softmax_backward(grad.to(kGpu), yc.to(kGpu), dim, log),
                 ops::softmax_backward(grad, yc, dim, log), tol, name + " backward");
  }
}

TEST(CudaSoftmax, WarpAndBlockRows) {
  SKIP_WITHOUT_GPU();
  for (const Shape& shape :
       std::vector<Shape>{{1000, 7}, {300, 128}, {64, 1024}, {10, 1025}, {7, 5000}, {3, 70000}}) {
    check_softmax(random_tensor(shape, kFloat32, 1, -4, 4), 1, "rows " + shape_str(shape));
  }
  check_softmax(random_tensor({2, 3, 4100}, kFloat64, 2, -4, 4), -1, "float64 rows");
}

TEST(CudaSoftmax, StridedDimsAndNonContiguousInputs) {
  SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({6, 50, 33}, kFloat32, 3, -4, 4);
  check_softmax(x, 0, "dim 0");
  check_softmax(x, 1, "dim 1");
  check_softmax(random_tensor({2, 3000, 5}, kFloat32, 4, -4, 4), 1, "long strided dim");
  // a transposed CUDA view (made contiguous by the front-end)
  const Tensor g = x.to(kGpu).transpose(1, 2);
  expect_close(ops::softmax(g, 2), ops::softmax(x.transpose(1, 2), 2), 1e-5, "transposed");
  expect_close(ops::log_softmax(g, 1), ops::log_softmax(x.transpose(1, 2), 1), 1e-5,
               "transposed log");
}

TEST(CudaSoftmax, SixteenBitTypes) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat16, kBFloat16}) {
    check_softmax(random_tensor({40, 700}, dt, 5, -4, 4), 1, std::string(dtype_name(dt)) + " warp");
    check_softmax(random_tensor({4, 9000}, dt, 6, -4, 4), 1,
                  std::string(dtype_name(dt)) + " block");
    check_softmax(random_tensor({4, 30, 9}, dt, 7, -4, 4), 1,
                  std::string(dtype_name(dt)) + " strided");
  }
}

TEST(CudaSoftmax, NaNAndInfiniteRows) {
  SKIP_WITHOUT_GPU();
  for (int64_t n : {10, 3000}) {
    Tensor x = random_tensor({4, n}, kFloat32, 8, -4, 4);
    float* p = x.data_ptr<float>();
    p[0 * n + n / 2] = NAN;                                       // NaN row
    for (int64_t i = 0; i < n; ++i) p[1 * n + i] = -INFINITY;     // all -inf row
    p[2 * n + 1] = INFINITY;                                      // +inf in a row
    for (int64_t i = 0; i < n; i += 2) p[3 * n + i] = -INFINITY;  // partly -inf
    check_softmax(x, 1, "special rows n=" + std::to_string(n));
    check_softmax(x.t().contiguous(), 0, "special cols n=" + std::to_string(n));
  }
}

TEST(CudaSoftmax, MixedDevicesAreAnError) {
  SKIP_WITHOUT_GPU();
  const Tensor y = ops::softmax(random_tensor({3, 4}, kFloat32, 9, -4, 4), 1);
  EXPECT_THROW(ops::softmax_backward(y.to(kGpu), y, 1, false), Error);
}

}  // namespace
}  // namespace mica
