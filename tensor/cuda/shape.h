// CUDA helpers of the shape ops (tensor/ops/shape_ops.cpp): a same-dtype strided copy between
// views on one device, which cat, stack, repeat, flip, roll and pad are made of. (The general
// converting copy between any dtypes belongs to Tensor::copy_.)
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// dst[i] = src[i] for every element of dst; src has dst's dtype and sizes (strides may be 0,
// or negative as in flip's reversed view); both on one CUDA device, dst without overlapping
// elements and not overlapping src.
void strided_copy(const Tensor& dst, const Tensor& src);

}  // namespace mica::cuda
