// CPU GEMM on OpenBLAS's CBLAS interface (the OpenMP build, so BLAS threads are OpenMP threads
// and a call from inside a parallel region stays on its thread). Splits problems whose sizes do
// not fit OpenBLAS's 32-bit integers into blocks.
#include "tensor/cpu/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <type_traits>

#include "tensor/error.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace mica::cpu {

namespace {

constexpr int64_t kMaxBlasInt = INT_MAX;

template <class T>
void blas_gemm(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
               int ldb, T beta, T* c, int ldc) {
  const auto ota = ta ? CblasTrans : CblasNoTrans;
  const auto otb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ota, otb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ota, otb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Leading dimension of a row-major [rows, cols] matrix: BLAS wants ld >= max(1, cols) even
// when a single row makes ld irrelevant, so a one-row matrix may arrive with any ld.
int64_t fix_ld(int64_t ld, int64_t rows, int64_t cols) {
  return rows <= 1 ? std::max<int64_t>({ld, cols, 1}) : ld;
}

template <class T>
void gemm_impl(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  MICA_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative sizes m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  ldc = fix_ld(ldc, m, n);
  MICA_CHECK(ldc >= n, "gemm: ldc=", ldc, " is smaller than n=", n);
  if (k == 0 || alpha == T(0)) {  // C = beta * C (BLAS would still read A and B)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  lda = ta ? fix_ld(lda, k, m) : fix_ld(lda, m, k);
  ldb = tb ? fix_ld(ldb, n, k) : fix_ld(ldb, k, n);
  MICA_CHECK(lda >= (ta ? m : k) && ldb >= (tb ? k : n), "gemm: leading dimensions lda=", lda,
             " ldb=", ldb, " are too small for m=", m, " n=", n, " k=", k);
  MICA_CHECK(lda <= kMaxBlasInt && ldb <= kMaxBlasInt && ldc <= kMaxBlasInt,
             "gemm: leading dimensions beyond 2^31 - 1 are not supported (lda=", lda, ", ldb=", ldb,
             ", ldc=", ldc, ")");
  for (int64_t i0 = 0; i0 < m; i0 += kMaxBlasInt) {
    const int64_t mb = std::min(kMaxBlasInt, m - i0);
    for (int64_t j0 = 0; j0 < n; j0 += kMaxBlasInt) {
      const int64_t nb = std::min(kMaxBlasInt, n - j0);
      for (int64_t p0 = 0; p0 < k; p0 += kMaxBlasInt) {
        const int64_t kb = std::min(kMaxBlasInt, k - p0);
        const T* ab = ta ? a + p0 * lda + i0 : a + i0 * lda + p0;
        const T* bb = tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
        blas_gemm<T>(ta, tb, static_cast<int>(mb), static_cast<int>(nb), static_cast<int>(kb),
                     alpha, ab, static_cast<int>(lda), bb, static_cast<int>(ldb),
                     p0 == 0 ? beta : T(1), c + i0 * ldc + j0, static_cast<int>(ldc));
      }
    }
  }
}

}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void set_blas_num_threads(int n) {
  openblas_set_num_threads(n);
}

}  // namespace mica::cpu
