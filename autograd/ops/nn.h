// Differentiable softmax, log_softmax, cross-entropy and MSE (backward: autograd/functions/nn.cpp).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// logits: [N, C] or [N, C, d...], target: int64 class indices [N] / [N, d...].
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     ops::Reduction reduction = ops::Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target,
                ops::Reduction reduction = ops::Reduction::Mean);

}  // namespace mica
