// Differentiable losses composed of differentiable ops (autograd/functions/loss.cpp).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor l1_loss(const Tensor& input, const Tensor& target,
               ops::Reduction reduction = ops::Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      ops::Reduction reduction = ops::Reduction::Mean, double beta = 1.0);
// input: probabilities in [0, 1]; target: same shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            ops::Reduction reduction = ops::Reduction::Mean);
// logits and target: same shape; pos_weight (optional) broadcasts over them (e.g. [C]).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        ops::Reduction reduction = ops::Reduction::Mean,
                                        const Tensor& pos_weight = {});
// input: log-probabilities log q; target: probabilities p (or log p with log_target). The mean
// reduction averages over all elements, like torch's 'mean' (use Sum / batch for 'batchmean').
Tensor kl_div(const Tensor& input, const Tensor& target,
              ops::Reduction reduction = ops::Reduction::Mean, bool log_target = false);

}  // namespace mica
