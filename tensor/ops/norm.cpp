// Normalization front-ends (layer_norm, rms_norm, group_norm, batch_norm): shape/dtype checks,
// statistics allocation, dispatch by device to tensor/cpu/norm.cpp or tensor/cuda/norm.cu.
#include <limits>

#include "tensor/cpu/nn.h"
#include "tensor/cuda/norm.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
// Statistics are kept in the compute type: float32 for 16-bit inputs.
DType stat_dtype(DType t) {
  return t == kFloat16 || t == kBFloat16 ? kFloat32 : t;
}

void check_floating_input(const char* op, const Tensor& x) {
  detail::check_defined(op, x, "input");
  MICA_CHECK(is_floating(x.dtype()), op,
             ": expected a floating input (float16, bfloat16, float32, float64), got ",
             detail::describe(x));
}

// An optional per-feature parameter: undefined, or floating with exactly the given shape.
void check_param(const char* op, const Tensor& t, const char* name, const Shape& shape,
                 const char* what) {
  if (!t.defined()) return;
  MICA_CHECK(t.sizes() == shape, op, ": expected ", name, " of shape ", shape_str(shape), " (",
             what, "), got ", detail::describe(t));
  MICA_CHECK(is_floating(t.dtype()), op, ": expected a floating ", name, ", got ",
             detail::describe(t));
}

// Leading (batch) size and normalized size of x for normalized_shape; stat shape [*, 1, ...].
struct RowSplit {
  int64_t rows = 1;
  int64_t m = 1;
  Shape stat_shape;
};

RowSplit split_rows(const char* op, const Tensor& x, const Shape& normalized_shape) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  MICA_CHECK(k >= 1, op, ": normalized_shape must have at least one dim, got []");
  bool ok = x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == normalized_shape[i];
  MICA_CHECK(ok, op, ": normalized_shape ", shape_str(normalized_shape),
             " does not match the trailing dims of the input ", detail::describe(x),
             " (expected input of shape [*, ", shape_str(normalized_shape).substr(1), ")");
  RowSplit r;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < x.dim() - k) {
      r.rows *= x.size(i);
      r.stat_shape.push_back(x.size(i));
    } else {
      r.m *= x.size(i);
      r.stat_shape.push_back(1);
    }
  }
  return r;
}

Tensor stat_tensor(const Shape& shape, const Tensor& x) {
  return empty(shape, TensorOptions(stat_dtype(x.dtype())).device(x.device()));
}

// x: [N, C, *] -> (N, C, prod(*)).
struct ChannelSplit {
  int64_t n, c, hw;
};

ChannelSplit split_channels(const char* op, const Tensor& x) {
  MICA_CHECK(x.dim() >= 2, op, ": expected an input of shape [N, C, *] (at least 2 dims), got ",
             detail::describe(x));
  int64_t hw = 1;
  for (int64_t i = 2; i < x.dim(); ++i) hw *= x.size(i);
  return {x.size(0), x.size(1), hw};
}
}  // namespace

NormForward layer_norm_forward(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                               const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  check_floating_input(op, x);
  const RowSplit r = split_rows(op, x, normalized_shape);
  check_param(op, weight, "weight", normalized_shape, "normalized_shape");
  check_param(op, bias, "bias", normalized_shape, "normalized_shape");
  detail::check_same_device(op, {&x, &weight, &bias});
  NormForward f{empty(x.sizes(), x.options()), stat_tensor(r.stat_shape, x),
                stat_tensor(r.stat_shape, x)};
  if (x.is_cuda())
    cuda::layer_norm(f.out, f.mean, f.rstd, x.contiguous(), weight, bias, r.rows, r.m, eps);
  else
    cpu::layer_norm(f.out, f.mean, f.rstd, x.contiguous(), weight, bias, r.rows, r.m, eps);
  return f;
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  return layer_norm_forward(x, normalized_shape, weight, bias, eps).out;
}

RmsNormForward rms_norm_forward(const Tensor& x, const Shape& normalized_shape,
                                const Tensor& weight, std::optional<double> eps) {
  const char* op = "rms_norm";
  check_floating_input(op, x);
  const RowSplit r = split_rows(op, x, normalized_shape);
  check_param(op, weight, "weight", normalized_shape, "normalized_shape");
  detail::check_same_device(op, {&x, &weight});
  const double e = eps ? *eps
                   : x.dtype() == kFloat64
                       ? std::numeric_limits<double>::epsilon()
                       : static_cast<double>(std::numeric_limits<float>::epsilon());
  RmsNormForward f{empty(x.sizes(), x.options()), stat_tensor(r.stat_shape, x)};
  if (x.is_cuda())
    cuda::rms_norm(f.out, f.rstd, x.contiguous(), weight, r.rows, r.m, e);
  else
    cpu::rms_norm(f.out, f.rstd, x.contiguous(), weight, r.rows, r.m, e);
  return f;
}

Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  return rms_norm_forward(x, normalized_shape, weight, eps).out;
}

NormForward group_norm_forward(const Tensor& x, int64_t num_groups, const Tensor& weight,
                               const Tensor& bias, double eps) {
  const char* op = "group_norm";
  check_floating_input(op, x);
  const ChannelSplit s = split_channels(op, x);
  MICA_CHECK(num_groups > 0, op, ": num_groups must be positive, got ", num_groups);
  MICA_CHECK(s.c % num_groups == 0, op, ": the number of channels must be divisible by ",
             "num_groups, got input of shape ", shape_str(x.sizes()),
             " and num_groups=", num_groups);
  check_param(op, weight, "weight", {s.c}, "one per channel");
  check_param(op, bias, "bias", {s.c}, "one per channel");
  detail::check_same_device(op, {&x, &weight, &bias});
  NormForward f{empty(x.sizes(), x.options()), stat_tensor({s.n, num_groups}, x),
                stat_tensor({s.n, num_groups}, x)};
  if (x.is_cuda())
    cuda::group_norm(f.out, f.mean, f.rstd, x.contiguous(), weight, bias, s.n, s.c, s.hw,
                     num_groups, eps);
  else
    cpu::group_norm(f.out, f.mean, f.rstd, x.contiguous(), weight, bias, s.n, s.c, s.hw, num_groups,
                    eps);
  return f;
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  return group_norm_forward(x, num_groups, weight, bias, eps).out;
}

BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& running_mean,
                                    const Tensor& running_var, const Tensor& weight,
                                    const Tensor& bias, bool training, double momentum,
                                    double eps) {
  const char* op = "batch_norm";
  check_floating_input(op, x);
  const ChannelSplit s = split_channels(op, x);
  check_param(op, weight, "weight", {s.c}, "one per channel");
  check_param(op, bias, "bias", {s.c}, "one per channel");
  check_param(op, running_mean, "running_mean", {s.c}, "one per channel");
  check_param(op, running_var, "running_var", {s.c}, "one per channel");
  detail::check_same_device(op, {&x, &weight, &bias, &running_mean, &running_var});
  if (training) {
    MICA_CHECK(s.n * s.hw != 1, op, ": expected more than 1 value per channel when training, ",
               "got input of shape ", shape_str(x.sizes()));
    for (const Tensor* r : {&running_mean, &running_var})
      MICA_CHECK(!r->defined() || r->stride(0) != 0 || r->numel() <= 1, op,
                 ": cannot update running statistics in place in an expanded tensor ", "(strides ",
                 shape_str(r->strides()), ")");
  } else {
    MICA_CHECK(running_mean.defined() && running_var.defined(), op,
               ": running_mean and running_var are required in evaluation mode "
               "(training=false)");
  }
  BatchNormForward f{empty(x.sizes(), x.options()), stat_tensor({s.c}, x), stat_tensor({s.c}, x)};
  if (x.is_cuda())
    cuda::batch_norm(f.out, f.save_mean, f.save_invstd, x.contiguous(), weight, bias, running_mean,
                     running_var, s.n, s.c, s.hw, training, momentum, eps);
  else
    cpu::batch_norm(f.out, f.save_mean, f.save_invstd, x.contiguous(), weight, bias, running_mean,
                    running_var, s.n, s.c, s.hw, training, momentum, eps);
  return f;
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  return batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum, eps)
      .out;
}

}  // namespace mica::ops
