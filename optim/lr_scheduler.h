// Learning-rate schedulers (torch.optim.lr_scheduler and Hugging Face's warmup schedules). A
// scheduler sets each group's lr from a closed form of the step count, so its state is just
// (last_epoch, base_lrs) and resuming is exact. Like torch, constructing one applies step 0's
// lr; call step() after each optimizer.step().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace mica::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one step and sets every group's lr (and momentum, for OneCycleLR).
  void step();
  // The lrs set by the last step (one per group).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  virtual const char* name() const = 0;

  // JSON: {"type", "last_epoch", "base_lrs"}. Loading checks the type and group count, then
  // re-applies the lr of the saved step to the optimizer.
  std::string state_dict() const;
  void load_state_dict(const std::string& json);

  // The lr of group `group` at step `epoch` (closed form).
  virtual double lr_at(int64_t epoch, size_t group) const = 0;

 protected:
  // Records base_lrs: each group's initial_lr, set to its lr when absent (torch's 'initial_lr').
  explicit LRScheduler(Optimizer& optimizer);
  // Derived constructors end with this: applies step 0 (last_epoch -1 -> 0), like torch.
  void initialize() { step(); }
  // Extra per-step work (OneCycleLR's momentum).
  virtual void apply_extra(int64_t /*epoch*/) {}
  // Replaces the base lrs (OneCycleLR derives them from max_lr), also as the groups' initial_lr.
  void set_base_lrs(std::vector<double> lrs);
  Optimizer& optimizer_;

 private:
  void apply(int64_t epoch);
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
};

// lr = base_lr * lambda(epoch) (one function for every group, or one per group).
class LambdaLR : public LRScheduler {
 public:
  using Fn = std::function<double(int64_t)>;
  LambdaLR(Optimizer& optimizer, Fn lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Fn> lr_lambdas);
  const char* name() const override { return "LambdaLR"; }
  double lr_at(int64_t epoch, size_t group) const override;

 protected:
  LambdaLR(Optimizer& optimizer, Fn lr_lambda, bool defer_init);

 private:
  std::vector<Fn> fns_;
};

// torch's ConstantLR: base_lr * factor for epoch < total_iters, then base_lr.
struct ConstantLROptions {
  double factor = 1.0 / 3;
  int64_t total_iters = 5;
};
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, const ConstantLROptions& options = {});
  const char* name() const override { return "ConstantLR"; }
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  ConstantLROptions o_;
};

// torch's LinearLR (linear warmup, or linear decay): the factor goes linearly from start_factor
// to end_factor over total_iters steps, then stays at end_factor.
struct LinearLROptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
};
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, const LinearLROptions& options = {});
  const char* name() const override { return "LinearLR"; }
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  LinearLROptions o_;
};

// torch's StepLR: base_lr * gamma^(epoch / step_size).
struct StepLROptions {
  int64_t step_size = 1;
  double gamma = 0.1;
};
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, const StepLROptions& options);
  const char* name() const override { return "StepLR"; }
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  StepLROptions o_;
};

// torch's MultiStepLR: base_lr * gamma^(number of milestones <= epoch).
struct MultiStepLROptions {
  std::vector<int64_t> milestones{};
  double gamma = 0.1;
};
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options);
  const char* name() const override { return "MultiStepLR"; }
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  MultiStepLROptions o_;
};

// Hugging Face's warmup schedules (transformers.get_*_schedule_with_warmup), as multipliers of
// base_lr: warmup is step / max(1, warmup_steps) for step < warmup_steps, then
//   constant: 1
//   linear:   max(0, (total - step) / max(1, total - warmup))
//   cosine:   max(0, (1 + cos(pi * 2 * num_cycles * progress)) / 2),
//             progress = (step - warmup) / max(1, total - warmup)
struct WarmupOptions {
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;  // linear and cosine
  double num_cycles = 0.5;  // cosine
};
class ConstantWithWarmup : public LambdaLR {
 public:
  ConstantWithWarmup(Optimizer& optimizer, const WarmupOptions& options);
  const char* name() const override { return "ConstantWithWarmup"; }
};
class LinearWithWarmup : public LambdaLR {
 public:
  LinearWithWarmup(Optimizer& optimizer, const WarmupOptions& options);
  const char* name() const override { return "LinearWithWarmup"; }
};
class CosineWithWarmup : public LambdaLR {
 public:
  CosineWithWarmup(Optimizer& optimizer, const WarmupOptions& options);
  const char* name() const override { return "CosineWithWarmup"; }
};

// torch's OneCycleLR: from max_lr / div_factor up to max_lr over pct_start of total_steps, then
// down to initial_lr / final_div_factor (three_phase: back to initial_lr first, then down),
// cosine or linear annealing; with cycle_momentum the group's momentum (SGD) or betas[0] (Adam)
// moves inversely between max_momentum and base_momentum. max_lr: one value, or one per group.
struct OneCycleLROptions {
  std::vector<double> max_lr{};
  int64_t total_steps = 0;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // "cos" or "linear"
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25;
  double final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  const char* name() const override { return "OneCycleLR"; }
  double lr_at(int64_t epoch, size_t group) const override;
  double momentum_at(int64_t epoch) const;

 private:
  void apply_extra(int64_t epoch) override;
  enum Lr { kInitial, kMax, kMin };
  enum Momentum { kMaxMomentum, kBaseMomentum };
  struct Phase {
    double end_step;
    Lr start_lr, end_lr;
    Momentum start_momentum, end_momentum;
  };
  // The phase of epoch and the fraction of it done (torch's search, including its rules for
  // the last phase).
  std::pair<const Phase*, double> phase_of(int64_t epoch) const;
  double anneal(double start, double end, double pct) const;
  double lr_value(Lr which, size_t group) const;
  OneCycleLROptions o_;
  std::vector<double> max_lrs_;
  std::vector<Phase> phases_;
  bool use_beta1_ = false;
};

}  // namespace mica::optim
