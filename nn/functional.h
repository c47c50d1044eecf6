// nn::functional (alias nn::F): torch.nn.functional's names as thin inline forwards to the
// differentiable ops, plus the attention core scaled_dot_product_attention:
//     namespace F = mica::nn::functional;
//     Tensor y = F::conv2d(x, w, b, {1}, {1});
//     Tensor loss = F::cross_entropy(logits, target);
//     Tensor o = F::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autograd/ops/conv.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/loss.h"
#include "autograd/ops/nn.h"
#include "autograd/ops/norm.h"
#include "autograd/ops/pointwise.h"
#include "autograd/ops/shape.h"
#include "tensor/error.h"
#include "tensor/generator.h"

namespace mica::nn::functional {

using Reduction = ops::Reduction;

// ---- attention (implemented in nn/layers/attention.cpp) ----
// torch.nn.functional.scaled_dot_product_attention: q: [..., L, E], k: [..., S, E],
// v: [..., S, Ev] -> [..., L, Ev] = softmax(q k^T * scale + mask) v, scale default 1/sqrt(E).
// attn_mask broadcasts to [..., L, S]: bool (true = may attend, torch's convention here) or
// float (added to the scores). is_causal masks keys after the query position (top-left
// aligned); unlike torch it may be combined with attn_mask. dropout_p > 0 drops attention
// weights (always, like torch: pass 0 in eval mode). Rows with every key masked give NaN.
// Also returns the attention weights [..., L, S] (after dropout); always composed from matmul,
// softmax and masked_fill.
std::pair<Tensor, Tensor> scaled_dot_product_attention_with_weights(
    const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask = {},
    double dropout_p = 0.0, bool is_causal = false, std::optional<double> scale = std::nullopt,
    Generator* generator = nullptr);
// The same output without the weights. Where uses_fused_attention says so (CUDA, no attn_mask,
// no dropout) it runs the fused flash-style kernel (mica::fused_attention); elsewhere, and always
// on the CPU, the composed path above.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt,
                                    Generator* generator = nullptr);
// Whether scaled_dot_product_attention takes the fused kernel: no attn_mask, dropout_p == 0,
// q, k, v of 2 to 4 dims (one count) with equal leading dims, Ev == E <= 128, L and S >= 1, all
// on one CUDA device in one dtype of float32, bfloat16, float16 (ops::fused_attention_supported).
bool uses_fused_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                          const Tensor& attn_mask = {}, double dropout_p = 0.0);

// ---- linear, embedding ----
inline Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {}) {
  return mica::linear(x, weight, bias);
}
inline Tensor embedding(const Tensor& indices, const Tensor& weight,
                        std::optional<int64_t> padding_idx = std::nullopt) {
  return mica::embedding(weight, indices, padding_idx);  // torch's order: (input, weight)
}

// ---- convolution, pooling, upsampling ----
inline Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                     const std::vector<int64_t>& stride = {1},
                     const std::vector<int64_t>& padding = {0},
                     const std::vector<int64_t>& dilation = {1}, int64_t groups = 1) {
  return mica::conv1d(x, weight, bias, stride, padding, dilation, groups);
}
inline Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                     const std::vector<int64_t>& stride = {1},
                     const std::vector<int64_t>& padding = {0},
                     const std::vector<int64_t>& dilation = {1}, int64_t groups = 1) {
  return mica::conv2d(x, weight, bias, stride, padding, dilation, groups);
}
inline Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                               const std::vector<int64_t>& stride = {1},
                               const std::vector<int64_t>& padding = {0},
                               const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1,
                               const std::vector<int64_t>& dilation = {1}) {
  return mica::conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation);
}
inline Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                         const std::vector<int64_t>& stride = {},
                         const std::vector<int64_t>& padding = {0},
                         const std::vector<int64_t>& dilation = {1}, bool ceil_mode = false) {
  return mica::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}
inline Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                         const std::vector<int64_t>& stride = {},
                         const std::vector<int64_t>& padding = {0}, bool ceil_mode = false,
                         bool count_include_pad = true,
                         std::optional<int64_t> divisor_override = std::nullopt) {
  return mica::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override);
}
inline Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size) {
  return mica::adaptive_avg_pool2d(x, output_size);
}
// torch.nn.functional.interpolate for 4-d inputs, mode "nearest" or "bilinear"; exactly one of
// size and scale_factor.
inline Tensor interpolate(const Tensor& x,
                          const std::optional<std::vector<int64_t>>& size = std::nullopt,
                          const std::optional<std::vector<double>>& scale_factor = std::nullopt,
                          std::string_view mode = "nearest",
                          std::optional<bool> align_corners = std::nullopt) {
  MICA_CHECK(size.has_value() != scale_factor.has_value(),
             "interpolate: exactly one of size and scale_factor must be given");
  std::optional<std::vector<double>> scales = scale_factor;
  if (scales && scales->size() == 1) scales->push_back((*scales)[0]);
  std::optional<std::vector<int64_t>> sz = size;
  if (sz && sz->size() == 1) sz->push_back((*sz)[0]);
  if (mode == "nearest") {
    MICA_CHECK(!align_corners, "interpolate: align_corners only applies to mode 'bilinear'");
    return mica::upsample_nearest2d(x, sz, scales);
  }
  MICA_CHECK(mode == "bilinear", "interpolate: mode must be 'nearest' or 'bilinear', got '",
             std::string(mode), "'");
  return mica::upsample_bilinear2d(x, sz, align_corners.value_or(false), scales);
}
inline Tensor pad(const Tensor& x, const Shape& pads, PadMode mode = PadMode::Constant,
                  const Scalar& value = 0) {
  return mica::pad(x, pads, mode, value);
}

// ---- normalization, dropout ----
inline Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                         const Tensor& bias = {}, double eps = 1e-5) {
  return mica::layer_norm(x, normalized_shape, weight, bias, eps);
}
inline Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                       std::optional<double> eps = std::nullopt) {
  return mica::rms_norm(x, normalized_shape, weight, eps);
}
inline Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                         const Tensor& bias = {}, double eps = 1e-5) {
  return mica::group_norm(x, num_groups, weight, bias, eps);
}
inline Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                         const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                         double momentum = 0.1, double eps = 1e-5) {
  return mica::batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps);
}
inline Tensor dropout(const Tensor& x, double p = 0.5, bool training = true,
                      Generator* generator = nullptr) {
  return mica::dropout(x, p, training, generator);
}

// ---- activations ----
inline Tensor relu(const Tensor& x) {
  return mica::relu(x);
}
inline Tensor gelu(const Tensor& x, std::string_view approximate = "none") {
  return mica::gelu(x, approximate);
}
inline Tensor silu(const Tensor& x) {
  return mica::silu(x);
}
inline Tensor sigmoid(const Tensor& x) {
  return mica::sigmoid(x);
}
inline Tensor tanh(const Tensor& x) {
  return mica::tanh(x);
}
inline Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01) {
  return mica::leaky_relu(x, negative_slope);
}
inline Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20) {
  return mica::softplus(x, beta, threshold);
}
inline Tensor softmax(const Tensor& x, int64_t dim) {
  return mica::softmax(x, dim);
}
inline Tensor log_softmax(const Tensor& x, int64_t dim) {
  return mica::log_softmax(x, dim);
}

// ---- losses ----
inline Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                            double label_smoothing = 0.0) {
  return mica::cross_entropy(logits, target, weight, reduction, ignore_index, label_smoothing);
}
inline Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = {},
                       Reduction reduction = Reduction::Mean, int64_t ignore_index = -100) {
  return mica::nll_loss(log_probs, target, weight, reduction, ignore_index);
}
inline Tensor mse_loss(const Tensor& input, const Tensor& target,
                       Reduction reduction = Reduction::Mean) {
  return mica::mse_loss(input, target, reduction);
}
inline Tensor l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::Mean) {
  return mica::l1_loss(input, target, reduction);
}
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                             Reduction reduction = Reduction::Mean, double beta = 1.0) {
  return mica::smooth_l1_loss(input, target, reduction, beta);
}
inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                   Reduction reduction = Reduction::Mean) {
  return mica::binary_cross_entropy(input, target, reduction);
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                               Reduction reduction = Reduction::Mean,
                                               const Tensor& pos_weight = {}) {
  return mica::binary_cross_entropy_with_logits(logits, target, reduction, pos_weight);
}
inline Tensor kl_div(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::Mean, bool log_target = false) {
  return mica::kl_div(input, target, reduction, log_target);
}

}  // namespace mica::nn::functional

namespace mica::nn {
namespace F = functional;
}  // namespace mica::nn
