// Differentiable fused pointwise ops: lerp, addcmul, addcdiv and clamp with tensor bounds.
// Backward formulas are written with differentiable ops (second derivatives through
// create_graph); gradients have the broadcast shape and the engine sums them to each input's.
#include "autograd/function.h"
#include "autograd/functions/mask.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::mask_like;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {

// ---- lerp: start + w * (end - start) ----
struct LerpScalarBackward : Node {
  MICA_NODE_NAME("LerpBackward")
  double weight = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {needs_input_grad(0) ? mul(g[0], 1.0 - weight) : Tensor(),
            needs_input_grad(1) ? mul(g[0], weight) : Tensor()};
  }
};
struct LerpBackward : Node {
  MICA_NODE_NAME("LerpBackward")
  SavedVariable start, end, weight;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor gs, ge, gw;
    if (needs_input_grad(0) || needs_input_grad(1)) {
      const Tensor w = weight.unpack(*this);
      if (needs_input_grad(0)) gs = mul(g[0], rsub(w, 1.0));
      if (needs_input_grad(1)) ge = mul(g[0], w);
    }
    if (needs_input_grad(2)) gw = mul(g[0], sub(end.unpack(*this), start.unpack(*this)));
    return {gs, ge, gw};
  }
  void release_saved() override {
    start.reset();
    end.reset();
    weight.reset();
  }
};

// ---- addcmul / addcdiv: self + value * a * b, self + value * a / b ----
struct AddcmulBackward : Node {
  MICA_NODE_NAME("AddcmulBackward")
  double value = 1;
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor gv = mul(g[0], value);
    return {g[0], needs_input_grad(1) ? mul(gv, b.unpack(*this)) : Tensor(),
            needs_input_grad(2) ? mul(gv, a.unpack(*this)) : Tensor()};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};
struct AddcdivBackward : Node {
  MICA_NODE_NAME("AddcdivBackward")
  double value = 1;
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor bv = b.unpack(*this);
    const Tensor gv_b = div(mul(g[0], value), bv);  // g value / b
    return {g[0], needs_input_grad(1) ? gv_b : Tensor(),
            needs_input_grad(2) ? neg(div(mul(gv_b, a.unpack(*this)), bv)) : Tensor()};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

// ---- clamp with tensor bounds: min(max(x, lo), hi) ----
// x gets the gradient where lo <= x <= hi, lo where x < lo < hi, hi where x > hi or lo > hi
// (then every result is hi); NaN anywhere gives no gradient (PyTorch's rules).
struct ClampTensorBackward : Node {
  MICA_NODE_NAME("ClampBackward")
  bool has_lo = false, has_hi = false;
  SavedVariable x, lo, hi;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor xv = x.unpack(*this);
    const Tensor lov = has_lo ? lo.unpack(*this) : Tensor();
    const Tensor hiv = has_hi ? hi.unpack(*this) : Tensor();
    Tensor gx, glo, ghi;
    if (needs_input_grad(0)) {
      const Tensor inside = raw([&] {
        Tensor m = ops::eq(xv, xv);  // all true except NaN
        if (has_lo) m = ops::logical_and(m, ops::ge(xv, lov));
        if (has_hi) m = ops::logical_and(m, ops::le(xv, hiv));
        return m;
      });
      gx = mul(g[0], mask_like(inside, g[0]));
    }
    if (has_lo && needs_input_grad(1)) {
      const Tensor lo_wins = raw([&] {
        Tensor m = ops::lt(xv, lov);
        if (has_hi) m = ops::logical_and(m, ops::lt(lov, hiv));
        return m;
      });
      glo = mul(g[0], mask_like(lo_wins, g[0]));
    }
    if (has_hi && needs_input_grad(2)) {
      const Tensor hi_wins = raw([&] {
        Tensor m = ops::gt(xv, hiv);
        if (has_lo) m = ops::logical_or(m, ops::gt(lov, hiv));
        return m;
      });
      ghi = mul(g[0], mask_like(hi_wins, g[0]));
    }
    return {gx, glo, ghi};
  }
  void release_saved() override {
    x.reset();
    lo.reset();
    hi.reset();
  }
};
}  // namespace

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  Tensor out = raw([&] { return ops::lerp(start, end, weight); });
  if (auto node = make_node<LerpScalarBackward>({&start, &end})) {
    node->weight = weight.to_double();
    set_history(out, node);
  }
  return out;
}
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  Tensor out = raw([&] { return ops::lerp(start, end, weight); });
  if (auto node = make_node<LerpBackward>({&start, &end, &weight})) {
    if (start.requires_grad() || end.requires_grad()) node->weight = SavedVariable(weight, false);
    if (weight.requires_grad()) {
      node->start = SavedVariable(start, false);
      node->end = SavedVariable(end, false);
    }
    set_history(out, node);
  }
  return out;
}

Tensor addcmul(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  Tensor out = raw([&] { return ops::addcmul(self, a, b, value); });
  if (auto node = make_node<AddcmulBackward>({&self, &a, &b})) {
    node->value = value.to_double();
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}
Tensor addcdiv(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  Tensor out = raw([&] { return ops::addcdiv(self, a, b, value); });
  if (auto node = make_node<AddcdivBackward>({&self, &a, &b})) {
    node->value = value.to_double();
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

Tensor clamp(const Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  Tensor out = raw([&] { return ops::clamp(a, min, max); });
  const Tensor lo = min ? *min : Tensor(), hi = max ? *max : Tensor();
  if (auto node = make_node<ClampTensorBackward>({&a, &lo, &hi})) {
    node->has_lo = lo.defined();
    node->has_hi = hi.defined();
    node->x = SavedVariable(a, false);
    if (node->has_lo) node->lo = SavedVariable(lo, false);
    if (node->has_hi) node->hi = SavedVariable(hi, false);
    set_history(out, node);
  }
  return out;
}
Tensor clamp_min(const Tensor& a, const Tensor& min) {
  return clamp(a, std::optional<Tensor>(min), std::nullopt);
}
Tensor clamp_max(const Tensor& a, const Tensor& max) {
  return clamp(a, std::nullopt, std::optional<Tensor>(max));
}

}  // namespace mica
