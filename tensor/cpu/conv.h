// CPU backend of convolution: im2col/col2im plus GEMM. Three kernels cover conv2d's forward
// and both backward passes; conv_transpose2d's forward is conv2d's backward-input pass.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace mica::cpu {

// Geometry of a 2-d convolution from an "image" [n, c_in, h, w] to its output
// [n, c_out, oh, ow] (for conv_transpose2d the roles are swapped: its output is the image).
struct Conv2dGeom {
  int64_t n, c_in, h, w;
  int64_t c_out, oh, ow;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t groups;
};

// All tensors contiguous, one dtype (float32 or float64), shapes from g:
// x [n, c_in, h, w], weight [c_out, c_in/groups, kh, kw], bias [c_out] or undefined,
// out [n, c_out, oh, ow].

// out = conv2d(x, weight) + bias.
void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out,
                    const Conv2dGeom& g);
// grad_in [n, c_in, h, w] = (d conv2d / d x)^T grad_out + bias (bias: [c_in] or undefined; used
// by conv_transpose2d).
void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& bias,
                           const Tensor& grad_in, const Conv2dGeom& g);
// grad_weight [c_out, c_in/groups, kh, kw] = sum over the batch of grad_out_n @ im2col(x_n)^T.
void conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Tensor& grad_weight,
                            const Conv2dGeom& g);

}  // namespace mica::cpu
