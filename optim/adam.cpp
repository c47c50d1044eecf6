// Adam / AdamW: torch 1.13's _single_tensor_adam(w) on mica's raw in-place ops, plus a fused
// one-pass CPU kernel for contiguous float32 tensors that performs the same float32 operations
// in the same order (so both paths agree with torch to float32 rounding).
#include "optim/adam.h"

#include <algorithm>
#include <cmath>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/pointwise.h"
#include "tensor/parallel.h"

namespace mica::optim {

namespace {

template <class O>
ParamGroup adam_defaults(const O& o) {
  ParamGroup g;
  g.lr = o.lr;
  g.betas = o.betas;
  g.eps = o.eps;
  g.weight_decay = o.weight_decay;
  g.amsgrad = o.amsgrad;
  g.maximize = o.maximize;
  return g;
}

// The scalars of one step, computed in double like torch's Python floats.
struct StepScalars {
  double lr, beta1, beta2, eps, weight_decay;
  double step_size;              // lr / (1 - beta1^t)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^t)
};

bool fusable(const Tensor& p, const Tensor& g, const ParamState& st, bool amsgrad) {
  auto ok = [&](const Tensor& t) {
    return t.dtype() == kFloat32 && t.is_cpu() && t.is_contiguous();
  };
  return ok(p) && ok(g) && ok(st.buffers.at("exp_avg")) && ok(st.buffers.at("exp_avg_sq")) &&
         (!amsgrad || ok(st.buffers.at("max_exp_avg_sq")));
}

// One pass over contiguous float32 data; the float32 operation order is torch's:
// mul_(1 - lr * wd) | grad.add(p, alpha=wd), exp_avg.mul_(b1).add_(g, alpha=1-b1),
// exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2), denom = sqrt(v) / bc2_sqrt + eps,
// p.addcdiv_(exp_avg, denom, value=-step_size) = p + (-step_size * m) / denom.
void fused_adam_f32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,
                    const StepScalars& s, bool decoupled, bool amsgrad, bool maximize) {
  const float decay = static_cast<float>(1 - s.lr * s.weight_decay);
  const float wd = static_cast<float>(s.weight_decay);
  const bool l2 = !decoupled && s.weight_decay != 0;
  const float b1 = static_cast<float>(s.beta1), omb1 = static_cast<float>(1 - s.beta1);
  const float b2 = static_cast<float>(s.beta2), omb2 = static_cast<float>(1 - s.beta2);
  const float bc2 = static_cast<float>(s.bias_correction2_sqrt);
  const float eps = static_cast<float>(s.eps);
  const float neg_step = static_cast<float>(-s.step_size);
  parallel_for(0, n, kGrainSize / 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float gi = maximize ? -g[i] : g[i];
      float pi = p[i];
      if (l2) gi = gi + wd * pi;
      if (decoupled) pi = pi * decay;
      const float mi = m[i] * b1 + omb1 * gi;
      const float vi = v[i] * b2 + omb2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      float vh = vi;
      if (amsgrad) {
        vh = std::isnan(vi) || vi > vmax[i] ? vi : vmax[i];
        vmax[i] = vh;
      }
      const float denom = std::sqrt(vh) / bc2 + eps;
      p[i] = pi + neg_step * mi / denom;
    }
  });
}

}  // namespace

Adam::Adam(ParamGroup defaults, bool decoupled)
    : Optimizer(std::move(defaults)), decoupled_(decoupled) {
  check_group(this->defaults());
}

void Adam::add_groups(std::vector<Tensor> params) {
  MICA_CHECK(!params.empty(), name(), ": got an empty parameter list");
  ParamGroup g = defaults();
  g.params = std::move(params);
  add_param_group(std::move(g));
}

void Adam::add_groups(const std::vector<ParamGroupSpec>& groups) {
  MICA_CHECK(!groups.empty(), name(), ": got an empty list of parameter groups");
  for (const ParamGroupSpec& spec : groups) add_param_group(spec);
}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(adam_defaults(options), false) {
  add_groups(std::move(params));
}

Adam::Adam(const std::vector<ParamGroupSpec>& groups, const AdamOptions& options)
    : Adam(adam_defaults(options), false) {
  add_groups(groups);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Adam(adam_defaults(options), true) {
  add_groups(std::move(params));
}

AdamW::AdamW(const std::vector<ParamGroupSpec>& groups, const AdamWOptions& options)
    : Adam(adam_defaults(options), true) {
  add_groups(groups);
}

void Adam::check_group(const ParamGroup& g) const {
  MICA_CHECK(g.lr >= 0, name(), ": invalid learning rate ", g.lr);
  MICA_CHECK(g.eps >= 0, name(), ": invalid epsilon ", g.eps);
  MICA_CHECK(g.betas[0] >= 0 && g.betas[0] < 1, name(),
             ": invalid beta parameter at index 0: ", g.betas[0]);
  MICA_CHECK(g.betas[1] >= 0 && g.betas[1] < 1, name(),
             ": invalid beta parameter at index 1: ", g.betas[1]);
  MICA_CHECK(g.weight_decay >= 0, name(), ": invalid weight_decay ", g.weight_decay);
}

std::vector<std::string> Adam::state_buffer_names(const ParamGroup& g) const {
  if (g.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::step() {
  NoGradGuard no_grad;
  for (ParamGroup& group : param_groups()) {
    for (Tensor& p : group.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      MICA_CHECK(grad.sizes() == p.sizes(), name(),
                 ": gradient shape does not match its parameter");
      ParamState& st = state(p);
      if (!st.buffers.contains("exp_avg")) {
        st.buffers.insert("exp_avg", zeros(p.sizes(), p.options()));
        st.buffers.insert("exp_avg_sq", zeros(p.sizes(), p.options()));
        if (group.amsgrad) st.buffers.insert("max_exp_avg_sq", zeros(p.sizes(), p.options()));
      }
      ++st.step;
      const double t = static_cast<double>(st.step);
      StepScalars s{group.lr, group.betas[0], group.betas[1], group.eps, group.weight_decay, 0, 0};
      s.step_size = s.lr / (1 - std::pow(s.beta1, t));
      s.bias_correction2_sqrt = std::sqrt(1 - std::pow(s.beta2, t));

      Tensor& m = st.buffers.at("exp_avg");
      Tensor& v = st.buffers.at("exp_avg_sq");
      if (fusable(p, grad, st, group.amsgrad)) {
        float* vmax = group.amsgrad ? st.buffers.at("max_exp_avg_sq").data_ptr<float>() : nullptr;
        fused_adam_f32(p.data_ptr<float>(), grad.data_ptr<float>(), m.data_ptr<float>(),
                       v.data_ptr<float>(), vmax, p.numel(), s, decoupled_, group.amsgrad,
                       group.maximize);
        p.bump_version();
        continue;
      }
      if (group.maximize) grad = ops::neg(grad);
      if (decoupled_) {
        ops::mul_(p, 1 - s.lr * s.weight_decay);
      } else if (s.weight_decay != 0) {
        grad = ops::add(grad, p, s.weight_decay);
      }
      ops::mul_(m, s.beta1);
      ops::add_(m, grad, 1 - s.beta1);
      ops::mul_(v, s.beta2);
      ops::addcmul_(v, grad, grad, 1 - s.beta2);
      Tensor denom;
      if (group.amsgrad) {
        Tensor& vmax = st.buffers.at("max_exp_avg_sq");
        vmax.copy_(ops::maximum(vmax, v));
        denom = ops::sqrt(vmax);
      } else {
        denom = ops::sqrt(v);
      }
      ops::div_(denom, s.bias_correction2_sqrt);
      ops::add_(denom, s.eps);
      ops::addcdiv_(p, m, denom, -s.step_size);
    }
  }
}

}  // namespace mica::optim
