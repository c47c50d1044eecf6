// Optimizer base: parameter groups, per-parameter state, zero_grad and the state_dict format
// (tensors "state.<index>.<buffer>" plus a JSON of hyperparameters and step counts).
#include "optim/optimizer.h"

#include <nlohmann/json.hpp>

#include <set>
#include <unordered_set>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/shape.h"

namespace mica::optim {

using json = nlohmann::json;

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    for (Tensor& p : group.params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        g.zero_();
      }
    }
  }
}

void Optimizer::add_param_group(ParamGroup group) {
  const std::string who =
      std::string(name()) + ": parameter group " + std::to_string(groups_.size());
  MICA_CHECK(!group.params.empty(), who, " has no parameters");
  std::unordered_set<const TensorImpl*> seen;
  for (const ParamGroup& g : groups_)
    for (const Tensor& p : g.params) seen.insert(p.impl());
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    MICA_CHECK(p.defined(), who, ": parameter ", i, " is an undefined tensor");
    MICA_CHECK(p.is_floating_point(), who, ": parameter ", i, " has dtype ", dtype_name(p.dtype()),
               "; only floating tensors can be optimized");
    MICA_CHECK(p.is_leaf(), who, ": parameter ", i,
               " is not a leaf tensor (it has a grad_fn); optimize the leaf it was computed from");
    MICA_CHECK(seen.insert(p.impl()).second, who, ": parameter ", i,
               " appears more than once (in this group or an earlier one)");
  }
  check_group(group);
  groups_.push_back(std::move(group));
}

void Optimizer::add_param_group(const ParamGroupSpec& spec) {
  ParamGroup g = defaults_;
  g.params = spec.params;
  if (spec.lr) g.lr = *spec.lr;
  if (spec.weight_decay) g.weight_decay = *spec.weight_decay;
  if (spec.betas) g.betas = *spec.betas;
  if (spec.eps) g.eps = *spec.eps;
  if (spec.momentum) g.momentum = *spec.momentum;
  add_param_group(std::move(g));
}

std::vector<Tensor> Optimizer::params() const {
  std::vector<Tensor> out;
  for (const ParamGroup& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

ParamState& Optimizer::state(const Tensor& p) {
  return state_[p.impl()];
}

const ParamState* Optimizer::find_state(const Tensor& p) const {
  auto it = state_.find(p.impl());
  return it == state_.end() ? nullptr : &it->second;
}

namespace {

json group_json(const ParamGroup& g) {
  json j = {{"lr", g.lr},
            {"weight_decay", g.weight_decay},
            {"betas", {g.betas[0], g.betas[1]}},
            {"eps", g.eps},
            {"amsgrad", g.amsgrad},
            {"momentum", g.momentum},
            {"dampening", g.dampening},
            {"nesterov", g.nesterov},
            {"maximize", g.maximize}};
  if (g.initial_lr) j["initial_lr"] = *g.initial_lr;
  return j;
}

// Reads the hyperparameters of a saved group into g (params untouched).
void read_group(const json& j, ParamGroup& g) {
  g.lr = j.at("lr").get<double>();
  g.weight_decay = j.at("weight_decay").get<double>();
  g.betas = {j.at("betas").at(0).get<double>(), j.at("betas").at(1).get<double>()};
  g.eps = j.at("eps").get<double>();
  g.amsgrad = j.at("amsgrad").get<bool>();
  g.momentum = j.at("momentum").get<double>();
  g.dampening = j.at("dampening").get<double>();
  g.nesterov = j.at("nesterov").get<bool>();
  g.maximize = j.at("maximize").get<bool>();
  g.initial_lr.reset();
  if (j.contains("initial_lr")) g.initial_lr = j.at("initial_lr").get<double>();
}

}  // namespace

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  json j;
  j["type"] = name();
  j["param_groups"] = json::array();
  json steps = json::object();
  int64_t index = 0;
  for (const ParamGroup& g : groups_) {
    json gj = group_json(g);
    gj["params"] = json::array();
    for (const Tensor& p : g.params) {
      gj["params"].push_back(index);
      if (const ParamState* s = find_state(p)) {
        steps[std::to_string(index)] = {{"step", s->step}};
        for (const auto& [buf, t] : s->buffers)
          out.tensors.insert("state." + std::to_string(index) + "." + buf, t);
      }
      ++index;
    }
    j["param_groups"].push_back(std::move(gj));
  }
  j["state"] = std::move(steps);
  out.json = j.dump();
  return out;
}

void Optimizer::load_state_dict(const OptimizerState& saved) {
  const std::string who = std::string(name()) + "::load_state_dict";
  NoGradGuard no_grad;
  json j;
  try {
    j = json::parse(saved.json);
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": the hyperparameter JSON does not parse (", e.what(), ")");
  }
  try {
    MICA_CHECK(j.is_object() && j.contains("type") && j.contains("param_groups"), who,
               ": the JSON is not an optimizer state (no 'type' / 'param_groups')");
    const std::string type = j.at("type").get<std::string>();
    MICA_CHECK(type == name(), who, ": the state was saved by a ", type, " optimizer");
    const json& gjs = j.at("param_groups");
    MICA_CHECK(gjs.size() == groups_.size(), who, ": the state has ", gjs.size(),
               " parameter groups but the optimizer has ", groups_.size());

    // Validate everything into new groups and state before touching this optimizer.
    std::vector<ParamGroup> groups = groups_;
    std::unordered_map<const TensorImpl*, ParamState> state;
    std::set<std::string> used;
    const json& steps = j.contains("state") ? j.at("state") : json::object();
    int64_t index = 0;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      ParamGroup& g = groups[gi];
      const json& gj = gjs.at(gi);
      MICA_CHECK(gj.at("params").size() == g.params.size(), who, ": group ", gi,
                 " of the state has ", gj.at("params").size(),
                 " parameters but the optimizer's has ", g.params.size());
      read_group(gj, g);
      check_group(g);
      for (const Tensor& p : g.params) {
        const std::string key = std::to_string(index);
        const std::string prefix = "state." + key + ".";
        if (steps.contains(key)) {
          ParamState s;
          s.step = steps.at(key).at("step").get<int64_t>();
          for (const std::string& buf : state_buffer_names(g)) {
            const std::string tname = prefix + buf;
            MICA_CHECK(saved.tensors.contains(tname), who, ": missing state tensor '", tname, "'");
            const Tensor& t = saved.tensors.at(tname);
            MICA_CHECK(t.sizes() == p.sizes(), who, ": state tensor '", tname, "' has shape ",
                       shape_str(t.sizes()), " but parameter ", index, " has shape ",
                       shape_str(p.sizes()));
            MICA_CHECK(t.is_floating_point(), who, ": state tensor '", tname, "' has dtype ",
                       dtype_name(t.dtype()), "; expected a floating dtype");
            Tensor copy = empty(p.sizes(), p.options());
            copy.copy_(t);
            s.buffers.insert(buf, copy);
            used.insert(tname);
          }
          state.emplace(p.impl(), std::move(s));
        }
        ++index;
      }
    }
    for (const auto& [tname, t] : saved.tensors)
      MICA_CHECK(used.count(tname) != 0, who, ": unexpected state tensor '", tname,
                 "' (no parameter with state at that index, or a buffer this ", name(),
                 " configuration does not use)");
    groups_ = std::move(groups);
    state_ = std::move(state);
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": malformed optimizer JSON (", e.what(), ")");
  }
}

}  // namespace mica::optim
