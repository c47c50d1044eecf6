// Raw spatial nn ops (NCHW, PyTorch semantics): convolution and transposed convolution (with the
// raw backward ops of conv2d that autograd reuses), max/avg/adaptive-avg pooling, nearest /
// bilinear upsampling, and the backward ops of pooling and upsampling (pool_backward.cpp).
// Floating dtypes only; float16/bfloat16 compute in float32.
//
// Integer-list arguments (stride, padding, ...) take one value for both spatial dims ({2}) or
// one per dim ({sH, sW}). Inputs may be unbatched ([C, H, W]; conv1d: [C, L]) where PyTorch
// accepts that; the result is then unbatched too.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace mica::ops {

// ---- convolution ----

// x: [N, C_in, L] or [C_in, L], weight: [C_out, C_in/groups, k], bias: [C_out] or undefined
// -> [N, C_out, L_out].
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);

// x: [N, C_in, H, W] or [C_in, H, W], weight: [C_out, C_in/groups, kH, kW], bias: [C_out] or
// undefined -> [N, C_out, H_out, W_out], H_out = (H + 2 pH - dH (kH - 1) - 1) / sH + 1.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);

// x: [N, C_in, H, W] or [C_in, H, W], weight: [C_in, C_out/groups, kH, kW], bias: [C_out] or
// undefined -> [N, C_out, H_out, W_out],
// H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding_H + 1. (PyTorch's argument order:
// groups before dilation.)
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        const std::vector<int64_t>& stride = {1},
                        const std::vector<int64_t>& padding = {0},
                        const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1,
                        const std::vector<int64_t>& dilation = {1});

// Gradient of conv2d with respect to its input.
// grad_output: [N, C_out, H_out, W_out], weight: [C_out, C_in/groups, kH, kW],
// input_sizes: [N, C_in, H, W] -> [N, C_in, H, W]. (Unbatched: all three without N.)
Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight,
                             const std::vector<int64_t>& input_sizes,
                             const std::vector<int64_t>& stride = {1},
                             const std::vector<int64_t>& padding = {0},
                             const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);

// Gradient of conv2d with respect to its weight (the bias gradient is grad_output summed over
// N, H_out, W_out).
// grad_output: [N, C_out, H_out, W_out], x: [N, C_in, H, W],
// weight_sizes: [C_out, C_in/groups, kH, kW] -> [C_out, C_in/groups, kH, kW].
Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& x,
                              const std::vector<int64_t>& weight_sizes,
                              const std::vector<int64_t>& stride = {1},
                              const std::vector<int64_t>& padding = {0},
                              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);

// ---- pooling ----

// x: [N, C, H, W] or [C, H, W] -> (values [N, C, H_out, W_out], indices int64 of the same
// shape: the flat position h * W + w of each maximum within its input plane, as PyTorch's
// return_indices). stride empty = kernel_size. NaN wins, as in PyTorch.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x,
                                                  const std::vector<int64_t>& kernel_size,
                                                  const std::vector<int64_t>& stride = {},
                                                  const std::vector<int64_t>& padding = {0},
                                                  const std::vector<int64_t>& dilation = {1},
                                                  bool ceil_mode = false);
// The values of max_pool2d_with_indices.
Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0},
                  const std::vector<int64_t>& dilation = {1}, bool ceil_mode = false);

// x: [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out]. Divides by divisor_override when given,
// else by the window size clipped to the padded input (count_include_pad) or to the input.
Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, bool ceil_mode = false,
                  bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// x: [N, C, H, W] or [C, H, W] -> [N, C, oH, oW]; output window i spans
// [floor(i H / oH), ceil((i + 1) H / oH)).
Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size);

// ---- upsampling ----
// Exactly one of output_size ({oH, oW}) and scale_factors ({s} or {sH, sW}) is given; with
// scale factors the output size is floor(in * s) and, as in PyTorch, the source index uses
// 1 / s rather than in / out.

// x: [N, C, H, W] -> [N, C, oH, oW]; source row floor(dst * H / oH) (clamped to H - 1).
Tensor upsample_nearest2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);

// x: [N, C, H, W] -> [N, C, oH, oW]. align_corners: source = dst (H - 1) / (oH - 1); else
// source = max((dst + 0.5) H / oH - 0.5, 0).
Tensor upsample_bilinear2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                           bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors = std::nullopt);

// ---- backward of pooling and upsampling ----
// The gradients of the ops above with respect to their input: linear maps (the adjoints of the
// forwards), whose own gradients are the forwards again (or, for max pooling, a gather by the
// indices). Arguments as in the forward; input_sizes is the forward input's shape.

// Each grad_output element is added at its index within its input plane.
// grad_output: [N, C, oH, oW] or [C, oH, oW], indices: int64 of the same shape (as returned by
// max_pool2d_with_indices), input_sizes: [N, C, H, W] or [C, H, W] -> [N, C, H, W].
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                           const std::vector<int64_t>& input_sizes);

// grad_output: [N, C, oH, oW] or [C, oH, oW], input_sizes: [N, C, H, W] or [C, H, W]
// -> [N, C, H, W]; each output's gradient is spread over its window, divided as in the forward.
Tensor avg_pool2d_backward(const Tensor& grad_output, const std::vector<int64_t>& input_sizes,
                           const std::vector<int64_t>& kernel_size,
                           const std::vector<int64_t>& stride = {},
                           const std::vector<int64_t>& padding = {0}, bool ceil_mode = false,
                           bool count_include_pad = true,
                           std::optional<int64_t> divisor_override = std::nullopt);

// grad_output: [N, C, oH, oW] or [C, oH, oW], input_sizes: [N, C, H, W] or [C, H, W]
// -> [N, C, H, W].
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output,
                                    const std::vector<int64_t>& input_sizes);

// grad_output: [N, C, oH, oW], input_sizes: [N, C, H, W] -> [N, C, H, W]. scale_factors: those
// the forward was given (then oH = floor(H sH)), else nullopt (the forward got output_size).
Tensor upsample_nearest2d_backward(
    const Tensor& grad_output, const std::vector<int64_t>& input_sizes,
    const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_bilinear2d_backward(
    const Tensor& grad_output, const std::vector<int64_t>& input_sizes, bool align_corners,
    const std::optional<std::vector<double>>& scale_factors = std::nullopt);

}  // namespace mica::ops
