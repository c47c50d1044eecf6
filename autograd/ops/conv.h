// Differentiable spatial ops (NCHW, PyTorch semantics): convolutions, pooling and upsampling, and
// their backward ops, differentiable in turn (to any order: each backward is linear in its
// gradient and its adjoint is the forward op, or a gather by the indices for max pooling).
// Backward: autograd/functions/conv.cpp and autograd/functions/pool.cpp. Argument conventions as in
// tensor/ops/conv.h (integer lists take one value for both dims or one per dim; inputs may be
// unbatched where the raw op accepts that).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "tensor/ops.h"

namespace mica {

// x: [N, C_in, L], weight: [C_out, C_in/groups, k], bias: [C_out] or undefined -> [N, C_out, L_out]
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
// x: [N, C_in, H, W], weight: [C_out, C_in/groups, kH, kW], bias: [C_out] or undefined
// -> [N, C_out, H_out, W_out]
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
// x: [N, C_in, H, W], weight: [C_in, C_out/groups, kH, kW], bias: [C_out] or undefined
// -> [N, C_out, H_out, W_out]
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        const std::vector<int64_t>& stride = {1},
                        const std::vector<int64_t>& padding = {0},
                        const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1,
                        const std::vector<int64_t>& dilation = {1});

// The gradients of conv2d with respect to its input and its weight, differentiable with respect
// to grad_output and weight / x (gradient penalties through conv2d use them).
// grad_output: [N, C_out, H_out, W_out], weight: [C_out, C_in/groups, kH, kW],
// input_sizes: [N, C_in, H, W] -> [N, C_in, H, W].
Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight,
                             const std::vector<int64_t>& input_sizes,
                             const std::vector<int64_t>& stride = {1},
                             const std::vector<int64_t>& padding = {0},
                             const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
// grad_output: [N, C_out, H_out, W_out], x: [N, C_in, H, W],
// weight_sizes: [C_out, C_in/groups, kH, kW] -> [C_out, C_in/groups, kH, kW].
Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& x,
                              const std::vector<int64_t>& weight_sizes,
                              const std::vector<int64_t>& stride = {1},
                              const std::vector<int64_t>& padding = {0},
                              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);

// x: [N, C, H, W] -> (values [N, C, H_out, W_out], int64 indices of the same shape, which never
// require grad).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x,
                                                  const std::vector<int64_t>& kernel_size,
                                                  const std::vector<int64_t>& stride = {},
                                                  const std::vector<int64_t>& padding = {0},
                                                  const std::vector<int64_t>& dilation = {1},
                                                  bool ceil_mode = false);
// x: [N, C, H, W] -> [N, C, H_out, W_out]
Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0},
                  const std::vector<int64_t>& dilation = {1}, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, bool ceil_mode = false,
                  bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// x: [N, C, H, W] -> [N, C, oH, oW]
Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size);
// x: [N, C, H, W] -> [N, C, oH, oW]
Tensor upsample_nearest2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_bilinear2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                           bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors = std::nullopt);

// ---- backward ops of pooling and upsampling (arguments as in tensor/ops/conv.h) ----
// grad_output: [N, C, oH, oW], indices: int64 [N, C, oH, oW], input_sizes: [N, C, H, W]
// -> [N, C, H, W]. Differentiable with respect to grad_output.
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                           const std::vector<int64_t>& input_sizes);
// grad_output: [N, C, oH, oW], input_sizes: [N, C, H, W] -> [N, C, H, W]
Tensor avg_pool2d_backward(const Tensor& grad_output, const std::vector<int64_t>& input_sizes,
                           const std::vector<int64_t>& kernel_size,
                           const std::vector<int64_t>& stride = {},
                           const std::vector<int64_t>& padding = {0}, bool ceil_mode = false,
                           bool count_include_pad = true,
                           std::optional<int64_t> divisor_override = std::nullopt);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output,
                                    const std::vector<int64_t>& input_sizes);
Tensor upsample_nearest2d_backward(
    const Tensor& grad_output, const std::vector<int64_t>& input_sizes,
    const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_bilinear2d_backward(
    const Tensor& grad_output, const std::vector<int64_t>& input_sizes, bool align_corners,
    const std::optional<std::vector<double>>& scale_factors = std::nullopt);

}  // namespace mica
