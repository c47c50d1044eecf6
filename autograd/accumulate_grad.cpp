// Gradient accumulation into leaves: runs the leaf's hooks, then stores (first gradient) or adds
// (later ones) — in place normally, out of place under create_graph so the sum stays
// differentiable.
#include "autograd/accumulate_grad.h"

#include "autograd/function.h"

#include "autograd/meta.h"
#include "autograd/ops.h"
#include "tensor/ops/pointwise.h"

namespace mica::autograd {

AccumulateGrad::AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {
  num_outputs = 1;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads.at(0));
  if (!g.defined()) return {};
  AutogradMeta& m = ensure_meta(leaf_);
  for (auto& [id, hook] : m.leaf_hooks) {
    Tensor replaced = hook(g);
    if (replaced.defined()) g = replaced;
  }
  if (g.sizes() != leaf_.sizes()) g = sum_to(g, leaf_.sizes());
  if (g.dtype() != leaf_.dtype()) g = g.to(leaf_.dtype());
  if (!m.grad.defined()) {
    // Keep the incoming tensor when nobody else holds it; otherwise copy, so that later
    // in-place accumulation cannot write into a tensor the caller still sees.
    const bool sole_owner = g.impl_ptr().use_count() == 1 && g.is_contiguous();
    m.grad = GradMode::is_enabled()
                 ? g
                 : (sole_owner ? alias_without_history(g) : raw([&] { return g.clone(); }));
  } else if (GradMode::is_enabled()) {
    m.grad = add(m.grad, g);
  } else {
    raw([&] { return ops::add_(m.grad, g); });
  }
  return {};
}

}  // namespace mica::autograd
