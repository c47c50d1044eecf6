// Finite-difference gradient checks. The numerical Jacobian perturbs detached copies of the
// inputs (so the analytic graph's saved tensors stay untouched); the analytic Jacobian takes
// one grad() call per output element.
#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/engine.h"
#include "autograd/function.h"
#include "tensor/ops.h"

namespace mica::autograd {

namespace {
std::vector<double> to_vec(const Tensor& t) {
  Tensor c = raw([&] { return t.to(kFloat64).contiguous(); });
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// Flattened outputs of fn on detached copies of inputs (no graph).
std::vector<std::vector<double>> evaluate(const TensorFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  std::vector<std::vector<double>> out;
  for (const Tensor& o : fn(inputs)) out.push_back(o.defined() ? to_vec(o) : std::vector<double>{});
  return out;
}
}  // namespace

GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs,
                          GradcheckOptions opts) {
  std::vector<size_t> checked;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    MICA_CHECK(inputs[i].dtype() == kFloat64, "gradcheck: input ", i, " is ",
               dtype_name(inputs[i].dtype()), "; gradcheck needs float64 inputs");
    checked.push_back(i);
  }
  MICA_CHECK(!checked.empty(), "gradcheck: no input requires grad");

  // Analytic: one backward per output element.
  const std::vector<Tensor> outputs = fn(inputs);
  std::vector<Tensor> with_grad_in;
  for (size_t i : checked) with_grad_in.push_back(inputs[i]);
  // analytic[k][input][out_elem] = d out_k[out_elem] / d input (flattened)
  std::vector<std::vector<std::vector<std::vector<double>>>> analytic(outputs.size());
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    if (!out.defined() || !is_floating(out.dtype())) continue;
    analytic[k].assign(checked.size(), {});
    for (int64_t j = 0; j < out.numel(); ++j) {
      if (!out.requires_grad()) {
        for (size_t c = 0; c < checked.size(); ++c)
          analytic[k][c].push_back(std::vector<double>(inputs[checked[c]].numel(), 0.0));
        continue;
      }
      Tensor seed = zeros(out.sizes(), out.options());
      raw([&] { return seed.reshape({-1}).select(0, j).fill_(1.0); });
      const auto g =
          grad({out}, with_grad_in, {seed}, {.retain_graph = true, .allow_unused = true});
      for (size_t c = 0; c < checked.size(); ++c)
        analytic[k][c].push_back(
            g[c].defined() ? to_vec(g[c]) : std::vector<double>(inputs[checked[c]].numel(), 0.0));
    }
  }

  // Numerical: central differences on detached copies.
  std::vector<Tensor> copies;
  for (const Tensor& t : inputs)
    copies.push_back(t.defined() ? raw([&] { return t.detach().clone(); }) : t);
  for (size_t c = 0; c < checked.size(); ++c) {
    Tensor& x = copies[checked[c]];
    double* p = x.data_ptr<double>();
    for (int64_t e = 0; e < x.numel(); ++e) {
      const double orig = p[e];
      p[e] = orig + opts.eps;
      const auto plus = evaluate(fn, copies);
      p[e] = orig - opts.eps;
      const auto minus = evaluate(fn, copies);
      p[e] = orig;
      for (size_t k = 0; k < outputs.size(); ++k) {
        if (analytic[k].empty()) continue;
        for (size_t j = 0; j < plus[k].size(); ++j) {
          const double numeric = (plus[k][j] - minus[k][j]) / (2 * opts.eps);
          const double a = analytic[k][c][j][static_cast<size_t>(e)];
          // A NaN or infinity matches only the same non-finite value on the other side; a
          // NaN must never pass for a gradient that was not really compared.
          const bool same_non_finite =
              (std::isnan(a) && std::isnan(numeric)) || (std::isinf(a) && a == numeric);
          if (!same_non_finite &&
              !(std::fabs(a - numeric) <= opts.atol + opts.rtol * std::fabs(numeric))) {
            std::ostringstream os;
            os << "gradcheck: input " << checked[c] << " element " << e << ", output " << k
               << " element " << j << ": analytic " << a << " vs numerical " << numeric;
            return {false, os.str()};
          }
        }
      }
    }
  }
  return {};
}

GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions opts) {
  // Random upstream gradients (fixed by a local seed) become extra inputs of the checked function.
  const std::vector<Tensor> outputs = fn(inputs);
  Generator gen(20261128);
  std::vector<Tensor> extended = inputs;
  std::vector<size_t> out_index;
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (!outputs[k].defined() || !outputs[k].requires_grad()) continue;
    Tensor v = randn(outputs[k].sizes(), TensorOptions(kFloat64), &gen);
    v.requires_grad_(true);
    extended.push_back(v);
    out_index.push_back(k);
  }
  const size_t n_in = inputs.size();
  TensorFn first_grads = [&](const std::vector<Tensor>& xs) {
    std::vector<Tensor> ins(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(n_in));
    std::vector<Tensor> outs = fn(ins);
    std::vector<Tensor> roots, seeds, wrt;
    for (size_t m = 0; m < out_index.size(); ++m) {
      roots.push_back(outs[out_index[m]]);
      seeds.push_back(xs[n_in + m]);
    }
    for (const Tensor& t : ins)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    if (!GradMode::is_enabled()) {  // numerical evaluation: recompute with a graph, then drop it
      AutoGradMode on(true);
      // gradcheck hands detached copies here: which of them need grad comes from extended.
      std::vector<Tensor> fresh;
      for (size_t i = 0; i < xs.size(); ++i) {
        Tensor c = xs[i].defined() ? xs[i].detach() : xs[i];
        if (extended[i].defined() && extended[i].requires_grad()) c.requires_grad_(true);
        fresh.push_back(c);
      }
      std::vector<Tensor> fresh_in(fresh.begin(),
                                   fresh.begin() + static_cast<std::ptrdiff_t>(n_in));
      std::vector<Tensor> fo = fn(fresh_in);
      std::vector<Tensor> r2, s2, w2;
      for (size_t m = 0; m < out_index.size(); ++m) {
        r2.push_back(fo[out_index[m]]);
        s2.push_back(fresh[n_in + m]);
      }
      for (const Tensor& t : fresh_in)
        if (t.defined() && t.requires_grad()) w2.push_back(t);
      auto g = grad(r2, w2, s2, {.allow_unused = true});
      for (Tensor& t : g) t = t.defined() ? t.detach() : t;
      return g;
    }
    return grad(roots, wrt, seeds, {.create_graph = true, .allow_unused = true});
  };
  return gradcheck(first_grads, extended, opts);
}

}  // namespace mica::autograd
