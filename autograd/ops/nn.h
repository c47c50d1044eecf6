// Differentiable softmax, log_softmax, cross-entropy and MSE (backward: autograd/functions/nn.cpp).
// softmax and log_softmax are differentiable to any order.
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// logits: [N, C] / [C] / [N, C, d...], target: int64 class indices [N] / [] / [N, d...], or class
// probabilities (a floating tensor of logits' shape, which gets a gradient too). The same as the
// weighted overload in autograd/ops/norm.h without class weights.
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     ops::Reduction reduction = ops::Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target,
                ops::Reduction reduction = ops::Reduction::Mean);

}  // namespace mica
