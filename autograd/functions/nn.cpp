// Differentiable nn functions: softmax and log_softmax (backward in differentiable ops), fused
// cross-entropy over class indices (a dedicated backward from the saved log-sum-exp), MSE.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {
struct SoftmaxBackward : Node {
  MICA_NODE_NAME(log ? "LogSoftmaxBackward" : "SoftmaxBackward")
  bool log = false;
  int64_t dim = -1;
  SavedVariable y;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    const Tensor yv = y.unpack(*this);
    if (log) return {sub(g, mul(exp(yv), sum(g, dim, true)))};
    return {mul(yv, sub(g, sum(mul(g, yv), dim, true)))};
  }
  void release_saved() override { y.reset(); }
};

Tensor record_softmax(bool log, const Tensor& x, int64_t dim, Tensor out) {
  if (auto node = make_node<SoftmaxBackward>({&x})) {
    node->log = log;
    node->dim = dim;
    set_history(out, node);  // before saving out: a saved output keeps its grad_fn for unpack
    node->y = SavedVariable(out, true);
  }
  return out;
}

// d loss / d logits = w * (softmax(logits) - target distribution) * upstream, with the target
// distribution (1 - eps) one_hot(t) + eps / C; ignored positions get zero.
struct CrossEntropyBackward : Node {
  MICA_NODE_NAME("CrossEntropyBackward")
  SavedVariable logits, lse;  // lse: [N, d...] log-sum-exp of each row
  Tensor target;              // int64 [N, d...]
  ops::Reduction reduction = ops::Reduction::Mean;
  int64_t ignore_index = -100;
  double smoothing = 0.0;
  Tensor total_weight;  // 0-d
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    return {raw([&] {
      const Tensor x = logits.unpack(*this);
      const Tensor row_lse = lse.unpack(*this).to(x.dtype());
      const int64_t class_dim = x.dim() == 1 ? 0 : 1;
      const int64_t c = x.size(class_dim);
      const Tensor p = ops::exp(ops::sub(x, row_lse.unsqueeze(class_dim)));  // softmax
      const Tensor valid = ops::ne(target, ignore_index);                    // [N, d...]
      Tensor onehot =
          ops::one_hot(ops::where(valid, target, int64_t{0}), c).to(x.dtype());  // [N, d..., C]
      if (x.dim() > 2) {  // class dim back to position 1
        Shape perm{0, x.dim() - 1};
        for (int64_t d = 1; d < x.dim() - 1; ++d) perm.push_back(d);
        onehot = onehot.permute(perm);
      }
      const Tensor q =
          ops::add(ops::mul(onehot, 1.0 - smoothing), smoothing / static_cast<double>(c));
      Tensor scale = valid.to(x.dtype());  // [N, d...]
      const Tensor& g = grads[0];
      if (reduction == ops::Reduction::None) {
        scale = ops::mul(scale, g.to(x.dtype()));
      } else {
        Tensor factor = g.to(x.dtype());
        if (reduction == ops::Reduction::Mean)
          factor = ops::div(factor, total_weight.to(x.dtype()));
        scale = ops::mul(scale, factor);
      }
      return ops::mul(ops::sub(p, q), scale.unsqueeze(class_dim));
    })};
  }
  void release_saved() override {
    logits.reset();
    lse.reset();
  }
};
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return record_softmax(false, x, dim, raw([&] { return ops::softmax(x, dim); }));
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return record_softmax(true, x, dim, raw([&] { return ops::log_softmax(x, dim); }));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, ops::Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  MICA_CHECK(!is_floating(target.dtype()),
             "cross_entropy: the differentiable version takes class indices ",
             "(int64); probability targets are not differentiable yet (got ",
             dtype_name(target.dtype()), ")");
  ops::LossForward f = raw([&] {
    return ops::cross_entropy_forward(logits, target, {}, reduction, ignore_index, label_smoothing);
  });
  if (auto node = make_node<CrossEntropyBackward>({&logits})) {
    node->logits = SavedVariable(logits, false);
    node->lse = SavedVariable(f.lse, false);
    node->target = target;
    node->reduction = reduction;
    node->ignore_index = ignore_index;
    node->smoothing = label_smoothing;
    node->total_weight = f.total_weight;
    set_history(f.loss, node);
  }
  return f.loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, ops::Reduction reduction) {
  MICA_CHECK(input.sizes() == target.sizes(), "mse_loss: input ", shape_str(input.sizes()),
             " and target ", shape_str(target.sizes()), " must have the same shape");
  const Tensor d = sub(input, target);
  const Tensor sq = mul(d, d);
  switch (reduction) {
    case ops::Reduction::None:
      return sq;
    case ops::Reduction::Sum:
      return sum(sq);
    case ops::Reduction::Mean:
      return mean(sq);
  }
  return sq;
}

}  // namespace mica
