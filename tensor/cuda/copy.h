// CUDA copy and fill kernels (any dtype to any dtype, any strides), mirroring tensor/cpu/copy.h.
// What contiguous(), clone(), to(dtype) and copy_ use for CUDA tensors. Built from copy.cu, or
// stub_copy.cpp without CUDA.
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// dst[i] = convert(src[i]); src already has dst's sizes (expanded, any strides), both on the
// same CUDA device. Queued on the device's current stream.
void copy(const Tensor& dst, const Tensor& src);
// Every element of dst (any strides) = value converted to dst's dtype.
void fill(const Tensor& dst, const Scalar& value);

}  // namespace mica::cuda
