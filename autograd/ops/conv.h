// Differentiable spatial ops (NCHW, PyTorch semantics): convolutions, pooling and upsampling.
// Backward: autograd/functions/conv.cpp and autograd/functions/pool.cpp. Argument conventions as in
// tensor/ops/conv.h (integer lists take one value for both dims or one per dim).
#pragma once

#include <optional>
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

}  // namespace mica
