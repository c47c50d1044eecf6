// Optimizer: the base of mica's optimizers (PyTorch's torch.optim.Optimizer). Parameters live in
// groups, each with its own hyperparameters (a scheduler or the user edits group.lr between
// steps); per-parameter state is a step count plus named tensors (exp_avg, momentum_buffer, ...).
// state_dict() gives that state as an nn::StateDict plus a JSON string of the hyperparameters,
// so checkpoints store it with the model's tensors.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nn/state_dict.h"
#include "tensor/tensor.h"

namespace mica::optim {

// One parameter group: its tensors and every hyperparameter an optimizer may read (each
// optimizer reads its own; the rest keep their defaults and are ignored).
struct ParamGroup {
  std::vector<Tensor> params{};
  double lr = 1e-3;
  double weight_decay = 0;
  std::array<double, 2> betas{0.9, 0.999};  // Adam, AdamW (OneCycleLR cycles betas[0])
  double eps = 1e-8;                        // Adam, AdamW
  bool amsgrad = false;                     // Adam, AdamW
  double momentum = 0;                      // SGD (OneCycleLR cycles it)
  double dampening = 0;                     // SGD
  bool nesterov = false;                    // SGD
  bool maximize = false;
  // Set by the first LR scheduler attached to the optimizer (torch's 'initial_lr').
  std::optional<double> initial_lr;
};

// A group given at construction: its tensors and the hyperparameters that differ from the
// optimizer's defaults, e.g. {.params = no_decay, .weight_decay = 0}.
struct ParamGroupSpec {
  std::vector<Tensor> params{};
  std::optional<double> lr{};
  std::optional<double> weight_decay{};
  std::optional<std::array<double, 2>> betas{};
  std::optional<double> eps{};
  std::optional<double> momentum{};
};

// Per-parameter state: how many steps the parameter took and its buffers by name.
struct ParamState {
  int64_t step = 0;
  nn::StateDict buffers;
};

// What state_dict() returns: the state tensors named "state.<index>.<buffer>" (index counts
// parameters across groups in order, as torch does) and a JSON document with the optimizer's
// type, each group's hyperparameters and parameter indices, and the per-parameter step counts.
struct OptimizerState {
  nn::StateDict tensors;
  std::string json;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (parameters without one are skipped),
  // run under NoGradGuard on the raw data.
  virtual void step() = 0;
  // "SGD", "Adam", "AdamW".
  virtual const char* name() const = 0;

  // Clears the gradients: undefined (set_to_none, the default, like torch 2) or zero-filled.
  void zero_grad(bool set_to_none = true);

  // Adds a group; its hyperparameters are whatever group holds (start from defaults() to get
  // this optimizer's). Parameters must be floating leaf tensors, each in only one group.
  void add_param_group(ParamGroup group);
  void add_param_group(const ParamGroupSpec& spec);
  // This optimizer's default hyperparameters as a group without parameters.
  const ParamGroup& defaults() const { return defaults_; }

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Every parameter, group by group.
  std::vector<Tensor> params() const;

  // The state of parameter p (created empty on first access).
  ParamState& state(const Tensor& p);
  // Null when p has no state yet.
  const ParamState* find_state(const Tensor& p) const;

  OptimizerState state_dict() const;
  // Restores hyperparameters and state saved by state_dict() of an optimizer of the same type
  // with the same group sizes and parameter shapes; a mismatch throws mica::Error naming it.
  // State tensors are copied into fresh tensors on each parameter's device.
  void load_state_dict(const OptimizerState& state);

 protected:
  // Derived constructors check the defaults and add their groups (check_group is virtual, so
  // the base constructor cannot).
  explicit Optimizer(ParamGroup defaults) : defaults_(std::move(defaults)) {}
  // Throws mica::Error when a hyperparameter is out of range (called for every added group).
  virtual void check_group(const ParamGroup& group) const = 0;
  // The buffers each parameter's state holds after its first step (load_state_dict checks them).
  virtual std::vector<std::string> state_buffer_names(const ParamGroup& group) const = 0;

 private:
  ParamGroup defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace mica::optim
