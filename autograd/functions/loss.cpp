// Differentiable losses composed of differentiable ops (so their gradients, and gradients of
// gradients, come from the parts): L1, smooth L1, binary cross-entropy (on probabilities and
// on logits, with pos_weight), KL divergence. Reductions: none, mean, sum.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

namespace {
Tensor reduce(const Tensor& loss, ops::Reduction reduction) {
  switch (reduction) {
    case ops::Reduction::None:
      return loss;
    case ops::Reduction::Sum:
      return sum(loss);
    case ops::Reduction::Mean:
      return mean(loss);
  }
  return loss;
}

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  MICA_CHECK(input.sizes() == target.sizes(), op, ": input ", shape_str(input.sizes()),
             " and target ", shape_str(target.sizes()), " must have the same shape");
}
}  // namespace

Tensor l1_loss(const Tensor& input, const Tensor& target, ops::Reduction reduction) {
  check_same_shape("l1_loss", input, target);
  return reduce(abs(sub(input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, ops::Reduction reduction,
                      double beta) {
  check_same_shape("smooth_l1_loss", input, target);
  MICA_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  const Tensor d = abs(sub(input, target));
  if (beta == 0) return reduce(d, reduction);
  // 0.5 d^2 / beta where d < beta, d - 0.5 beta elsewhere
  const Tensor quadratic = autograd::raw([&] { return ops::lt(d, beta); });
  return reduce(where(quadratic, mul(mul(d, d), 0.5 / beta), sub(d, 0.5 * beta)), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, ops::Reduction reduction) {
  check_same_shape("binary_cross_entropy", input, target);
  // Like PyTorch, the logs are clamped at -100 so that p = 0 or 1 gives a finite loss.
  const Tensor log_p = clamp(log(input), Scalar(-100.0), std::nullopt);
  const Tensor log_1mp = clamp(log(rsub(input, 1.0)), Scalar(-100.0), std::nullopt);
  return reduce(neg(add(mul(target, log_p), mul(rsub(target, 1.0), log_1mp))), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        ops::Reduction reduction, const Tensor& pos_weight) {
  check_same_shape("binary_cross_entropy_with_logits", logits, target);
  // -[pw t log s(x) + (1 - t) log(1 - s(x))], with log s(x) = -softplus(-x) and
  // log(1 - s(x)) = -softplus(x): both stable for any |x|.
  const Tensor log_sig = neg(softplus(neg(logits)));
  const Tensor log_one_minus = neg(softplus(logits));
  Tensor pos = mul(target, log_sig);
  if (pos_weight.defined()) pos = mul(pos, pos_weight);
  return reduce(neg(add(pos, mul(rsub(target, 1.0), log_one_minus))), reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, ops::Reduction reduction,
              bool log_target) {
  check_same_shape("kl_div", input, target);
  // input holds log q; the pointwise loss is p (log p - log q), 0 where p = 0.
  Tensor loss;
  if (log_target) {
    loss = mul(exp(target), sub(target, input));
  } else {
    const Tensor positive = autograd::raw([&] { return ops::gt(target, 0.0); });
    const Tensor safe_log_p = log(where(positive, target, ones_like(target)));
    loss = where(positive, mul(target, sub(safe_log_p, input)), zeros_like(input));
  }
  return reduce(loss, reduction);
}

}  // namespace mica
