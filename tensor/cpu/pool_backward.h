// CPU backend of the backward ops of pooling and upsampling (the adjoints of tensor/cpu/pool.h and
// upsample.h): each scatters grad_output back onto the input planes.
#pragma once

#include <cstdint>
#include <optional>

#include "tensor/cpu/pool.h"
#include "tensor/tensor.h"

namespace mica::cpu {

// All kernels: grad_output [n, c, oh, ow] contiguous float32 or float64; grad_input
// [n, c, h, w] contiguous of grad_output's dtype, zero-filled by the caller (the kernels add).

// indices: int64 contiguous of grad_output's shape, flat positions y * w + x within a plane.
// Returns false (and skips the element) when an index lies outside [0, h * w).
bool max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                         const Tensor& grad_input);
// The windows and divisors of avg_pool2d with geometry g; divisor_override: 0 = none.
void avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input, const Pool2dGeom& g,
                         bool count_include_pad, int64_t divisor_override);
// Window i of each spatial dim: [floor(i h / oh), ceil((i + 1) h / oh)).
void adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input);
// Source indices and weights exactly as the forward kernels compute them (scale_h/scale_w: the
// user's scale factors when given).
void upsample_nearest2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                 std::optional<double> scale_h, std::optional<double> scale_w);
void upsample_bilinear2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                  bool align_corners, std::optional<double> scale_h,
                                  std::optional<double> scale_w);

}  // namespace mica::cpu
