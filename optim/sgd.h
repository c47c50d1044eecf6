// SGD with momentum, dampening, Nesterov momentum, weight decay and maximize: PyTorch 1.13's
// update, step for step (torch.optim.SGD, single-tensor path).
#pragma once

#include "optim/optimizer.h"

namespace mica::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
  bool maximize = false;
};

// Per parameter p with gradient g (negated when maximize):
//   g += weight_decay * p
//   buf = g (first step) or buf = momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf          (when momentum != 0)
//   p -= lr * g
// State: "momentum_buffer" (when momentum != 0).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});
  SGD(const std::vector<ParamGroupSpec>& groups, const SGDOptions& options = {});

  void step() override;
  const char* name() const override { return "SGD"; }

 protected:
  void check_group(const ParamGroup& group) const override;
  std::vector<std::string> state_buffer_names(const ParamGroup& group) const override;
};

}  // namespace mica::optim
