// CPU kernels of the linear-algebra ops.
#pragma once

#include "tensor/tensor.h"

namespace mica::cpu {

// out[*, m, n] = beta * out + alpha * a[*, m, k] @ b[*, k, n]. a and b are already expanded to
// out's batch dims (any strides, stride 0 included); all three share one dtype (float32,
// float64 or an integer type); out is contiguous. beta == 0 ignores out's old values.
void batched_matmul(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
                    const Scalar& beta);

}  // namespace mica::cpu
