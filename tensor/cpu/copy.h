// CPU copy and fill kernels (any dtype to any dtype, any strides).
#pragma once

#include "tensor/tensor.h"

namespace mica::cpu {

// dst[i] = convert(src[i]); src already has dst's sizes (expanded), both on the CPU.
void copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, const Scalar& value);

}  // namespace mica::cpu
