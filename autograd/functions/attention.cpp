// Differentiable fused attention: the forward runs the fused raw kernel, which also returns the
// row log-sum-exp; FusedAttentionBackward runs the fused backward kernel from it. Under
// create_graph (grad mode on during backward) the backward is instead written with
// differentiable ops on the saved q, k, v:
//   P = softmax(scale * q k^T [causal]), dv = P^T g, dP = g v^T,
//   dS = P * (dP - rowsum(dP * P)), dq = scale * dS k, dk = scale * dS^T q
// so gradient penalties and other second-order uses stay exact.
#include <limits>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "autograd/ops/attention.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {
// [T, S] bool on device: true where key s comes after query t (masked; top-left aligned).
Tensor causal_mask(int64_t T, int64_t S, Device device) {
  return raw([&] {
    const Tensor rows = arange(T, TensorOptions(kInt64)).unsqueeze(1);
    const Tensor cols = arange(S, TensorOptions(kInt64)).unsqueeze(0);
    return ops::gt(cols, rows).to(device);
  });
}

struct FusedAttentionBackward : Node {
  MICA_NODE_NAME("FusedAttentionBackward")
  SavedVariable q, k, v, out;
  Tensor lse;  // [B, H, T] float32 (no history)
  bool causal = false;
  double scale = 1.0;

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor qv = q.unpack(*this), kv = k.unpack(*this), vv = v.unpack(*this);
    if (GradMode::is_enabled())
      return detail::attention_backward_composed(g, qv, kv, vv, causal, scale);
    const Tensor ov = out.unpack(*this);
    ops::AttentionBackward r = raw([&] {
      const Tensor gg = g.dtype() == ov.dtype() ? g : g.to(ov.dtype());
      return ops::attention_backward(gg, qv, kv, vv, ov, lse, causal, scale);
    });
    return {r.dq, r.dk, r.dv};
  }

  void release_saved() override {
    q.reset();
    k.reset();
    v.reset();
    out.reset();
    lse = Tensor();
  }
};
}  // namespace

namespace detail {
std::vector<Tensor> attention_backward_composed(const Tensor& g, const Tensor& q, const Tensor& k,
                                                const Tensor& v, bool causal, double scale) {
  Tensor scores = mul(matmul(q, k.transpose(-2, -1)), scale);  // [B, H, T, S]
  if (causal)
    scores = masked_fill(scores, causal_mask(q.size(-2), k.size(-2), q.device()),
                         -std::numeric_limits<double>::infinity());
  const Tensor p = softmax(scores, -1);
  const Tensor dv = matmul(p.transpose(-2, -1), g);
  const Tensor dp = matmul(g, v.transpose(-2, -1));
  const Tensor ds = mul(p, sub(dp, sum(mul(dp, p), {-1}, true)));
  return {mul(matmul(ds, k), scale), mul(matmul(ds.transpose(-2, -1), q), scale), dv};
}
}  // namespace detail

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                       double scale) {
  ops::AttentionForward f = raw([&] { return ops::attention_forward(q, k, v, causal, scale); });
  if (auto node = make_node<FusedAttentionBackward>({&q, &k, &v})) {
    node->causal = causal;
    node->scale = scale;
    node->lse = f.logsumexp;
    node->q = SavedVariable(q, false);
    node->k = SavedVariable(k, false);
    node->v = SavedVariable(v, false);
    set_history(f.out, node);  // before saving out: a saved output keeps its grad_fn for unpack
    node->out = SavedVariable(f.out, true);
  }
  return f.out;
}

}  // namespace mica
