// Differentiable normalization (layer_norm, rms_norm, group_norm, batch_norm) and dropout.
// The forward runs the raw fused kernel (tensor/ops/norm.cpp), which also returns the
// statistics. The backward is written with differentiable ops on the saved input x:
//   x_hat = (x - mean) * rstd, g_hat = g * weight,
//   dx = rstd * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat))   (rms: no mean(g_hat) term)
//   dweight = sum(g * x_hat), dbias = sum(g), summed over everything but the affine dims.
// Without create_graph the forward's mean and rstd are reused; with create_graph they are
// recomputed from x with differentiable ops, so the formula above is a differentiable function
// of x and the second derivatives are exact. batch_norm in eval mode normalizes with the running
// statistics, constants that never get gradients.
#include <limits>
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
// Statistics and backward math run in float32 for 16-bit inputs (like the forward kernels).
DType compute_dtype(DType t) {
  return t == kFloat16 || t == kBFloat16 ? kFloat32 : t;
}
Tensor in_compute(const Tensor& t) {
  const DType c = compute_dtype(t.dtype());
  return t.dtype() == c ? t : t.to(c);
}

enum class NormKind { Layer, Rms, Group, Batch };

// The normalized groups of x laid out so that the statistics broadcast against them:
// layer/rms: x itself, reduced over the trailing k dims (stats [*, 1, ..., 1]);
// group: x as [N, G, C / G * prod(*)], reduced over dim 2 (stats [N, G, 1]);
// batch: x itself, reduced over every dim but 1 (stats [1, C, 1, ...]).
struct NormBackward : Node {
  std::string name() const override {
    switch (kind) {
      case NormKind::Layer:
        return "LayerNormBackward";
      case NormKind::Rms:
        return "RmsNormBackward";
      case NormKind::Group:
        return "GroupNormBackward";
      case NormKind::Batch:
        return "BatchNormBackward";
    }
    return "NormBackward";
  }
  NormKind kind = NormKind::Layer;
  SavedVariable x, weight;  // weight: optional
  Tensor mean, rstd;        // the forward's statistics (no history); mean unused by rms
  int64_t k = 1;            // layer/rms: number of normalized (trailing) dims
  int64_t groups = 1;       // group
  bool batch_stats = true;  // batch: false in eval mode (running statistics)
  double eps = 1e-5;

  // The dims the statistics reduce over, in the grouped layout.
  std::vector<int64_t> stat_dims(const Tensor& xg) const {
    std::vector<int64_t> d;
    if (kind == NormKind::Group) return {2};
    for (int64_t i = 0; i < xg.dim(); ++i) {
      const bool reduced =
          kind == NormKind::Batch ? i != 1 : i >= xg.dim() - k;  // layer/rms: trailing k
      if (reduced) d.push_back(i);
    }
    return d;
  }
  Tensor grouped(const Tensor& t, const Shape& xs) const {
    if (kind != NormKind::Group) return t;
    const int64_t n = xs[0], c = xs[1];
    int64_t hw = 1;
    for (size_t i = 2; i < xs.size(); ++i) hw *= xs[i];
    return t.reshape({n, groups, c / groups * hw});
  }
  // The forward's statistics shaped to broadcast against the grouped layout.
  Tensor stat_view(const Tensor& s, const Tensor& xg) const {
    const Tensor sc = in_compute(s);
    if (kind == NormKind::Group) return sc.unsqueeze(2);
    if (kind == NormKind::Batch) {
      Shape shape(static_cast<size_t>(xg.dim()), 1);
      shape[1] = xg.size(1);
      return sc.reshape(shape);
    }
    return sc;  // layer/rms: already [*, 1, ..., 1]
  }
  // A per-channel / per-feature parameter shaped to broadcast against x.
  Tensor param_view(const Tensor& p, const Tensor& xv) const {
    if (kind == NormKind::Layer || kind == NormKind::Rms || xv.dim() <= 2) return p;
    Shape shape(static_cast<size_t>(xv.dim() - 1), 1);
    shape[0] = p.size(0);
    return p.reshape(shape);
  }
  // Sums t (x's shape) down to a parameter's shape.
  Tensor param_sum(const Tensor& t, const Shape& param_shape) const {
    if (kind == NormKind::Layer || kind == NormKind::Rms) return sum_to(t, param_shape);
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < t.dim(); ++i)
      if (i != 1) dims.push_back(i);
    return sum(t, ops::Dims(dims));
  }

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor xv = in_compute(x.unpack(*this));
    const Tensor g = in_compute(grads[0]);
    const Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    const Shape& xs = xv.sizes();
    const Tensor xg = grouped(xv, xs);
    const std::vector<int64_t> dims_v = stat_dims(xg);
    const ops::Dims dims(dims_v);
    const bool centered = kind != NormKind::Rms;
    const bool recompute = GradMode::is_enabled() && (kind != NormKind::Batch || batch_stats);

    // Statistics: recomputed differentiably under create_graph, else the forward's.
    Tensor mu, rs;
    if (recompute) {
      Tensor xc = xg;
      if (centered) {
        mu = mica::mean(xg, dims, true);
        xc = sub(xg, mu);
      }
      rs = rsqrt(add(mica::mean(mul(xc, xc), dims, true), eps));
    } else {
      if (centered) mu = stat_view(mean, xg);
      rs = stat_view(rstd, xg);
    }
    const Tensor xhat_g = mul(centered ? sub(xg, mu) : xg, rs);
    const Tensor xhat = kind == NormKind::Group ? xhat_g.reshape(xs) : xhat_g;

    Tensor gx, gw, gb;
    if (needs_input_grad(0)) {
      const Tensor gh = w.defined() ? mul(g, param_view(in_compute(w), xv)) : g;
      const Tensor ghg = grouped(gh, xs);
      if (kind == NormKind::Batch && !batch_stats) {
        gx = mul(ghg, rs);  // eval: the statistics are constants
      } else {
        Tensor inner = sub(ghg, mul(xhat_g, mica::mean(mul(ghg, xhat_g), dims, true)));
        if (centered) inner = sub(inner, mica::mean(ghg, dims, true));
        gx = mul(inner, rs);
      }
      if (kind == NormKind::Group) gx = gx.reshape(xs);
    }
    if (needs_input_grad(1)) gw = param_sum(mul(g, xhat), w.sizes());
    if (needs_input_grad(2)) {
      const Shape ps = kind == NormKind::Layer ? Shape(xs.end() - k, xs.end()) : Shape{xs[1]};
      gb = param_sum(g, ps);
    }
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    weight.reset();
    mean = Tensor();
    rstd = Tensor();
  }
};

std::shared_ptr<NormBackward> norm_node(NormKind kind, const Tensor& x, const Tensor& weight,
                                        const Tensor& bias, const Tensor& mean, const Tensor& rstd,
                                        double eps) {
  auto node = make_node<NormBackward>({&x, &weight, &bias});
  if (!node) return nullptr;
  node->kind = kind;
  node->x = SavedVariable(x, false);
  if (weight.defined()) node->weight = SavedVariable(weight, false);
  node->mean = mean;
  node->rstd = rstd;
  node->eps = eps;
  return node;
}

// Dropout's backward: the upstream gradient times the saved mask scaled by 1 / (1 - p)
// (all zeros for p = 1). Linear in the gradient, so it is its own double backward.
struct DropoutBackward : Node {
  MICA_NODE_NAME("DropoutBackward")
  Tensor scaled_mask;  // x's shape, compute dtype; a constant
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {mul(in_compute(grads[0]), scaled_mask)};
  }
  void release_saved() override { scaled_mask = Tensor(); }
};
}  // namespace

Tensor layer_norm(const Tensor& x_in, const Shape& normalized_shape, const Tensor& weight_in,
                  const Tensor& bias_in, double eps) {
  const Tensor x = autocast::to_float(x_in), weight = autocast::to_float(weight_in),
               bias = autocast::to_float(bias_in);
  ops::NormForward f =
      raw([&] { return ops::layer_norm_forward(x, normalized_shape, weight, bias, eps); });
  if (auto node = norm_node(NormKind::Layer, x, weight, bias, f.mean, f.rstd, eps)) {
    node->k = static_cast<int64_t>(normalized_shape.size());
    set_history(f.out, node);
  }
  return f.out;
}

Tensor rms_norm(const Tensor& x_in, const Shape& normalized_shape, const Tensor& weight_in,
                std::optional<double> eps) {
  const Tensor x = autocast::to_float(x_in), weight = autocast::to_float(weight_in);
  ops::RmsNormForward f =
      raw([&] { return ops::rms_norm_forward(x, normalized_shape, weight, eps); });
  // The raw op's default: the machine epsilon of the compute type.
  const double e = eps ? *eps
                   : x.dtype() == kFloat64
                       ? std::numeric_limits<double>::epsilon()
                       : static_cast<double>(std::numeric_limits<float>::epsilon());
  if (auto node = norm_node(NormKind::Rms, x, weight, Tensor(), Tensor(), f.rstd, e)) {
    node->k = static_cast<int64_t>(normalized_shape.size());
    set_history(f.out, node);
  }
  return f.out;
}

Tensor group_norm(const Tensor& x_in, int64_t num_groups, const Tensor& weight_in,
                  const Tensor& bias_in, double eps) {
  const Tensor x = autocast::to_float(x_in), weight = autocast::to_float(weight_in),
               bias = autocast::to_float(bias_in);
  ops::NormForward f =
      raw([&] { return ops::group_norm_forward(x, num_groups, weight, bias, eps); });
  if (auto node = norm_node(NormKind::Group, x, weight, bias, f.mean, f.rstd, eps)) {
    node->groups = num_groups;
    set_history(f.out, node);
  }
  return f.out;
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  // The running statistics are updated in place by the raw kernel (once per call) and are never
  // part of the graph: they get no history and no gradient.
  ops::BatchNormForward f = [&] {
    NoGradGuard no_grad;
    return raw([&] {
      return ops::batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum,
                                     eps);
    });
  }();
  if (auto node = norm_node(NormKind::Batch, x, weight, bias, f.save_mean, f.save_invstd, eps)) {
    node->batch_stats = training;
    set_history(f.out, node);
  }
  return f.out;
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* generator) {
  // Evaluation and p = 0 are the identity, like torch (the input itself; nothing is drawn). The
  // raw op still checks its arguments.
  if (!training || p == 0.0) {
    raw([&] {  // argument checks only: an empty tensor of x's dtype and device
      return ops::dropout(x.defined() ? empty({0}, x.options()) : x, p, training, generator);
    });
    return x;
  }
  ops::DropoutResult r = raw([&] { return ops::dropout(x, p, training, generator); });
  if (auto node = make_node<DropoutBackward>({&x})) {
    node->scaled_mask = raw([&] {
      const Tensor m = r.mask.to(compute_dtype(x.dtype()));
      return p >= 1.0 ? ops::mul(m, 0.0) : ops::mul(m, 1.0 / (1.0 - p));
    });
    set_history(r.output, node);
  }
  return r.output;
}

}  // namespace mica
