// SGD: torch 1.13's _single_tensor_sgd on mica's raw in-place ops.
#include "optim/sgd.h"

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/pointwise.h"

namespace mica::optim {

namespace {

ParamGroup sgd_defaults(const SGDOptions& o) {
  ParamGroup g;
  g.lr = o.lr;
  g.momentum = o.momentum;
  g.dampening = o.dampening;
  g.weight_decay = o.weight_decay;
  g.nesterov = o.nesterov;
  g.maximize = o.maximize;
  return g;
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options) : Optimizer(sgd_defaults(options)) {
  check_group(defaults());
  MICA_CHECK(!params.empty(), "SGD: got an empty parameter list");
  ParamGroup g = defaults();
  g.params = std::move(params);
  add_param_group(std::move(g));
}

SGD::SGD(const std::vector<ParamGroupSpec>& groups, const SGDOptions& options)
    : Optimizer(sgd_defaults(options)) {
  check_group(defaults());
  MICA_CHECK(!groups.empty(), "SGD: got an empty list of parameter groups");
  for (const ParamGroupSpec& spec : groups) add_param_group(spec);
}

void SGD::check_group(const ParamGroup& g) const {
  MICA_CHECK(g.lr >= 0, "SGD: invalid learning rate ", g.lr);
  MICA_CHECK(g.momentum >= 0, "SGD: invalid momentum ", g.momentum);
  MICA_CHECK(g.weight_decay >= 0, "SGD: invalid weight_decay ", g.weight_decay);
  MICA_CHECK(!g.nesterov || (g.momentum > 0 && g.dampening == 0),
             "SGD: nesterov momentum requires a momentum > 0 and zero dampening (momentum ",
             g.momentum, ", dampening ", g.dampening, ")");
}

std::vector<std::string> SGD::state_buffer_names(const ParamGroup& g) const {
  if (g.momentum != 0) return {"momentum_buffer"};
  return {};
}

void SGD::step() {
  NoGradGuard no_grad;
  for (ParamGroup& group : param_groups()) {
    for (Tensor& p : group.params) {
      Tensor d_p = p.grad();
      if (!d_p.defined()) continue;
      MICA_CHECK(d_p.sizes() == p.sizes(), "SGD: gradient shape does not match its parameter");
      if (group.maximize) d_p = ops::neg(d_p);
      if (group.weight_decay != 0) d_p = ops::add(d_p, p, group.weight_decay);
      ParamState& st = state(p);
      ++st.step;
      if (group.momentum != 0) {
        if (!st.buffers.contains("momentum_buffer")) {
          st.buffers.insert("momentum_buffer", d_p.clone());
          d_p = group.nesterov ? ops::add(d_p, st.buffers.at("momentum_buffer"), group.momentum)
                               : st.buffers.at("momentum_buffer");
        } else {
          Tensor& buf = st.buffers.at("momentum_buffer");
          ops::mul_(buf, group.momentum);
          ops::add_(buf, d_p, 1 - group.dampening);
          d_p = group.nesterov ? ops::add(d_p, buf, group.momentum) : buf;
        }
      }
      ops::add_(p, d_p, -group.lr);
    }
  }
}

}  // namespace mica::optim
