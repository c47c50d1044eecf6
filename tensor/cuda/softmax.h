// CUDA backend of softmax / log_softmax and their backward, mirroring the softmax part of
// tensor/cpu/nn.h: contiguous tensors viewed as [outer, dim, inner], the op along the middle dim.
// Built from softmax.cu with CUDA, from stub_softmax.cpp without it (every function throws).
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// x, out: contiguous, same floating dtype, viewed as [outer, dim, inner].
void softmax(const Tensor& out, const Tensor& x, int64_t outer, int64_t dim, int64_t inner,
             bool log);
// out, grad, y: contiguous, same floating dtype, viewed as [outer, dim, inner]; the gradient of
// softmax (or log_softmax) along the middle dim from its output y.
void softmax_backward(const Tensor& out, const Tensor& grad, const Tensor& y, int64_t outer,
                      int64_t dim, int64_t inner, bool log);

}  // namespace mica::cuda
