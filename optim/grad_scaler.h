// GradScaler: dynamic loss scaling for float16 training (torch.cuda.amp.GradScaler). scale(loss)
// multiplies the loss before backward; step(optimizer) unscales the gradients (unless
// unscale_ already did, e.g. before clipping) and skips the step when any gradient is inf/NaN;
// update() then halves the scale after an overflow or doubles it after growth_interval clean
// steps.
//   Tensor loss = scaler.scale(criterion(model(x), y));  loss.backward();
//   scaler.unscale_(opt); clip_grad_norm_(params, 1.0);  // optional
//   scaler.step(opt); scaler.update(); opt.zero_grad();
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "optim/optimizer.h"

namespace mica::optim {

struct GradScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
  bool enabled = true;  // false: scale() and unscale_() do nothing, step() just steps
};

class GradScaler {
 public:
  explicit GradScaler(const GradScalerOptions& options = {});

  // loss * scale (differentiable); the loss itself when disabled.
  Tensor scale(const Tensor& loss) const;
  // Divides the optimizer's gradients by the scale in place and records whether any is inf/NaN.
  // Once per optimizer between update()s.
  void unscale_(Optimizer& optimizer);
  // Unscales if needed, then optimizer.step() unless a gradient was inf/NaN. Returns whether it
  // stepped. Once per optimizer between update()s.
  bool step(Optimizer& optimizer);
  // Adjusts the scale from this iteration's overflows (any optimizer), then starts a new one.
  void update();
  // Sets the scale explicitly (the growth tracker restarts).
  void update(double new_scale);

  double get_scale() const { return options_.enabled ? scale_ : 1.0; }
  int64_t growth_tracker() const { return growth_tracker_; }
  bool is_enabled() const { return options_.enabled; }

  // JSON: scale, growth_factor, backoff_factor, growth_interval, growth_tracker.
  std::string state_dict() const;
  void load_state_dict(const std::string& json);

 private:
  enum class Stage { Ready, Unscaled, Stepped };
  struct PerOptimizer {
    Stage stage = Stage::Ready;
    bool found_inf = false;
  };
  GradScalerOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
  std::unordered_map<const Optimizer*, PerOptimizer> per_optimizer_;
};

}  // namespace mica::optim
