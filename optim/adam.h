// Adam and AdamW (with AMSGrad and maximize): PyTorch 1.13's updates, bias correction included
// (torch.optim.Adam / AdamW, single-tensor path). Contiguous float32 CPU parameters take a fused
// single-pass kernel; everything else runs on mica's raw in-place ops.
#pragma once

#include "optim/optimizer.h"

namespace mica::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;  // L2: added to the gradient
  bool amsgrad = false;
  bool maximize = false;
};

struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - lr * weight_decay
  bool amsgrad = false;
  bool maximize = false;
};

// Per parameter p with gradient g (negated when maximize), t = the parameter's step (from 1):
//   Adam:  g += weight_decay * p          AdamW: p *= 1 - lr * weight_decay
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_hat = amsgrad ? (v_max = max(v_max, v)) : v
//   p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
// State: "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq".
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  Adam(const std::vector<ParamGroupSpec>& groups, const AdamOptions& options = {});

  void step() override;
  const char* name() const override { return decoupled_ ? "AdamW" : "Adam"; }

 protected:
  Adam(ParamGroup defaults, bool decoupled);
  void check_group(const ParamGroup& group) const override;
  std::vector<std::string> state_buffer_names(const ParamGroup& group) const override;
  void add_groups(std::vector<Tensor> params);
  void add_groups(const std::vector<ParamGroupSpec>& groups);

 private:
  bool decoupled_;  // AdamW's decoupled weight decay
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
  AdamW(const std::vector<ParamGroupSpec>& groups, const AdamWOptions& options = {});
};

}  // namespace mica::optim
