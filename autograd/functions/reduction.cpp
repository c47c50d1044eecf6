// Differentiable reductions: sum, mean, prod, var, std, amax/amin (and max/min over all
// elements), norm, logsumexp, sum_to (the adjoint of broadcasting, which the engine uses to
// un-broadcast gradients), and the non-differentiable argmax/argmin/all/any. Backward formulas
// are written with differentiable ops, so create_graph gives second derivatives; the tie and
// zero rules are documented in autograd/ops/reduction.h.
#include <cmath>
#include <limits>
#include "autograd/autocast.h"

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
// Sorted, wrapped dims (all dims when empty).
std::vector<int64_t> reduced_dims(const ops::Dims& dims, int64_t ndim) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
  } else {
    for (int64_t d : dims.vec()) {
      const int64_t w = wrap_dim(d, ndim, "sum");
      if (ndim > 0) out.push_back(w);  // a 0-d tensor's dim 0 / -1 has no size to reduce
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What every reduction node knows: the input's sizes and the reduced dims.
struct Reduced {
  Shape sizes;
  std::vector<int64_t> dims;  // sorted, wrapped
  bool keepdim = false;

  // r (a result or its gradient) with the reduced dims back as size 1 (differentiable).
  Tensor kept(const Tensor& r) const {
    Tensor t = r;
    if (!keepdim && !sizes.empty())
      for (int64_t d : dims) t = t.unsqueeze(d);
    return t;
  }
  // r broadcast back over the input's shape (differentiable).
  Tensor expand(const Tensor& r) const { return kept(r).expand(sizes); }
  // Elements per group.
  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= sizes[static_cast<size_t>(d)];
    return n;
  }
  // The reduced dims for a keepdim reduction inside a backward ({} means all dims, also for 0-d).
  ops::Dims keep_dims() const { return ops::Dims(dims); }
};

Reduced reduced(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return {x.sizes(), reduced_dims(dims, x.dim()), keepdim};
}

// ---- sum, mean, sum_to ----

// Broadcasts the gradient of a reduction back over the reduced dims.
struct ReduceBackward : Node {
  std::string node_name;
  std::string name() const override { return node_name; }
  Reduced r;
  double scale = 1.0;  // 1 for sum, 1/count for mean
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor grad = r.expand(g[0]);
    return {scale == 1.0 ? grad : mul(grad, scale)};
  }
};

Tensor reduce(const char* name, const Tensor& x, Tensor out, const ops::Dims& dims, bool keepdim,
              bool is_mean) {
  if (auto node = make_node<ReduceBackward>({&x})) {
    node->node_name = name;
    node->r = reduced(x, dims, keepdim);
    if (is_mean) {
      const int64_t count = node->r.count();
      node->scale = count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
    }
    set_history(out, node);
  }
  return out;
}

struct SumToBackward : Node {
  MICA_NODE_NAME("SumToBackward")
  Shape input_sizes;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].expand(input_sizes)}; }
};

// ---- nodes that need the input and/or the result ----

// Backward of a reduction as a formula of (gradient, input, result, geometry).
struct ReductionBackward : Node {
  std::string node_name;
  std::string name() const override { return node_name; }
  Reduced r;
  SavedVariable x, result;
  std::function<Tensor(const Tensor& g, const Tensor& x, const Tensor& out, const Reduced& r)>
      formula;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {formula(g[0], x.unpack(*this), result.unpack(*this), r)};
  }
  void release_saved() override {
    x.reset();
    result.reset();
  }
};

template <class F>
Tensor record(const char* name, const Tensor& x, Tensor out, const ops::Dims& dims, bool keepdim,
              bool save_result, F formula) {
  if (auto node = make_node<ReductionBackward>({&x})) {
    node->node_name = name;
    node->r = reduced(x, dims, keepdim);
    node->formula = std::move(formula);
    set_history(out, node);  // before saving out: the saved result keeps its history
    node->x = SavedVariable(x, false);
    if (save_result) node->result = SavedVariable(out, true);
  }
  return out;
}

// prod: d out / d x_i = product of the others. Without zeros that is out / x_i. With zeros, on
// x_safe = x with its zeros replaced by 1 and p = prod(x_safe) per group:
//   no zero in the group:  p / x_i
//   one zero (at i = z):   p at z; elsewhere p / x_i * (sum of the group's zero elements)
//   two or more:           0
// The factor "sum of the zero elements" is 0 in value but keeps d^2 out / dx_z dx_i = p / x_i,
// so second derivatives are exact for groups with at most one zero.
Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, const Reduced& r) {
  const Tensor is_zero = raw([&] { return ops::eq(x, 0); });
  const bool any_zero = raw([&] { return ops::any(is_zero); }).item<bool>();
  if (!any_zero) return div(mul(r.expand(g), r.expand(out)), x);
  const Tensor zf = mask_like(is_zero, x);
  const Tensor zeros_per_group = raw([&] { return ops::sum(zf, r.keep_dims(), true); });
  const Tensor none = mask_like(raw([&] { return ops::eq(zeros_per_group, 0); }), x);
  const Tensor one = mask_like(raw([&] { return ops::eq(zeros_per_group, 1); }), x);
  const Tensor nonzero = mask_like(raw([&] { return ops::logical_not(is_zero); }), x);
  const Tensor x_safe = add(x, zf);
  const Tensor p = prod(x_safe, r.keep_dims(), true);
  const Tensor zero_sum = sum(mul(x, zf), r.keep_dims(), true);
  // none + one * (zf + (1 - zf) * zero_sum)
  const Tensor factor = add(none, mul(one, add(zf, mul(nonzero, zero_sum))));
  return mul(div(mul(r.kept(g), p), x_safe), factor);
}

// var: d/dx_i = 2 (x_i - mean) / max(0, N - correction).
double var_denominator(const Reduced& r, double correction) {
  return std::max(0.0, static_cast<double>(r.count()) - correction);
}

// amax/amin (and max/min over all elements): the gradient is split evenly among the elements
// equal to the result.
Tensor extreme_backward(const Tensor& g, const Tensor& x, const Tensor& out, const Reduced& r) {
  const Tensor share = raw([&] {
    const Tensor mask = ops::eq(x, r.expand(out)).to(x.dtype());
    return ops::div(mask, ops::sum(mask, r.keep_dims(), true));
  });
  return mul(r.expand(g), share);
}

Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& out, const Reduced& r,
                     double p) {
  if (p == 0) return zeros(x.sizes(), x.options());
  const Tensor sign = raw([&] { return ops::sign(x); });
  if (p == 1) return mul(r.expand(g), sign);
  const Tensor out_e = r.expand(out);
  const Tensor norm_is_zero = raw([&] { return ops::eq(out_e, 0); });
  if (p == 2) return masked_fill(div(mul(r.expand(g), x), out_e), norm_is_zero, 0);
  if (std::isinf(p)) {  // like amax(|x|): split evenly among the ties
    const Tensor share = raw([&] {
      const Tensor mask = ops::eq(ops::abs(x), out_e).to(x.dtype());
      return ops::mul(sign, ops::div(mask, ops::sum(mask, r.keep_dims(), true)));
    });
    return mul(r.expand(g), share);
  }
  if (p < 1) {  // |x|^(p-1) is infinite at 0: zero elements get no gradient (like PyTorch)
    const Tensor x_is_zero = raw([&] { return ops::eq(x, 0); });
    const Tensor scaled = mul(sign, masked_fill(pow(abs(x), p - 1), x_is_zero, 0));
    return mul(mul(r.expand(g), scaled), pow(out_e, 1 - p));
  }
  const Tensor scaled = mul(sign, pow(abs(x), p - 1));
  return masked_fill(div(mul(r.expand(g), scaled), pow(out_e, p - 1)), norm_is_zero, 0);
}
}  // namespace

Tensor sum(const Tensor& x_in, const ops::Dims& dims, bool keepdim) {
  const Tensor x = autocast::to_float(x_in);
  return reduce("SumBackward", x, raw([&] { return ops::sum(x, dims, keepdim); }), dims, keepdim,
                false);
}

Tensor mean(const Tensor& x_in, const ops::Dims& dims, bool keepdim) {
  const Tensor x = autocast::to_float(x_in);
  return reduce("MeanBackward", x, raw([&] { return ops::mean(x, dims, keepdim); }), dims, keepdim,
                true);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.sizes() == shape) return x;
  Tensor out = raw([&] { return ops::sum_to(x, shape); });
  if (auto node = make_node<SumToBackward>({&x})) {
    node->input_sizes = x.sizes();
    set_history(out, node);
  }
  return out;
}

Tensor prod(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return record("ProdBackward", x, raw([&] { return ops::prod(x, dims, keepdim); }), dims, keepdim,
                true, prod_backward);
}

Tensor var(const Tensor& x, const ops::Dims& dims, double correction, bool keepdim) {
  return record("VarBackward", x, raw([&] { return ops::var(x, dims, correction, keepdim); }), dims,
                keepdim, false,
                [correction](const Tensor& g, const Tensor& xv, const Tensor&, const Reduced& r) {
                  const Tensor centered = sub(xv, mean(xv, r.keep_dims(), true));
                  return mul(mul(r.expand(g), centered), 2.0 / var_denominator(r, correction));
                });
}

Tensor std(const Tensor& x, const ops::Dims& dims, double correction, bool keepdim) {
  return record(
      "StdBackward", x, raw([&] { return ops::std(x, dims, correction, keepdim); }), dims, keepdim,
      true, [correction](const Tensor& g, const Tensor& xv, const Tensor& out, const Reduced& r) {
        // d sqrt(var) = d var / (2 std)
        const Tensor centered = sub(xv, mean(xv, r.keep_dims(), true));
        return mul(div(mul(r.expand(g), centered), r.expand(out)),
                   1.0 / var_denominator(r, correction));
      });
}

Tensor amax(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return record("AmaxBackward", x, raw([&] { return ops::amax(x, dims, keepdim); }), dims, keepdim,
                true, extreme_backward);
}

Tensor amin(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return record("AminBackward", x, raw([&] { return ops::amin(x, dims, keepdim); }), dims, keepdim,
                true, extreme_backward);
}

Tensor max(const Tensor& x) {
  return record("MaxBackward", x, raw([&] { return ops::max(x); }), {}, false, true,
                extreme_backward);
}

Tensor min(const Tensor& x) {
  return record("MinBackward", x, raw([&] { return ops::min(x); }), {}, false, true,
                extreme_backward);
}

Tensor norm(const Tensor& x, double p, const ops::Dims& dims, bool keepdim) {
  return record("NormBackward", x, raw([&] { return ops::norm(x, p, dims, keepdim); }), dims,
                keepdim, true,
                [p](const Tensor& g, const Tensor& xv, const Tensor& out, const Reduced& r) {
                  return norm_backward(g, xv, out, r, p);
                });
}

Tensor logsumexp(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return record("LogsumexpBackward", x, raw([&] { return ops::logsumexp(x, dims, keepdim); }), dims,
                keepdim, true,
                [](const Tensor& g, const Tensor& xv, const Tensor& out, const Reduced& r) {
                  return mul(r.expand(g), exp(sub(xv, r.expand(out))));
                });
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return raw([&] { return ops::argmax(x, dim, keepdim); });
}

Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return raw([&] { return ops::argmin(x, dim, keepdim); });
}

Tensor all(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return raw([&] { return ops::all(x, dims, keepdim); });
}

Tensor any(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return raw([&] { return ops::any(x, dims, keepdim); });
}

}  // namespace mica
