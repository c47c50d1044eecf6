// nn::LayerNorm and nn::RMSNorm: parameters (weight ones, bias zeros) and forward through the
// differentiable layer_norm / rms_norm.
#include "nn/layers/normalization.h"

#include <sstream>

#include "autograd/ops/norm.h"
#include "nn/init.h"
#include "tensor/error.h"

namespace mica::nn {

namespace {
std::string eps_str(double eps) {
  std::ostringstream os;
  os << eps;
  return os.str();
}
}  // namespace

LayerNorm::LayerNorm(Shape shape, LayerNormOptions options)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(options.eps) {
  MICA_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must not be empty");
  if (options.elementwise_affine) {
    weight = register_parameter("weight", empty(normalized_shape));
    if (options.bias) bias = register_parameter("bias", empty(normalized_shape));
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  return "(" + shape_str(normalized_shape) + "), eps=" + eps_str(eps) +
         ", elementwise_affine=" + (weight.defined() ? "True" : "False");
}

RMSNorm::RMSNorm(Shape shape, RMSNormOptions options)
    : Module("RMSNorm"), normalized_shape(std::move(shape)), eps(options.eps) {
  MICA_CHECK(!normalized_shape.empty(), "RMSNorm: normalized_shape must not be empty");
  if (options.elementwise_affine) weight = register_parameter("weight", empty(normalized_shape));
  reset_parameters();
}

void RMSNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
}

Tensor RMSNorm::forward(const Tensor& x) const {
  return rms_norm(x, normalized_shape, weight, eps);
}

std::string RMSNorm::extra_repr() const {
  return "(" + shape_str(normalized_shape) + "), eps=" + (eps ? eps_str(*eps) : "None") +
         ", elementwise_affine=" + (weight.defined() ? "True" : "False");
}

}  // namespace mica::nn
