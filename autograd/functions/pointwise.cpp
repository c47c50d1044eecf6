// Differentiable pointwise ops: forward through mica::ops, backward formulas written with
// differentiable ops (so create_graph gives second derivatives). Broadcast gradients are
// reduced to each input's shape by the engine. GELU's first-order backward (no create_graph) is
// one fused raw kernel. lerp, addcmul, addcdiv and clamp with tensor bounds are in
// pointwise_ternary.cpp.
#include <cmath>
#include <numbers>

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

// ---- nodes ----
struct AddBackward : Node {
  MICA_NODE_NAME("AddBackward")
  Scalar alpha = 1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {g[0], alpha.to_double() == 1.0 ? g[0] : mul(g[0], alpha)};
  }
};
struct SubBackward : Node {
  MICA_NODE_NAME("SubBackward")
  Scalar alpha = 1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {g[0], alpha.to_double() == 1.0 ? neg(g[0]) : mul(g[0], -alpha.to_double())};
  }
};
struct ScaleBackward : Node {  // y = a * s (also a / s, rsub's -a)
  MICA_NODE_NAME("MulBackward")
  double scale = 1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {mul(g[0], scale)}; }
};
struct MulBackward : Node {
  MICA_NODE_NAME("MulBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {needs_input_grad(0) ? mul(g[0], b.unpack(*this)) : Tensor(),
            needs_input_grad(1) ? mul(g[0], a.unpack(*this)) : Tensor()};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};
struct DivBackward : Node {
  MICA_NODE_NAME("DivBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor bv = b.unpack(*this);
    Tensor ga = needs_input_grad(0) ? div(g[0], bv) : Tensor();
    Tensor gb = needs_input_grad(1) ? neg(div(mul(g[0], a.unpack(*this)), mul(bv, bv))) : Tensor();
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};
struct ScalarDivBackward : Node {  // y = s / b
  MICA_NODE_NAME("DivBackward")
  double s = 1;
  SavedVariable b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor bv = b.unpack(*this);
    return {neg(div(mul(g[0], s), mul(bv, bv)))};
  }
  void release_saved() override { b.reset(); }
};

// Unary ops whose derivative is a function of the input x and/or the result y.
struct UnaryBackward : Node {
  std::string node_name;
  std::string name() const override { return node_name; }
  SavedVariable x, y;
  std::function<Tensor(const Tensor& g, const Tensor& x, const Tensor& y)> formula;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {formula(g[0], x.unpack(*this), y.unpack(*this))};
  }
  void release_saved() override {
    x.reset();
    y.reset();
  }
};

// Whether a backward formula may use a fused raw kernel (tensor/ops): no graph of the gradient
// is being built (no create_graph), and grad matches the saved tensor's dtype, shape and device.
bool first_order(const Tensor& g, const Tensor& saved) {
  return !GradMode::is_enabled() && g.dtype() == saved.dtype() && g.sizes() == saved.sizes() &&
         g.device() == saved.device();
}

// Records a unary op: save_x / save_y choose what the formula needs.
Tensor unary(const char* name, const Tensor& a, Tensor out, bool save_x, bool save_y,
             std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)> formula) {
  if (auto node = make_node<UnaryBackward>({&a})) {
    node->node_name = name;
    node->formula = std::move(formula);
    set_history(out, node);  // before saving out: a saved output keeps its grad_fn for unpack
    if (save_x) node->x = SavedVariable(a, false);
    if (save_y) node->y = SavedVariable(out, true);
  }
  return out;
}

Tensor scaled(const Tensor& a, Tensor out, double scale) {
  if (auto node = make_node<ScaleBackward>({&a})) {
    node->scale = scale;
    set_history(out, node);
  }
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  Tensor out = raw([&] { return ops::add(a, b, alpha); });
  if (auto node = make_node<AddBackward>({&a, &b})) {
    node->alpha = alpha;
    set_history(out, node);
  }
  return out;
}
Tensor add(const Tensor& a, const Scalar& b) {
  return scaled(a, raw([&] { return ops::add(a, b); }), 1.0);
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  Tensor out = raw([&] { return ops::sub(a, b, alpha); });
  if (auto node = make_node<SubBackward>({&a, &b})) {
    node->alpha = alpha;
    set_history(out, node);
  }
  return out;
}
Tensor sub(const Tensor& a, const Scalar& b) {
  return scaled(a, raw([&] { return ops::sub(a, b); }), 1.0);
}
Tensor rsub(const Tensor& a, const Scalar& b) {
  return scaled(a, raw([&] { return ops::add(ops::neg(a), b); }), -1.0);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = raw([&] { return ops::mul(a, b); });
  if (auto node = make_node<MulBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}
Tensor mul(const Tensor& a, const Scalar& b) {
  return scaled(a, raw([&] { return ops::mul(a, b); }), b.to_double());
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = raw([&] { return ops::div(a, b); });
  if (auto node = make_node<DivBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}
Tensor div(const Tensor& a, const Scalar& b) {
  return scaled(a, raw([&] { return ops::div(a, b); }), 1.0 / b.to_double());
}
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return div(a, b);
  return raw([&] { return ops::div(a, b, rounding_mode); });  // piecewise constant: no gradient
}
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return div(a, b);
  return raw([&] { return ops::div(a, b, rounding_mode); });
}

Tensor neg(const Tensor& a) {
  return scaled(a, raw([&] { return ops::neg(a); }), -1.0);
}

Tensor exp(const Tensor& a) {
  return unary("ExpBackward", a, raw([&] { return ops::exp(a); }), false, true,
               [](const Tensor& g, const Tensor&, const Tensor& y) { return mul(g, y); });
}
Tensor log(const Tensor& a) {
  return unary("LogBackward", a, raw([&] { return ops::log(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) { return div(g, x); });
}
Tensor log1p(const Tensor& a) {
  return unary("Log1pBackward", a, raw([&] { return ops::log1p(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) { return div(g, add(x, 1.0)); });
}
Tensor expm1(const Tensor& a) {
  return unary("Expm1Backward", a, raw([&] { return ops::expm1(a); }), false, true,
               [](const Tensor& g, const Tensor&, const Tensor& y) { return mul(g, add(y, 1.0)); });
}
Tensor sqrt(const Tensor& a) {
  return unary("SqrtBackward", a, raw([&] { return ops::sqrt(a); }), false, true,
               [](const Tensor& g, const Tensor&, const Tensor& y) { return div(g, mul(y, 2.0)); });
}
Tensor rsqrt(const Tensor& a) {
  return unary("RsqrtBackward", a, raw([&] { return ops::rsqrt(a); }), false, true,
               [](const Tensor& g, const Tensor&, const Tensor& y) {
                 return mul(mul(g, -0.5), mul(y, mul(y, y)));
               });
}
Tensor pow(const Tensor& a, const Scalar& exponent) {
  const double e = exponent.to_double();
  return unary("PowBackward", a, raw([&] { return ops::pow(a, exponent); }), true, false,
               [e](const Tensor& g, const Tensor& x, const Tensor&) {
                 if (e == 0.0) return mul(g, 0.0);
                 if (e == 1.0) return g;
                 return mul(g, mul(pow(x, e - 1.0), e));
               });
}
namespace {
struct PowTensorBackward : Node {
  MICA_NODE_NAME("PowBackward")
  SavedVariable a, e, y;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor av = a.unpack(*this), ev = e.unpack(*this);
    Tensor ga = needs_input_grad(0) ? mul(g[0], mul(ev, pow(av, sub(ev, 1.0)))) : Tensor();
    // d/de a^e = a^e log(a); defined as 0 where a == 0 and e > 0 (like PyTorch's masking)
    Tensor ge;
    if (needs_input_grad(1)) {
      const Tensor yv = y.unpack(*this);
      const Tensor zero_base =
          raw([&] { return ops::logical_and(ops::eq(av, 0.0), ops::ge(ev, 0.0)); });
      ge = where(zero_base, zeros_like(g[0]), mul(g[0], mul(yv, log(av))));
    }
    return {ga, ge};
  }
  void release_saved() override {
    a.reset();
    e.reset();
    y.reset();
  }
};
}  // namespace
Tensor pow(const Tensor& a, const Tensor& exponent) {
  Tensor out = raw([&] { return ops::pow(a, exponent); });
  if (auto node = make_node<PowTensorBackward>({&a, &exponent})) {
    node->a = SavedVariable(a, false);
    node->e = SavedVariable(exponent, false);
    set_history(out, node);  // before saving out (see unary())
    node->y = SavedVariable(out, true);
  }
  return out;
}
namespace {
// d/de b^e = b^e log(b), for a scalar base b; with b == 0 it is 0 where e >= 0 (like PyTorch).
struct PowScalarBaseBackward : Node {
  MICA_NODE_NAME("PowBackward")
  double base = 1;
  SavedVariable e, y;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor yv = y.unpack(*this);
    const Tensor grad = mul(g[0], mul(yv, std::log(base)));
    if (base != 0.0) return {grad};
    const Tensor e_nonneg = raw([&] { return ops::ge(e.unpack(*this), 0.0); });
    return {where(e_nonneg, zeros_like(grad), grad)};
  }
  void release_saved() override {
    e.reset();
    y.reset();
  }
};
}  // namespace
Tensor pow(const Scalar& base, const Tensor& exponent) {
  Tensor out = raw([&] { return ops::pow(base, exponent); });
  if (auto node = make_node<PowScalarBaseBackward>({&exponent})) {
    node->base = base.to_double();
    if (node->base == 0.0) node->e = SavedVariable(exponent, false);
    set_history(out, node);  // before saving out (see unary())
    node->y = SavedVariable(out, true);
  }
  return out;
}
// Piecewise constant: no gradient (see autograd/ops/pointwise.h).
Tensor sign(const Tensor& a) {
  return raw([&] { return ops::sign(a); });
}
Tensor floor(const Tensor& a) {
  return raw([&] { return ops::floor(a); });
}
Tensor ceil(const Tensor& a) {
  return raw([&] { return ops::ceil(a); });
}
Tensor round(const Tensor& a) {
  return raw([&] { return ops::round(a); });
}
Tensor trunc(const Tensor& a) {
  return raw([&] { return ops::trunc(a); });
}
Tensor abs(const Tensor& a) {
  return unary("AbsBackward", a, raw([&] { return ops::abs(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) {
                 return mul(g, raw([&] { return ops::sign(x); }));
               });
}
Tensor sin(const Tensor& a) {
  return unary("SinBackward", a, raw([&] { return ops::sin(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) { return mul(g, cos(x)); });
}
Tensor cos(const Tensor& a) {
  return unary("CosBackward", a, raw([&] { return ops::cos(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) { return neg(mul(g, sin(x))); });
}
Tensor tanh(const Tensor& a) {
  return unary(
      "TanhBackward", a, raw([&] { return ops::tanh(a); }), false, true,
      [](const Tensor& g, const Tensor&, const Tensor& y) { return mul(g, rsub(mul(y, y), 1.0)); });
}
Tensor sigmoid(const Tensor& a) {
  return unary(
      "SigmoidBackward", a, raw([&] { return ops::sigmoid(a); }), false, true,
      [](const Tensor& g, const Tensor&, const Tensor& y) { return mul(g, mul(y, rsub(y, 1.0))); });
}
Tensor relu(const Tensor& a) {
  return unary("ReluBackward", a, raw([&] { return ops::relu(a); }), false, true,
               [](const Tensor& g, const Tensor&, const Tensor& y) {
                 if (first_order(g, y)) return raw([&] { return ops::relu_backward(g, y); });
                 return mul(g, mask_like(raw([&] { return ops::gt(y, 0.0); }), g));
               });
}
Tensor erf(const Tensor& a) {
  return unary("ErfBackward", a, raw([&] { return ops::erf(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) {
                 return mul(g, mul(exp(neg(mul(x, x))), 2.0 / std::sqrt(std::numbers::pi)));
               });
}
Tensor gelu(const Tensor& a, std::string_view approximate) {
  const bool tanh_form = approximate == "tanh";
  return unary(
      "GeluBackward", a, raw([&] { return ops::gelu(a, approximate); }), true, false,
      [tanh_form](const Tensor& g, const Tensor& x, const Tensor&) {
        // First order (no create_graph): one fused pass instead of ~15 pointwise ops.
        if (first_order(g, x))
          return raw([&] { return ops::gelu_backward(g, x, tanh_form ? "tanh" : "none"); });
        if (!tanh_form) {
          const Tensor cdf = mul(add(erf(mul(x, 1.0 / std::numbers::sqrt2)), 1.0), 0.5);
          const Tensor pdf =
              mul(exp(mul(mul(x, x), -0.5)), 1.0 / std::sqrt(2.0 * std::numbers::pi));
          return mul(g, add(cdf, mul(x, pdf)));
        }
        const double k0 = std::sqrt(2.0 / std::numbers::pi), k1 = 0.044715;
        const Tensor x2 = mul(x, x);
        const Tensor t = tanh(mul(add(x, mul(mul(x2, x), k1)), k0));
        const Tensor left = mul(add(t, 1.0), 0.5);
        const Tensor right =
            mul(mul(mul(x, rsub(mul(t, t), 1.0)), 0.5), mul(add(mul(x2, 3.0 * k1), 1.0), k0));
        return mul(g, add(left, right));
      });
}
Tensor silu(const Tensor& a) {
  return unary("SiluBackward", a, raw([&] { return ops::silu(a); }), true, false,
               [](const Tensor& g, const Tensor& x, const Tensor&) {
                 if (first_order(g, x)) return raw([&] { return ops::silu_backward(g, x); });
                 const Tensor s = sigmoid(x);
                 return mul(g, mul(s, add(mul(x, rsub(s, 1.0)), 1.0)));
               });
}
Tensor softplus(const Tensor& a, double beta, double threshold) {
  return unary("SoftplusBackward", a, raw([&] { return ops::softplus(a, beta, threshold); }), true,
               false, [beta, threshold](const Tensor& g, const Tensor& x, const Tensor&) {
                 const Tensor linear = raw([&] { return ops::gt(ops::mul(x, beta), threshold); });
                 const Tensor s = sigmoid(mul(x, beta));
                 return mul(g,
                            add(mul(s, mask_like(raw([&] { return ops::logical_not(linear); }), g)),
                                mask_like(linear, g)));
               });
}
Tensor leaky_relu(const Tensor& a, double slope) {
  return unary("LeakyReluBackward", a, raw([&] { return ops::leaky_relu(a, slope); }), true, false,
               [slope](const Tensor& g, const Tensor& x, const Tensor&) {
                 if (first_order(g, x))
                   return raw([&] { return ops::leaky_relu_backward(g, x, slope); });
                 const Tensor pos = mask_like(raw([&] { return ops::gt(x, 0.0); }), g);
                 return mul(g, add(mul(pos, 1.0 - slope), slope));
               });
}
Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max) {
  return unary("ClampBackward", a, raw([&] { return ops::clamp(a, min, max); }), true, false,
               [min, max](const Tensor& g, const Tensor& x, const Tensor&) {
                 Tensor inside = raw([&] {
                   Tensor m = ops::ge(x, x);  // all true except NaN
                   if (min) m = ops::logical_and(m, ops::ge(x, *min));
                   if (max) m = ops::logical_and(m, ops::le(x, *max));
                   return m;
                 });
                 return mul(g, mask_like(inside, g));
               });
}
Tensor clamp_min(const Tensor& a, const Scalar& min) {
  return clamp(a, std::optional<Scalar>(min), std::nullopt);
}
Tensor clamp_max(const Tensor& a, const Scalar& max) {
  return clamp(a, std::nullopt, std::optional<Scalar>(max));
}

namespace {
struct MinMaxBackward : Node {
  MICA_NODE_NAME(is_max ? "MaximumBackward" : "MinimumBackward")
  bool is_max = false;
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor av = a.unpack(*this), bv = b.unpack(*this);
    // The winner takes the gradient; ties split it in half (like PyTorch).
    const Tensor a_wins = raw([&] { return is_max ? ops::gt(av, bv) : ops::lt(av, bv); });
    const Tensor tie = raw([&] { return ops::eq(av, bv); });
    const Tensor wa = add(mask_like(a_wins, g[0]), mul(mask_like(tie, g[0]), 0.5));
    return {mul(g[0], wa), mul(g[0], rsub(wa, 1.0))};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};
Tensor min_max(bool is_max, const Tensor& a, const Tensor& b) {
  Tensor out = raw([&] { return is_max ? ops::maximum(a, b) : ops::minimum(a, b); });
  if (auto node = make_node<MinMaxBackward>({&a, &b})) {
    node->is_max = is_max;
    node->a = SavedVariable(a, false);
    node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

struct WhereBackward : Node {
  MICA_NODE_NAME("WhereBackward")
  Tensor cond;  // bool, no gradient
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor m = mask_like(cond, g[0]);
    return {needs_input_grad(0) ? mul(g[0], m) : Tensor(),
            needs_input_grad(1) ? mul(g[0], rsub(m, 1.0)) : Tensor()};
  }
};
}  // namespace
Tensor minimum(const Tensor& a, const Tensor& b) {
  return min_max(false, a, b);
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return min_max(true, a, b);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor out = raw([&] { return ops::where(cond, a, b); });
  if (auto node = make_node<WhereBackward>({&a, &b})) {
    node->cond = cond;
    set_history(out, node);
  }
  return out;
}
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value) {
  Tensor out = raw([&] { return ops::masked_fill(t, mask, value); });
  if (auto node = make_node<WhereBackward>({&t, nullptr})) {
    node->cond = raw([&] { return ops::logical_not(mask); });
    set_history(out, node);
  }
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value) {
  Tensor out = raw([&] { return ops::masked_fill(t, mask, value); });
  // where(mask, value, t): value gets the gradient under mask (summed to 0-d by the engine)
  if (auto node = make_node<WhereBackward>({&value, &t})) {
    node->cond = mask;
    set_history(out, node);
  }
  return out;
}

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator+(const Tensor& a, const Scalar& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Scalar& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Scalar& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Scalar& b) {
  return div(a, b);
}
Tensor operator+(const Scalar& a, const Tensor& b) {
  return add(b, a);
}
Tensor operator-(const Scalar& a, const Tensor& b) {
  return rsub(b, a);
}
Tensor operator*(const Scalar& a, const Tensor& b) {
  return mul(b, a);
}
Tensor operator/(const Scalar& a, const Tensor& b) {
  Tensor out = raw([&] {
    return ops::div(full({}, a, TensorOptions(result_type(b.dtype(), a)).device(b.device())), b);
  });
  if (auto node = make_node<ScalarDivBackward>({&b})) {
    node->s = a.to_double();
    node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}
Tensor operator-(const Tensor& a) {
  return neg(a);
}

}  // namespace mica
