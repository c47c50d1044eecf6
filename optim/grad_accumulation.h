// GradientAccumulator: counts micro-batches of gradient accumulation, says when to step, and
// scales each micro-batch's loss by 1 / steps so the accumulated gradient is the mean:
//   GradientAccumulator acc(4);
//   for (batch : loader) {
//     acc.scale(loss_of(batch)).backward();
//     if (acc.step()) { opt.step(); opt.zero_grad(); }
//   }
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace mica::optim {

class GradientAccumulator {
 public:
  explicit GradientAccumulator(int64_t steps);

  // loss / steps (differentiable).
  Tensor scale(const Tensor& loss) const;
  double loss_scale() const { return 1.0 / static_cast<double>(steps_); }
  // Counts one micro-batch; true when it completes a group of `steps` (time to step).
  bool step();
  // Whether the next micro-batch completes a group (e.g. to sync gradients only then).
  bool is_last_micro_step() const { return micro_ + 1 == steps_; }
  // Micro-batches counted in the current group, in [0, steps).
  int64_t micro_step() const { return micro_; }
  // Micro-batches counted in total (checkpoint this to resume mid-group).
  int64_t total_micro_steps() const { return total_; }
  int64_t optimizer_steps() const { return total_ / steps_; }
  int64_t steps() const { return steps_; }
  // Resumes at a total micro-batch count.
  void set_total_micro_steps(int64_t total);
  void reset() { set_total_micro_steps(0); }

 private:
  int64_t steps_;
  int64_t micro_ = 0, total_ = 0;
};

}  // namespace mica::optim
