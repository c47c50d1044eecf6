// nn::Linear: parameters, torch's default initialization, forward (plus an attached LoRA delta).
#include "nn/layers/linear.h"

#include <cmath>

#include "autograd/ops/linalg.h"
#include "autograd/ops/pointwise.h"
#include "nn/init.h"
#include "nn/lora.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::nn {

Linear::Linear(int64_t in, int64_t out, LinearOptions options)
    : Module("Linear"), in_features(in), out_features(out) {
  MICA_CHECK(in >= 0 && out >= 0, "Linear: in_features and out_features must be >= 0, got ", in,
             " and ", out);
  weight = register_parameter("weight", empty({out, in}));
  if (options.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

Linear::Linear(std::string type_name, const Linear& base)
    : Module(std::move(type_name)), in_features(base.in_features), out_features(base.out_features) {
  weight = register_parameter("weight", base.weight, base.weight.requires_grad());
  if (base.bias.defined()) bias = register_parameter("bias", base.bias, base.bias.requires_grad());
}

void Linear::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (bias.defined()) {
    const int64_t fan_in = in_features;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) const {
  Tensor y = linear(x, weight, bias);
  if (lora && !lora->merged) y = add(y, lora->delta(x, is_training()));
  return y;
}

std::string Linear::extra_repr() const {
  std::string s = "in_features=" + std::to_string(in_features) +
                  ", out_features=" + std::to_string(out_features) +
                  ", bias=" + (bias.defined() ? "True" : "False");
  if (lora) s += ", " + lora->repr();
  return s;
}

}  // namespace mica::nn
