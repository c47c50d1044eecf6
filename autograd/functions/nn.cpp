// Differentiable nn functions: softmax and log_softmax (backward in differentiable ops, so
// second order; one fused raw kernel without create_graph), nll_loss and the fused cross-entropy
// over class indices or probabilities (with class weights, ignore_index and label smoothing; a
// dedicated backward from the saved log-sum-exp, second order under create_graph), MSE.
#include "autograd/autocast.h"
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
    // First order (no create_graph): one fused raw pass instead of four ops.
    if (!GradMode::is_enabled() && g.defined() && g.dtype() == yv.dtype() &&
        g.sizes() == yv.sizes() && g.device() == yv.device())
      return {raw([&] { return ops::softmax_backward(g, yv, dim, log); })};
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

// Compute dtype of the loss backward: float32 for 16-bit inputs.
DType compute_dtype(DType t) {
  return t == kFloat16 || t == kBFloat16 ? kFloat32 : t;
}
Tensor in_compute(const Tensor& t) {
  const DType c = compute_dtype(t.dtype());
  return t.dtype() == c ? t : t.to(c);
}

// The class-index losses' constants: class dim, a 0/1 float mask of the non-ignored targets
// (batch shape) and the one-hot targets with the class dim at position class_dim.
int64_t class_dim_of(const Tensor& input) {
  return input.dim() == 1 ? 0 : 1;
}
Tensor one_hot_at(const Tensor& target, const Tensor& valid, int64_t classes, int64_t input_dim,
                  DType dtype) {
  Tensor onehot = ops::one_hot(ops::where(valid, target, int64_t{0}), classes).to(dtype);
  if (input_dim > 2) {  // [N, d..., C] -> [N, C, d...]
    Shape perm{0, input_dim - 1};
    for (int64_t d = 1; d < input_dim - 1; ++d) perm.push_back(d);
    onehot = onehot.permute(perm);
  }
  return onehot;
}
// weight [C] shaped to broadcast along the class dim of an input of input_dim dims.
Tensor class_view(const Tensor& weight, int64_t class_dim, int64_t input_dim, DType dtype) {
  Shape shape(static_cast<size_t>(input_dim - class_dim), 1);
  shape[0] = weight.size(0);
  return weight.to(dtype).reshape(shape);
}

// The per-row factor of a reduced loss's backward, broadcast along the class dim: the upstream
// gradient (None: one per row; Sum: 0-d), divided by the total weight for Mean. A total weight of
// 0 (every target ignored, or zero weights) gives zero gradients, like torch.
Tensor row_scale(const Tensor& g, ops::Reduction reduction, const Tensor& total_weight,
                 int64_t class_dim) {
  const Tensor gc = in_compute(g);
  switch (reduction) {
    case ops::Reduction::None:
      return gc.unsqueeze(class_dim);
    case ops::Reduction::Sum:
      return gc;
    case ops::Reduction::Mean:
      return div(gc, raw([&] {
                   const Tensor tw = total_weight.to(gc.dtype());
                   return ops::add(tw, ops::eq(tw, 0.0).to(gc.dtype()));
                 }));
  }
  return gc;
}

// nll_loss: d loss_i / d log_probs[i, c] = -weight[c] [c = t_i] * scale_i (0 when ignored).
// Linear in the upstream gradient and constant in log_probs, so its own double backward.
struct NllLossBackward : Node {
  MICA_NODE_NAME("NllLossBackward")
  Tensor target, weight, total_weight;  // constants: int64 [N, d...], [C] (optional), 0-d
  Shape input_sizes;
  DType dtype = kFloat32;  // compute dtype
  ops::Reduction reduction = ops::Reduction::Mean;
  int64_t ignore_index = -100;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    const int64_t n = static_cast<int64_t>(input_sizes.size());
    const int64_t cd = n == 1 ? 0 : 1;
    const Tensor coeff = raw([&] {  // -w[c] [c = t] valid: input's shape
      const Tensor valid = ops::ne(target, ignore_index);
      Tensor a = ops::mul(one_hot_at(target, valid, input_sizes[static_cast<size_t>(cd)], n, dtype),
                          ops::neg(valid.to(dtype).unsqueeze(cd)));
      if (weight.defined()) a = ops::mul(a, class_view(weight, cd, n, dtype));
      return a;
    });
    return {mul(coeff, row_scale(grads[0], reduction, total_weight, cd))};
  }
  void release_saved() override {
    target = Tensor();
    weight = Tensor();
  }
};

// Cross-entropy over class indices or class probabilities. With the target distribution q
// ((1 - s) one_hot(t) + s / C, or (1 - s) target + s / C), a = weight * q and A = sum_c a:
//   d loss_i / d logits[i, c] = (softmax(logits)[i, c] * A_i - a[i, c]) * scale_i
//   d loss_i / d target[i, c] = -(1 - s) weight[c] log_softmax(logits)[i, c] * scale_i
// scale_i: the upstream gradient (over the total weight for Mean; 0 for ignored targets).
// Without create_graph this is a dedicated first-order backward that rebuilds softmax from the
// forward's saved log-sum-exp; under create_graph softmax and log_softmax are recomputed with the
// differentiable API, so second derivatives come out right as well.
struct CrossEntropyBackward : Node {
  MICA_NODE_NAME("CrossEntropyBackward")
  SavedVariable logits;
  SavedVariable prob_target;  // probability targets (floating, logits' shape)
  Tensor index_target;        // class-index targets (int64 [N, d...])
  Tensor lse;                 // [N, d...] log-sum-exp of each row of logits (no history)
  Tensor weight;              // [C] (optional; a constant)
  Tensor total_weight;        // 0-d
  ops::Reduction reduction = ops::Reduction::Mean;
  int64_t ignore_index = -100;
  double smoothing = 0.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor(), Tensor()};
    const Tensor x = in_compute(logits.unpack(*this));
    const DType dt = x.dtype();
    const int64_t n = x.dim();
    const int64_t cd = class_dim_of(x);
    const int64_t c = x.size(cd);
    const Tensor log_p = GradMode::is_enabled()
                             ? log_softmax(x, cd)
                             : sub(x, raw([&] { return lse.to(dt).unsqueeze(cd); }));
    Tensor scale = row_scale(grads[0], reduction, total_weight, cd);
    Tensor q;
    if (index_target.defined()) {
      const Tensor valid = raw([&] { return ops::ne(index_target, ignore_index); });
      q = raw([&] {
        return ops::add(ops::mul(one_hot_at(index_target, valid, c, n, dt), 1.0 - smoothing),
                        smoothing / static_cast<double>(c));
      });
      scale = mul(scale, raw([&] { return valid.to(dt).unsqueeze(cd); }));
    } else {
      q = add(mul(in_compute(prob_target.unpack(*this)), 1.0 - smoothing),
              smoothing / static_cast<double>(c));
    }
    const Tensor w =
        weight.defined() ? raw([&] { return class_view(weight, cd, n, dt); }) : Tensor();
    Tensor gx, gt;
    if (needs_input_grad(0)) {
      const Tensor a = w.defined() ? mul(q, w) : q;
      // A = 1 for unweighted class indices; probability targets need not sum to 1.
      const bool unit = !w.defined() && index_target.defined();
      const Tensor big_a = unit ? Tensor() : sum(a, cd, true);
      const Tensor p = exp(log_p);
      gx = mul(sub(big_a.defined() ? mul(p, big_a) : p, a), scale);
    }
    if (needs_input_grad(1)) {
      Tensor t = mul(log_p, -(1.0 - smoothing));
      if (w.defined()) t = mul(t, w);
      gt = mul(t, scale);
    }
    return {gx, gt};
  }
  void release_saved() override {
    logits.reset();
    prob_target.reset();
    lse = Tensor();
  }
};
}  // namespace

Tensor softmax(const Tensor& x_in, int64_t dim) {
  const Tensor x = autocast::to_float(x_in);
  return record_softmax(false, x, dim, raw([&] { return ops::softmax(x, dim); }));
}
Tensor log_softmax(const Tensor& x_in, int64_t dim) {
  const Tensor x = autocast::to_float(x_in);
  return record_softmax(true, x, dim, raw([&] { return ops::log_softmax(x, dim); }));
}

Tensor nll_loss(const Tensor& log_probs_in, const Tensor& target, const Tensor& weight,
                ops::Reduction reduction, int64_t ignore_index) {
  const Tensor log_probs = autocast::to_float(log_probs_in);
  ops::LossForward f = raw(
      [&] { return ops::nll_loss_forward(log_probs, target, weight, reduction, ignore_index); });
  if (auto node = make_node<NllLossBackward>({&log_probs})) {  // weight gets no gradient
    node->target = target;
    node->weight = weight;
    node->total_weight = f.total_weight;
    node->input_sizes = log_probs.sizes();
    node->dtype = compute_dtype(log_probs.dtype());
    node->reduction = reduction;
    node->ignore_index = ignore_index;
    set_history(f.loss, node);
  }
  return f.loss;
}

Tensor cross_entropy(const Tensor& logits_in, const Tensor& target_in, const Tensor& weight,
                     ops::Reduction reduction, int64_t ignore_index, double label_smoothing) {
  const Tensor logits = autocast::to_float(logits_in), target = autocast::to_float(target_in);
  ops::LossForward f = raw([&] {
    return ops::cross_entropy_forward(logits, target, weight, reduction, ignore_index,
                                      label_smoothing);
  });
  const bool probs = is_floating(target.dtype());
  // Inputs: logits and (probability targets only) target; weight gets no gradient.
  if (auto node = make_node<CrossEntropyBackward>({&logits, probs ? &target : nullptr})) {
    node->logits = SavedVariable(logits, false);
    if (probs)
      node->prob_target = SavedVariable(target, false);
    else
      node->index_target = target;
    node->lse = f.lse;
    node->weight = weight;
    node->total_weight = f.total_weight;
    node->reduction = reduction;
    node->ignore_index = ignore_index;
    node->smoothing = label_smoothing;
    set_history(f.loss, node);
  }
  return f.loss;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, ops::Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  return mica::cross_entropy(logits, target, Tensor(), reduction, ignore_index, label_smoothing);
}

Tensor mse_loss(const Tensor& input_in, const Tensor& target_in, ops::Reduction reduction) {
  const Tensor input = autocast::to_float(input_in), target = autocast::to_float(target_in);
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
