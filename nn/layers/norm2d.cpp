// nn::GroupNorm and nn::BatchNorm1d/2d: parameters, buffers and forward through the
// differentiable group_norm / batch_norm (which updates the running statistics in place).
#include "nn/layers/norm2d.h"

#include <sstream>

#include "autograd/ops/norm.h"
#include "nn/init.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"

namespace mica::nn {

namespace {
std::string num_str(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

// ---- GroupNorm ----

GroupNorm::GroupNorm(int64_t groups, int64_t channels, GroupNormOptions o)
    : Module("GroupNorm"), num_groups(groups), num_channels(channels), eps(o.eps) {
  MICA_CHECK(groups > 0 && channels % groups == 0, "GroupNorm: num_channels (", channels,
             ") must be divisible by num_groups (", groups, ")");
  if (o.affine) {
    weight = register_parameter("weight", empty({channels}));
    bias = register_parameter("bias", empty({channels}));
  }
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor GroupNorm::forward(const Tensor& x) const {
  MICA_CHECK(x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm: expected input [N, ",
             num_channels, ", *], got ", shape_str(x.sizes()));
  return group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) +
         ", eps=" + num_str(eps) + ", affine=" + (weight.defined() ? "True" : "False");
}

// ---- BatchNorm ----

BatchNormBase::BatchNormBase(std::string type_name, int64_t n, BatchNormOptions o)
    : Module(std::move(type_name)),
      num_features(n),
      eps(o.eps),
      momentum(o.momentum),
      affine(o.affine),
      track_running_stats(o.track_running_stats) {
  MICA_CHECK(n > 0, this->type_name(), ": num_features must be positive, got ", n);
  if (affine) {
    weight = register_parameter("weight", empty({n}));
    bias = register_parameter("bias", empty({n}));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({n}));
    running_var = register_buffer("running_var", ones({n}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, TensorOptions(kInt64)));
  }
  reset_parameters();
}

void BatchNormBase::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard guard;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor BatchNormBase::forward(const Tensor& x) {
  check_input(x);
  MICA_CHECK(x.size(1) == num_features, type_name(), ": expected ", num_features,
             " channels at dim 1, got input ", shape_str(x.sizes()));
  // torch's rule: the exponential average factor is momentum, or 1 / num_batches_tracked for
  // the cumulative average; training with tracked stats counts the batch first.
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    int64_t count = 0;
    {
      NoGradGuard guard;
      count = num_batches_tracked.item<int64_t>() + 1;
      num_batches_tracked.fill_(count);
    }
    if (!momentum) factor = 1.0 / static_cast<double>(count);
  }
  const bool use_batch_stats = is_training() || !track_running_stats;
  // Running statistics are updated only in training mode with tracking; eval mode without
  // tracking normalizes with the batch statistics.
  const bool pass_stats = !is_training() || track_running_stats;
  return batch_norm(x, pass_stats ? running_mean : Tensor(), pass_stats ? running_var : Tensor(),
                    weight, bias, use_batch_stats, factor, eps);
}

std::string BatchNormBase::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + num_str(eps) +
         ", momentum=" + (momentum ? num_str(*momentum) : "None") +
         ", affine=" + (affine ? "True" : "False") +
         ", track_running_stats=" + (track_running_stats ? "True" : "False");
}

BatchNorm1d::BatchNorm1d(int64_t n, BatchNormOptions o) : BatchNormBase("BatchNorm1d", n, o) {}

void BatchNorm1d::check_input(const Tensor& x) const {
  MICA_CHECK(x.dim() == 2 || x.dim() == 3, "BatchNorm1d: expected 2D or 3D input, got ",
             shape_str(x.sizes()));
}

BatchNorm2d::BatchNorm2d(int64_t n, BatchNormOptions o) : BatchNormBase("BatchNorm2d", n, o) {}

void BatchNorm2d::check_input(const Tensor& x) const {
  MICA_CHECK(x.dim() == 4, "BatchNorm2d: expected 4D input, got ", shape_str(x.sizes()));
}

}  // namespace mica::nn
