// GradientAccumulator: a micro-batch counter and the 1 / steps loss scale.
#include "optim/grad_accumulation.h"

#include "autograd/ops/pointwise.h"
#include "tensor/error.h"

namespace mica::optim {

GradientAccumulator::GradientAccumulator(int64_t steps) : steps_(steps) {
  MICA_CHECK(steps >= 1, "GradientAccumulator: steps must be >= 1, got ", steps);
}

Tensor GradientAccumulator::scale(const Tensor& loss) const {
  return steps_ == 1 ? loss : div(loss, static_cast<double>(steps_));
}

bool GradientAccumulator::step() {
  ++total_;
  micro_ = total_ % steps_;
  return micro_ == 0;
}

void GradientAccumulator::set_total_micro_steps(int64_t total) {
  MICA_CHECK(total >= 0, "GradientAccumulator: negative micro-step count ", total);
  total_ = total;
  micro_ = total % steps_;
}

}  // namespace mica::optim
