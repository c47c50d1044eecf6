// CUDA backend of 2-d upsampling (nearest, bilinear) and its backward ops, mirroring
// tensor/cpu/upsample.h and the upsampling half of tensor/cpu/pool_backward.h. Declarations only,
// includable from a CPU-only build (stub_upsample.cpp throws).
#pragma once

#include <optional>

#include "tensor/tensor.h"

namespace mica::cuda {

// x [n, c, h, w] (any strides, floating), out [n, c, oh, ow] contiguous of x's dtype.
// scale_h/scale_w: the user's scale factors when given (the source index then uses 1 / scale,
// as in PyTorch), else in / out. Index math: tensor/kernels/spatial.h, shared with the CPU.
void upsample_nearest2d(const Tensor& x, const Tensor& out, std::optional<double> scale_h,
                        std::optional<double> scale_w);
void upsample_bilinear2d(const Tensor& x, const Tensor& out, bool align_corners,
                         std::optional<double> scale_h, std::optional<double> scale_w);

// grad_output [n, c, oh, ow] (any strides, floating), grad_input [n, c, h, w] contiguous of
// grad_output's dtype, fully overwritten: each element gathers the outputs that read it, in the
// CPU kernels' order, accumulating in float (or double); deterministic, no atomics.
void upsample_nearest2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                 std::optional<double> scale_h, std::optional<double> scale_w);
void upsample_bilinear2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                  bool align_corners, std::optional<double> scale_h,
                                  std::optional<double> scale_w);

}  // namespace mica::cuda
