// clip_grad_norm_ / clip_grad_value_: torch 1.13's arithmetic (per-gradient norms, the norm of
// those norms, coefficient 1 / (total + 1e-6) * max_norm clamped at 1) on mica's raw ops.
#include "optim/clip_grad.h"

#include <cmath>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/pointwise.h"
#include "tensor/ops/reduction.h"
#include "tensor/ops/shape_ops.h"

namespace mica::optim {

namespace {

std::vector<Tensor> grads_of(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) {
    MICA_CHECK(p.defined(), "clip_grad: undefined parameter");
    Tensor g = p.grad();
    if (g.defined()) out.push_back(g);
  }
  return out;
}

}  // namespace

bool all_finite(const Tensor& t) {
  if (!t.is_floating_point() || t.numel() == 0) return true;
  // 0 * x is 0 for finite x and NaN for inf / NaN, so the sum is NaN exactly when one is not
  // finite (and it cannot overflow).
  return !std::isnan(ops::sum(ops::mul(t, 0.0)).item<double>());
}

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard no_grad;
  MICA_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be positive (or INFINITY), got ",
             norm_type);
  const std::vector<Tensor> grads = grads_of(params);
  if (grads.empty()) return 0.0;
  const DType acc = grads[0].dtype() == kFloat64 ? kFloat64 : kFloat32;
  std::vector<Tensor> norms;
  norms.reserve(grads.size());
  for (const Tensor& g : grads) {
    const Tensor gc = g.dtype() == acc ? g : g.to(acc);
    norms.push_back(std::isinf(norm_type) ? ops::amax(ops::abs(gc)) : ops::norm(gc, norm_type));
  }
  const Tensor stacked = ops::stack(norms).to(Device(kCPU));
  const Tensor total =
      std::isinf(norm_type) ? ops::amax(stacked) : ops::norm(stacked, norm_type);  // 0-d, acc
  const double total_norm = total.item<double>();
  MICA_CHECK(!error_if_nonfinite || std::isfinite(total_norm), "clip_grad_norm_: the total norm ",
             "of order ", norm_type, " of the gradients is non-finite (", total_norm,
             "), so it cannot be clipped; pass error_if_nonfinite = false to clip anyway");
  // clip_coef = max_norm / (total + 1e-6), in acc precision (torch: reciprocal() * max_norm).
  const Tensor coef =
      ops::clamp_max(ops::mul(ops::div(ones({}, acc), ops::add(total, 1e-6)), max_norm), 1.0);
  const double c = coef.item<double>();
  for (Tensor g : grads) ops::mul_(g, c);
  return total_norm;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  MICA_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  for (Tensor g : grads_of(params)) ops::clamp_(g, -clip_value, clip_value);
}

}  // namespace mica::optim
