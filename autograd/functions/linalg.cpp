// Differentiable linear algebra: matmul (all of torch.matmul's shape cases, batch broadcasting
// undone by the engine), mm, bmm, linear.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {
Tensor mT(const Tensor& t) {
  return t.transpose(-1, -2);
}

struct MatmulBackward : Node {
  MICA_NODE_NAME("MatmulBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor g = grads[0];
    // Treat 1-d operands as matrices ([k] -> [1, k] on the left, [k, 1] on the right).
    const bool a_vec = av.dim() == 1, b_vec = bv.dim() == 1;
    if (a_vec) {
      av = av.unsqueeze(0);
      g = g.unsqueeze(b_vec ? 0 : -2);
    }
    if (b_vec) {
      bv = bv.unsqueeze(-1);
      g = g.unsqueeze(-1);
    }
    Tensor ga, gb;
    if (needs_input_grad(0)) {
      ga = matmul(g, mT(bv));  // [..., m, k]
      if (a_vec) ga = sum_to(ga, {1, ga.size(-1)}).squeeze(0);
    }
    if (needs_input_grad(1)) {
      gb = matmul(mT(av), g);  // [..., k, n]
      if (b_vec) gb = sum_to(gb, {gb.size(-2), 1}).squeeze(-1);
    }
    return {ga, gb};  // batch broadcasting is summed away by the engine
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

Tensor record_matmul(const Tensor& a, const Tensor& b, Tensor out) {
  if (auto node = make_node<MatmulBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    // both are needed for the 1-d reshaping logic
    if (!node->a.defined()) node->a = SavedVariable(a, false);
    if (!node->b.defined()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

struct LinearBackward : Node {
  MICA_NODE_NAME("LinearBackward")
  SavedVariable x, w;
  bool has_bias = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];  // [*, out]
    Tensor gx, gw, gb;
    if (needs_input_grad(0)) gx = matmul(g, w.unpack(*this));  // [*, in]
    if (needs_input_grad(1)) {
      const Tensor xv = x.unpack(*this);
      const Tensor g2 = g.reshape({-1, g.size(-1)});
      const Tensor x2 = xv.reshape({-1, xv.size(-1)});
      gw = mm(g2.t(), x2);  // [out, in]
    }
    if (has_bias && needs_input_grad(2)) gb = sum_to(g, {g.size(-1)});
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    w.reset();
  }
};
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  return record_matmul(a, b, raw([&] { return ops::matmul(a, b); }));
}
Tensor mm(const Tensor& a, const Tensor& b) {
  return record_matmul(a, b, raw([&] { return ops::mm(a, b); }));
}
Tensor bmm(const Tensor& a, const Tensor& b) {
  return record_matmul(a, b, raw([&] { return ops::bmm(a, b); }));
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  Tensor out = raw([&] { return ops::linear(x, weight, bias); });
  if (auto node = make_node<LinearBackward>({&x, &weight, &bias})) {
    node->has_bias = bias.defined();
    if (weight.requires_grad()) node->x = SavedVariable(x, false);
    if (x.requires_grad()) node->w = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
