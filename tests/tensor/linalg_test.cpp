// Linalg semantics the op table cannot express: result dtypes, beta == 0 ignoring NaN, the GEMM
// entry point's leading dimensions/trans flags/k == 0, threaded batches, einsum's implicit
// output, and the error messages of common mistakes.
#include <cmath>
#include <limits>

#include "tensor/cpu/gemm.h"
#include "test_util.h"

namespace mica::test {
namespace {

// Naive [*, n, k] @ [*, k, m] on contiguous float64 copies (same batch dims).
std::vector<double> naive_bmm(const Tensor& a, const Tensor& b) {
  const std::vector<double> va = values(a), vb = values(b);
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  const int64_t batch = a.numel() / std::max<int64_t>(n * k, 1);
  std::vector<double> out(static_cast<size_t>(batch * n * m), 0.0);
  for (int64_t q = 0; q < batch; ++q)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += va[q * n * k + i * k + p] * vb[q * k * m + p * m + j];
        out[q * n * m + i * m + j] = acc;
      }
  return out;
}

TEST(Linalg, ResultDTypes) {
  std::mt19937_64 rng(1);
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16, kInt64, kInt32, kUInt8}) {
    const Tensor a = rand_tensor({2, 3}, dt, rng), b = rand_tensor({3, 4}, dt, rng);
    EXPECT_EQ(ops::matmul(a, b).dtype(), dt) << dtype_name(dt);
    EXPECT_EQ(ops::linear(a, b.t()).dtype(), dt) << dtype_name(dt);
  }
  // outer promotes like mul
  EXPECT_EQ(ops::outer(ones({2}, kInt64), ones({3}, kFloat32)).dtype(), kFloat32);
  EXPECT_EQ(ops::dot(ones({3}), ones({3})).dim(), 0);
}

TEST(Linalg, LargerThanOneBlasBlock) {
  std::mt19937_64 rng(2);
  const Tensor a = rand_tensor({70, 130}, kFloat32, rng), b = rand_tensor({130, 90}, kFloat32, rng);
  const Tensor want = from_values({70, 90}, naive_bmm(a, b));
  EXPECT_TRUE(all_close(ops::matmul(a, b), want, {1e-4, 1e-4}));
  // the same product with both operands stored transposed (trans flags, no copies)
  const Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
  EXPECT_TRUE(all_close(ops::matmul(at, bt), want, {1e-4, 1e-4}));
}

TEST(Linalg, ThreadedBatchesOfSmallMatrices) {
  std::mt19937_64 rng(3);
  const int before = get_num_threads();
  set_num_threads(2);
  // 64^3 per matrix: small enough that the batch is split over the threads, one GEMM each
  const Tensor a = rand_tensor({32, 64, 64}, kFloat64, rng);
  const Tensor b = rand_tensor({32, 64, 64}, kFloat64, rng);
  EXPECT_TRUE(
      all_close(ops::bmm(a, b), from_values({32, 64, 64}, naive_bmm(a, b)), {1e-10, 1e-10}));
  const Tensor ai = rand_tensor({16, 20, 30}, kInt32, rng),
               bi = rand_tensor({16, 30, 10}, kInt32, rng);
  EXPECT_TRUE(all_close(ops::bmm(ai, bi), from_values({16, 20, 10}, naive_bmm(ai, bi)), {0, 0}));
  set_num_threads(before);
}

TEST(Linalg, MmOutWritesIntoThePreallocatedResult) {
  std::mt19937_64 rng(7);
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    const Tensor a = rand_tensor({5, 7}, dt, rng), b = rand_tensor({7, 3}, dt, rng);
    const Tensor out = full({5, 3}, 99.0, TensorOptions(dt));  // old values must not leak in
    const void* storage = out.raw_data();
    const uint64_t version = out.version();
    const Tensor& r = ops::mm_out(out, a, b);
    EXPECT_EQ(r.raw_data(), storage) << dtype_name(dt);
    EXPECT_GT(out.version(), version) << dtype_name(dt);
    EXPECT_TRUE(all_close(out, ops::mm(a, b), {0, 0})) << dtype_name(dt);
  }
  // transposed operands are read through trans flags, like mm
  const Tensor a = rand_tensor({6, 4}, kFloat32, rng), b = rand_tensor({3, 6}, kFloat32, rng);
  const Tensor out = empty({4, 3});
  ops::mm_out(out, a.t(), b.t());
  EXPECT_TRUE(all_close(out, from_values({4, 3}, naive_bmm(a.t().contiguous(), b.t().contiguous())),
                        {1e-5, 1e-5}));
}

TEST(Linalg, MmOutRejectsBadOutputs) {
  const Tensor a = zeros({2, 3}), b = zeros({3, 4});
  EXPECT_MICA_ERROR(ops::mm_out(zeros({2, 5}), a, b), "mm_out", "[2, 4]", "[2, 5]");
  EXPECT_MICA_ERROR(ops::mm_out(zeros({2, 4}, kFloat64), a, b), "mm_out", "float32", "float64");
  EXPECT_MICA_ERROR(ops::mm_out(zeros({4, 2}).t(), a, b), "mm_out", "contiguous");
  EXPECT_MICA_ERROR(ops::mm_out(zeros({2, 4}), a, zeros({4, 4})), "mm_out", "cannot be multiplied");
  const Tensor square = zeros({3, 3});
  EXPECT_MICA_ERROR(ops::mm_out(square, square, square), "mm_out", "shares memory");
  EXPECT_MICA_ERROR(ops::mm_out(Tensor(), a, b), "mm_out", "out");
  Tensor w = zeros({3, 4});
  w.requires_grad_();
  EXPECT_MICA_ERROR(mica::mm_out(zeros({2, 4}), a, w), "mm_out", "autograd");
  NoGradGuard no_grad;
  EXPECT_NO_THROW(mica::mm_out(zeros({2, 4}), a, w));
}

TEST(Linalg, AddmmBetaZeroIgnoresInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor input = from_values({2, 2}, {nan, nan, nan, nan}, kFloat32);
  const Tensor m1 = from_values({2, 3}, {1, 2, 3, 4, 5, 6}, kFloat32);
  const Tensor m2 = from_values({3, 2}, {1, 0, 0, 1, 1, 1}, kFloat32);
  // m1 @ m2 = [[4, 5], [10, 11]], times alpha = 2
  const Tensor got = ops::addmm(input, m1, m2, /*beta=*/0, /*alpha=*/2);
  EXPECT_TRUE(all_close(got, from_values({2, 2}, {8, 10, 20, 22}), {0, 0}));
  // k = 0: beta * input only
  const Tensor in2 = from_values({2}, {1.5, -2}, kFloat32);
  EXPECT_TRUE(all_close(ops::addmm(in2, zeros({3, 0}), zeros({0, 2}), 2, 1),
                        from_values({3, 2}, {3, -4, 3, -4, 3, -4}), {0, 0}));
}

TEST(Linalg, MatmulKZeroGivesZeros) {
  const Tensor got = ops::matmul(empty({2, 3, 0}), empty({0, 4}));
  EXPECT_EQ(got.sizes(), (Shape{2, 3, 4}));
  for (double v : values(got)) EXPECT_EQ(v, 0.0);
}

TEST(Linalg, GemmEntryPoint) {
  // A: 2x3 inside rows of 5 (lda = 5), B stored transposed (3x2 as 2x3, ldb = 4), C with ldc = 3.
  const float a[10] = {1, 2, 3, 9, 9, 4, 5, 6, 9, 9};
  const float bt[8] = {1, 0, 1, 9, 0, 1, 1, 9};  // B = [[1, 0], [0, 1], [1, 1]]
  float c[6] = {1, 1, 9, 1, 1, 9};
  cpu::gemm(false, true, 2, 2, 3, 1.f, a, 5, bt, 4, 2.f, c, 3);
  // A @ B = [[4, 5], [10, 11]], plus 2 * 1
  EXPECT_EQ(c[0], 6.f);
  EXPECT_EQ(c[1], 7.f);
  EXPECT_EQ(c[2], 9.f);  // outside C: untouched
  EXPECT_EQ(c[3], 12.f);
  EXPECT_EQ(c[4], 13.f);
  // A stored transposed: A^T is 3x2 with lda = 2
  const double at[6] = {1, 4, 2, 5, 3, 6};
  const double b[6] = {1, 0, 0, 1, 1, 1};
  double cd[4];
  cpu::gemm(true, false, 2, 2, 3, 1.0, at, 2, b, 2, 0.0, cd, 2);
  EXPECT_EQ(cd[0], 4.0);
  EXPECT_EQ(cd[1], 5.0);
  EXPECT_EQ(cd[2], 10.0);
  EXPECT_EQ(cd[3], 11.0);
  // k = 0, beta = 0: zeros, even over NaN
  float cz[2] = {std::nanf(""), std::nanf("")};
  cpu::gemm(false, false, 1, 2, 0, 1.f, a, 1, a, 2, 0.f, cz, 2);
  EXPECT_EQ(cz[0], 0.f);
  EXPECT_EQ(cz[1], 0.f);
}

TEST(Linalg, EinsumImplicitOutputIsSorted) {
  std::mt19937_64 rng(4);
  const Tensor x = rand_tensor({2, 3}, kFloat64, rng);
  // "ba": output labels sorted -> "ab", i.e. the transpose
  const Tensor got = ops::einsum("ba", {x});
  ASSERT_EQ(got.sizes(), (Shape{3, 2}));
  const auto vx = values(x), vg = values(got);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(vg[j * 2 + i], vx[i * 3 + j]);
  // spaces are ignored
  EXPECT_EQ(ops::einsum("i j -> j i", {x}).sizes(), (Shape{3, 2}));
}

TEST(Linalg, Errors) {
  const Tensor a = zeros({2, 3}), b = zeros({4, 5});
  EXPECT_MICA_ERROR(ops::matmul(a, b), "matmul: shapes [2, 3] and [4, 5] cannot be multiplied");
  EXPECT_MICA_ERROR(ops::matmul(zeros({3, 2, 3}), zeros({2, 3, 4})), "matmul", "[3]", "[2]");
  EXPECT_MICA_ERROR(ops::matmul(a, zeros({3, 2}, kFloat64)), "matmul", "float32", "float64");
  EXPECT_MICA_ERROR(ops::matmul(zeros({}), zeros({3})), "matmul", "at least 1-d", "[]", "[3]");
  EXPECT_MICA_ERROR(ops::matmul(zeros({2, 2}, kBool), zeros({2, 2}, kBool)), "matmul", "bool");
  EXPECT_MICA_ERROR(ops::mm(zeros({2, 3}), zeros({3})), "mm", "2-d", "[3]");
  EXPECT_MICA_ERROR(ops::bmm(zeros({2, 3, 4}), zeros({3, 4, 5})), "bmm", "[2, 3, 4]", "[3, 4, 5]");
  EXPECT_MICA_ERROR(ops::bmm(zeros({3, 4}), zeros({4, 5})), "bmm", "3-d");
  EXPECT_MICA_ERROR(ops::addmm(zeros({3}), zeros({2, 4}), zeros({4, 5})), "addmm", "[3]", "[2, 5]");
  EXPECT_MICA_ERROR(ops::addmm(zeros({5}, kFloat64), zeros({2, 4}), zeros({4, 5})), "addmm",
                    "float64");
  EXPECT_MICA_ERROR(ops::linear(zeros({2, 3}), zeros({4, 5})), "linear", "[2, 3]", "[4, 5]");
  EXPECT_MICA_ERROR(ops::linear(zeros({2, 3}), zeros({4, 3}), zeros({5})), "linear", "[5]");
  EXPECT_MICA_ERROR(ops::dot(zeros({3}), zeros({4})), "dot", "[3]", "[4]");
  EXPECT_MICA_ERROR(ops::dot(zeros({3}), zeros({3}, kInt64)), "dot", "float32", "int64");
  EXPECT_MICA_ERROR(ops::outer(zeros({2, 3}), zeros({3})), "outer", "[2, 3]");
  EXPECT_MICA_ERROR(ops::einsum("ij,jk->ik", {a}), "einsum", "2 operand(s)", "1 tensor(s)");
  EXPECT_MICA_ERROR(ops::einsum("ijk->i", {a}), "einsum", "operand 0", "[2, 3]");
  EXPECT_MICA_ERROR(ops::einsum("i1->i", {a}), "einsum", "'1'");
  EXPECT_MICA_ERROR(ops::einsum("ij->iz", {a}), "einsum", "'z'", "does not appear");
  EXPECT_MICA_ERROR(ops::einsum("ij->ii", {a}), "einsum", "more than once");
  EXPECT_MICA_ERROR(ops::einsum("ij,jk->ik", {a, b}), "einsum", "'j'", "size 4", "size 3");
  EXPECT_MICA_ERROR(ops::einsum("ii->i", {a}), "einsum", "'i'", "repeated");
  EXPECT_MICA_ERROR(ops::einsum("ij,jk->ik", {a, zeros({3, 2}, kFloat64)}), "einsum", "float64");
  EXPECT_MICA_ERROR(ops::einsum("i", {}), "einsum", "at least one operand");
}

}  // namespace
}  // namespace mica::test
