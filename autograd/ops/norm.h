// Differentiable normalization, dropout and the class-index / probability losses that take
// class weights. Backward: autograd/functions/norm.cpp and autograd/functions/nn.cpp. The norms
// are differentiable to second order (create_graph); class weights never get gradients.
#pragma once

#include <optional>

#include "tensor/ops.h"

namespace mica {

// x: [*, normalized_shape...], weight, bias: normalized_shape (optional) -> x's shape
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// x: [*, normalized_shape...], weight: normalized_shape (optional) -> x's shape
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);
// x: [N, C, *], weight, bias: [C] (optional) -> x's shape
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// x: [N, C, *], running_mean, running_var, weight, bias: [C] (optional; running stats are updated
// in place in training mode and never require grad) -> x's shape
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
// Zeroes each element with probability p and scales the rest by 1 / (1 - p) when training;
// otherwise (and for p = 0) returns x itself, like torch, drawing nothing. The backward
// multiplies by the same scaled mask. generator: nullptr uses the default one.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true,
               Generator* generator = nullptr);

// log_probs: [N, C] / [C] / [N, C, d...], target: int64 [N] / [] / [N, d...]; weight: [C]
// (optional)
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = {},
                ops::Reduction reduction = ops::Reduction::Mean, int64_t ignore_index = -100);
// cross_entropy with class weights; target: int64 class indices or class probabilities (a
// floating tensor of logits' shape, differentiable too; ignore_index does not apply to them).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     ops::Reduction reduction = ops::Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);

}  // namespace mica
