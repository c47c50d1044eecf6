// CUDA backend of convolution (cuDNN): the three passes of tensor/cpu/conv.h with the same
// geometry struct. Declarations only, includable from a CPU-only build (stub_conv.cpp throws).
#pragma once

#include "tensor/cpu/conv.h"
#include "tensor/tensor.h"

namespace mica::cuda {

// Shapes from g as in tensor/cpu/conv.h; all tensors on one CUDA device, one floating dtype
// (float32, float64, or float16/bfloat16 computed in float32). x / grad_out / weight may have any
// strides; out / grad_in / grad_weight are contiguous and fully overwritten.
//   x [n, c_in, h, w], weight [c_out, c_in/groups, kh, kw], bias [c_out] or undefined,
//   out [n, c_out, oh, ow].
void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out,
                    const cpu::Conv2dGeom& g);
// grad_in [n, c_in, h, w] = (d conv2d / d x)^T grad_out + bias (bias: [c_in] or undefined, used by
// conv_transpose2d). conv2d of an [h, w] image may give more than [oh, ow] outputs
// (conv_transpose2d's output_padding >= stride): grad_out then counts as zero-padded at its end.
void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& bias,
                           const Tensor& grad_in, const cpu::Conv2dGeom& g);
// grad_weight [c_out, c_in/groups, kh, kw] = sum over the batch of grad_out_n @ im2col(x_n)^T.
void conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Tensor& grad_weight,
                            const cpu::Conv2dGeom& g);

}  // namespace mica::cuda
