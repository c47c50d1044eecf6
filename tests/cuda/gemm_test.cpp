// CUDA GEMM tests (tensor/cuda/gemm.cu): matmul/bmm/addmm/linear/einsum on a GPU against a
// float64 CPU reference of the same (dtype-rounded) inputs, with an error bound per dtype scaled
// by sum_p |a_ip| |b_pj|; integers compared exactly with the CPU kernel. Covers sizes 1, odd and
// 1024, broadcast batches, transposed and offset (misaligned) views, batch dims that need the
// host loop, k == 0, the bias epilogue, the tiled kernel's batch loop, TF32 on and off, and
// mixed-device errors. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mica.h"
#include "tensor/cuda/linalg.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no GPU"

const Device kGpu(kCUDA);

// Random values in dtype (float64 draws rounded to dtype), on the CPU.
Tensor random_cpu(const Shape& shape, DType dt, uint64_t seed) {
  Generator gen(seed);
  if (dt == kInt64 || dt == kInt32 || dt == kUInt8) {
    const int64_t hi = dt == kUInt8 ? 256 : 1000;
    const int64_t lo = dt == kUInt8 ? 0 : -1000;
    return randint(lo, hi, shape, TensorOptions(dt), &gen);
  }
  return randn(shape, TensorOptions(kFloat64), &gen).to(dt);
}

// The largest |got - ref| / (bound + tiny) over all elements, where bound = |a| @ |b|.
double worst_error(const Tensor& got, const Tensor& ref, const Tensor& bound) {
  const Tensor g = got.cpu().to(kFloat64).contiguous();
  const Tensor r = ref.to(kFloat64).contiguous();
  const Tensor bd = bound.to(kFloat64).contiguous();
  EXPECT_EQ(g.sizes(), r.sizes());
  double worst = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    const double e = std::abs(g.data_ptr<double>()[i] - r.data_ptr<double>()[i]) /
                     (bd.data_ptr<double>()[i] + 1e-30);
    worst = std::max(worst, std::isnan(e) ? 1e30 : e);
  }
  return worst;
}

// Exact equality of two integer tensors (the GPU result brought back to the CPU).
bool same_ints(const Tensor& got, const Tensor& want) {
  const Tensor g = got.cpu().to(kInt64).contiguous(), w = want.to(kInt64).contiguous();
  if (g.sizes() != w.sizes()) return false;
  for (int64_t i = 0; i < w.numel(); ++i)
    if (g.data_ptr<int64_t>()[i] != w.data_ptr<int64_t>()[i]) return false;
  return true;
}

double tolerance(DType dt) {
  switch (dt) {
    case kFloat64:
      return 1e-12;
    case kFloat32:
      return 1e-5;
    case kFloat16:
      return 2e-3;
    case kBFloat16:
      return 1e-2;
    default:
      return 0;
  }
}

// matmul(a, b) on the GPU (inputs given on the CPU, views applied by `view` on both sides)
// against the float64 CPU product; integers must match the CPU kernel exactly.
template <class View>
void check_matmul(const Tensor& a_cpu, const Tensor& b_cpu, View view, double tol = -1) {
  const DType dt = a_cpu.dtype();
  const Tensor a = view(a_cpu, 0), b = view(b_cpu, 1);
  const Tensor got = ops::matmul(view(a_cpu.to(kGpu), 0), view(b_cpu.to(kGpu), 1));
  ASSERT_TRUE(got.is_cuda());
  ASSERT_EQ(got.dtype(), dt);
  if (dt == kInt64 || dt == kInt32 || dt == kUInt8) {
    const Tensor want = ops::matmul(a, b);
    const Tensor g = got.cpu().to(kInt64).contiguous(), w = want.to(kInt64).contiguous();
    ASSERT_EQ(g.sizes(), w.sizes());
    for (int64_t i = 0; i < w.numel(); ++i)
      ASSERT_EQ(g.data_ptr<int64_t>()[i], w.data_ptr<int64_t>()[i]) << "element " << i;
    return;
  }
  const Tensor a64 = a.to(kFloat64), b64 = b.to(kFloat64);
  const Tensor ref = ops::matmul(a64, b64);
  const Tensor bound = ops::matmul(ops::abs(a64), ops::abs(b64));
  EXPECT_LE(worst_error(got, ref, bound), tol < 0 ? tolerance(dt) : tol)
      << dtype_name(dt) << " " << shape_str(a.sizes()) << " @ " << shape_str(b.sizes());
}

const auto kSame = [](const Tensor& t, int) { return t; };

const DType kAllDTypes[] = {kFloat32, kFloat64, kBFloat16, kFloat16, kInt64, kInt32, kUInt8};

TEST(CudaGemm, SizesOneOddAndLarge) {
  SKIP_WITHOUT_GPU();
  const int64_t shapes[][3] = {{1, 1, 1}, {127, 33, 65}, {1, 300, 1}, {1024, 1024, 1024}};
  uint64_t seed = 1;
  for (DType dt : kAllDTypes)
    for (const auto& s : shapes) {
      if (s[0] == 1024 && (dt == kInt64 || dt == kUInt8))
        continue;  // the CPU reference loop is slow
      check_matmul(random_cpu({s[0], s[1]}, dt, seed), random_cpu({s[1], s[2]}, dt, seed + 1),
                   kSame);
      seed += 2;
    }
}

TEST(CudaGemm, VectorsAndDot) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAllDTypes) {
    check_matmul(random_cpu({37}, dt, 3), random_cpu({37, 5}, dt, 4), kSame);
    check_matmul(random_cpu({6, 37}, dt, 5), random_cpu({37}, dt, 6), kSame);
    check_matmul(random_cpu({37}, dt, 7), random_cpu({37}, dt, 8), kSame);
    check_matmul(random_cpu({2, 3, 37}, dt, 9), random_cpu({37}, dt, 10), kSame);
  }
}

TEST(CudaGemm, BroadcastBatches) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAllDTypes) {
    // [3, 1, 5, 7] @ [4, 7, 6] -> [3, 4, 5, 6]: stride-0 batch dims on both sides
    check_matmul(random_cpu({3, 1, 5, 7}, dt, 11), random_cpu({4, 7, 6}, dt, 12), kSame);
    // [8, 17, 9] @ [9, 10]: folded into one GEMM
    check_matmul(random_cpu({8, 17, 9}, dt, 13), random_cpu({9, 10}, dt, 14), kSame);
    // [9, 10] @ [8, 10, 3]: a broadcast over the batch
    check_matmul(random_cpu({9, 10}, dt, 15), random_cpu({8, 10, 3}, dt, 16), kSame);
  }
}

TEST(CudaGemm, TransposedAndPermutedViews) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAllDTypes) {
    // both matrices transposed (trans flags, no copies)
    check_matmul(random_cpu({4, 33, 65}, dt, 21), random_cpu({4, 20, 33}, dt, 22),
                 [](const Tensor& t, int) { return t.transpose(-1, -2); });
    // batch dims in permuted order: not one strided batch, the host loop of strided calls
    check_matmul(random_cpu({3, 2, 12, 7}, dt, 23), random_cpu({3, 2, 7, 5}, dt, 24),
                 [](const Tensor& t, int) { return t.transpose(0, 1); });
    // [*, n, k] @ [k, m] where the rows do not fold into a view: a batched call with a stride-0 b
    check_matmul(random_cpu({5, 6, 11}, dt, 25), random_cpu({11, 4}, dt, 26),
                 [](const Tensor& t, int i) { return i == 0 ? t.transpose(0, 1) : t; });
    // a matrix that is neither row- nor column-major (every other column): made contiguous
    check_matmul(random_cpu({9, 16}, dt, 27), random_cpu({8, 5}, dt, 28),
                 [](const Tensor& t, int i) { return i == 0 ? t.slice(1, 0, 16, 2) : t; });
  }
}

TEST(CudaGemm, MisalignedPointers) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat16, kBFloat16, kFloat64}) {
    // views starting one element in: pointers aligned only to the element size
    check_matmul(
        random_cpu({3, 40, 65}, dt, 31), random_cpu({3, 64, 31}, dt, 32),
        [](const Tensor& t, int i) { return i == 0 ? t.slice(2, 1, 65) : t.slice(2, 1, 31); });
  }
}

TEST(CudaGemm, EmptyInnerDimGivesZerosOrBetaTimesInput) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAllDTypes) {
    const Tensor a = zeros({4, 0}, TensorOptions(dt).device(kGpu));
    const Tensor b = zeros({0, 3}, TensorOptions(dt).device(kGpu));
    const Tensor z = ops::matmul(a, b).cpu().to(kFloat64);
    for (int64_t i = 0; i < z.numel(); ++i) EXPECT_EQ(z.data_ptr<double>()[i], 0.0);
    const Tensor input = full({4, 3}, 2, TensorOptions(dt).device(kGpu));
    const Tensor r = ops::addmm(input, a, b, 3, 5).cpu().to(kFloat64);
    for (int64_t i = 0; i < r.numel(); ++i) EXPECT_EQ(r.data_ptr<double>()[i], 6.0);
  }
}

TEST(CudaGemm, AddmmAlphaBetaAndBetaZeroIgnoresNaN) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16, kInt32}) {
    const Tensor input = random_cpu({7, 9}, dt, 41), m1 = random_cpu({7, 5}, dt, 42),
                 m2 = random_cpu({5, 9}, dt, 43);
    const Tensor want = ops::addmm(input, m1, m2, 2, 3);
    const Tensor got = ops::addmm(input.to(kGpu), m1.to(kGpu), m2.to(kGpu), 2, 3);
    if (dt == kInt32) {
      EXPECT_TRUE(same_ints(got, want));
    } else {
      const Tensor a64 = m1.to(kFloat64), b64 = m2.to(kFloat64), i64 = input.to(kFloat64);
      const Tensor ref = ops::add(ops::mul(i64, 2.0), ops::mul(ops::matmul(a64, b64), 3.0));
      const Tensor bound = ops::add(ops::mul(ops::abs(i64), 2.0),
                                    ops::mul(ops::matmul(ops::abs(a64), ops::abs(b64)), 3.0));
      EXPECT_LE(worst_error(got, ref, bound), tolerance(dt)) << dtype_name(dt);
    }
  }
  const Tensor nan_in = full({3, 3}, NAN, TensorOptions(kFloat32).device(kGpu));
  const Tensor eye3 = eye(3).to(kGpu);
  const Tensor r = ops::addmm(nan_in, eye3, eye3, 0, 1).cpu();
  for (int64_t i = 0; i < 9; ++i) EXPECT_EQ(r.data_ptr<float>()[i], i % 4 == 0 ? 1.0f : 0.0f);
}

TEST(CudaGemm, LinearWithBiasEpilogueAndGeneralPath) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kBFloat16, kFloat16, kFloat64, kInt64}) {
    const Tensor x = random_cpu({4, 6, 24}, dt, 51), w = random_cpu({40, 24}, dt, 52),
                 bias = random_cpu({40}, dt, 53);
    for (bool fold : {true, false}) {  // x folds into [24, 24] rows, or (transposed batch) not
      const Tensor xv = fold ? x : x.transpose(0, 1);
      const Tensor got = ops::linear(xv.to(kGpu), w.to(kGpu), bias.to(kGpu));
      ASSERT_EQ(got.sizes(), (Shape{xv.size(0), xv.size(1), 40}));
      if (dt == kInt64) {
        EXPECT_TRUE(same_ints(got, ops::linear(xv, w, bias)));
        continue;
      }
      const Tensor x64 = xv.to(kFloat64), w64 = w.to(kFloat64), b64 = bias.to(kFloat64);
      const Tensor ref = ops::linear(x64, w64, b64);
      const Tensor bound = ops::add(ops::matmul(ops::abs(x64), ops::abs(w64).t()), ops::abs(b64));
      EXPECT_LE(worst_error(got, ref, bound), tolerance(dt)) << dtype_name(dt) << " fold " << fold;
    }
  }
}

TEST(CudaGemm, BmmAndEinsum) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kBFloat16, kInt32}) {
    const Tensor a = random_cpu({5, 8, 13}, dt, 61), b = random_cpu({5, 13, 6}, dt, 62);
    const Tensor got = ops::bmm(a.to(kGpu), b.to(kGpu));
    const Tensor got_e = ops::einsum("bij,bjk->bik", {a.to(kGpu), b.to(kGpu)});
    if (dt == kInt32) {
      EXPECT_TRUE(same_ints(got, ops::bmm(a, b)));
      EXPECT_TRUE(same_ints(got_e, ops::bmm(a, b)));
      continue;
    }
    const Tensor a64 = a.to(kFloat64), b64 = b.to(kFloat64);
    const Tensor ref = ops::bmm(a64, b64), bound = ops::bmm(ops::abs(a64), ops::abs(b64));
    EXPECT_LE(worst_error(got, ref, bound), tolerance(dt));
    EXPECT_LE(worst_error(got_e, ref, bound), tolerance(dt));
  }
}

TEST(CudaGemm, TiledKernelLoopsOverManyBatches) {
  SKIP_WITHOUT_GPU();
  // 70000 batches: more than the grid's z limit (65535) for the integer kernel; also float32
  check_matmul(random_cpu({70000, 2, 3}, kInt32, 71), random_cpu({70000, 3, 2}, kInt32, 72), kSame);
  check_matmul(random_cpu({70000, 2, 3}, kFloat32, 73), random_cpu({70000, 3, 2}, kFloat32, 74),
               kSame);
}

struct Tf32Guard {
  bool previous = cuda::allow_tf32();
  ~Tf32Guard() { cuda::set_allow_tf32(previous); }
};

TEST(CudaGemm, Tf32SwitchTradesPrecision) {
  SKIP_WITHOUT_GPU();
  Tf32Guard guard;
  EXPECT_FALSE(cuda::allow_tf32()) << "TF32 must be off by default";
  const Tensor a = random_cpu({512, 512}, kFloat32, 81), b = random_cpu({512, 512}, kFloat32, 82);
  const Tensor a64 = a.to(kFloat64), b64 = b.to(kFloat64);
  const Tensor ref = ops::matmul(a64, b64), bound = ops::matmul(ops::abs(a64), ops::abs(b64));
  const Tensor ag = a.to(kGpu), bg = b.to(kGpu);
  cuda::set_allow_tf32(false);
  const double off = worst_error(ops::matmul(ag, bg), ref, bound);
  cuda::set_allow_tf32(true);
  EXPECT_TRUE(cuda::allow_tf32());
  const double on = worst_error(ops::matmul(ag, bg), ref, bound);
  EXPECT_LE(off, 1e-5);
  EXPECT_LE(on, 3e-3);
  EXPECT_GT(on, off) << "TF32 on should round the inputs to 10-bit mantissas";
  // other dtypes ignore the switch
  const Tensor h = random_cpu({64, 64}, kBFloat16, 83);
  check_matmul(h, h, kSame);
}

TEST(CudaGemm, MixedDevicesAreAnError) {
  SKIP_WITHOUT_GPU();
  const Tensor a = ones({3, 4}), b = ones({4, 5}, TensorOptions().device(kGpu));
  EXPECT_THROW(ops::matmul(a, b), Error);
  EXPECT_THROW(ops::matmul(b.t(), a.t()), Error);
  EXPECT_THROW(ops::addmm(ones({3, 5}), a.to(kGpu), b), Error);
  EXPECT_THROW(ops::einsum("ij,jk->ik", {a, b}), Error);
}

}  // namespace
}  // namespace mica
