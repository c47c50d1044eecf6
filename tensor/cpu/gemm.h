// CPU GEMM entry point used by matmul, linear and convolution (im2col): row-major,
// C[m, n] = alpha * op(A)[m, k] @ op(B)[k, n] + beta * C, leading dimensions in elements.
// Backed by OpenBLAS (OpenMP build), chosen by benchmark (bench/RESULTS.md). beta == 0 ignores
// C's old values (NaN included); k == 0 gives beta * C. Called inside an OpenMP parallel region
// (mica::parallel_for) it runs on the calling thread only.
#pragma once

#include <cstdint>

namespace mica::cpu {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc);

// Sets the BLAS's thread count (mica::set_num_threads calls it).
void set_blas_num_threads(int n);

}  // namespace mica::cpu
