// CUDA kernels of the linear-algebra ops (tensor/cuda/gemm.cu): batched matrix products through
// cuBLASLt (float32, bfloat16, float16; fp32 accumulation) and cuBLAS (float64), a tiled kernel
// for integers, and the TF32 switch. Without CUDA the GEMM calls throw (stub_linalg.cpp),
// set_allow_tf32 does nothing and allow_tf32() answers false.
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// out[*, m, n] = beta * out + alpha * a[*, m, k] @ b[*, k, n], the contract of
// cpu::batched_matmul: a and b are already expanded to out's batch dims (any strides, stride 0
// included); all three share one dtype (float32, float64, bfloat16, float16, uint8, int32 or
// int64) and one CUDA device; out is contiguous. beta == 0 ignores out's old values. 16-bit
// floats accumulate in float32 and round once; integers wrap like the CPU kernel.
void batched_matmul(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
                    const Scalar& beta);

// out[m, n] = alpha * a[m, k] @ b[k, n] + bias[n] in one cuBLASLt call (the bias epilogue).
// Returns false, having done nothing, where the epilogue does not apply (dtype other than
// float32/bfloat16/float16, bias not a contiguous [n] vector of out's dtype, or no cuBLASLt
// algorithm for it); the caller then takes the general path.
bool matmul_bias_epilogue(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                          const Scalar& alpha);

// Like torch.backends.cuda.matmul.allow_tf32: when on, float32 GEMMs may round their inputs to
// TF32 (CUBLAS_COMPUTE_32F_FAST_TF32: faster, ~1e-3 relative error). Off by default. Process-wide.
void set_allow_tf32(bool on);
bool allow_tf32();

}  // namespace mica::cuda
