// Activation modules: thin wrappers over the differentiable pointwise ops.
#include "nn/layers/activation.h"

#include <cstdio>

#include "autograd/ops/pointwise.h"
#include "tensor/error.h"

namespace mica::nn {

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}
}  // namespace

Tensor ReLU::forward(const Tensor& x) const {
  return relu(x);
}

Tensor LeakyReLU::forward(const Tensor& x) const {
  return leaky_relu(x, negative_slope);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + num(negative_slope);
}

GELU::GELU(std::string approx) : Module("GELU"), approximate(std::move(approx)) {
  MICA_CHECK(approximate == "none" || approximate == "tanh", "GELU: approximate must be 'none' or",
             " 'tanh', got '", approximate, "'");
}
Tensor GELU::forward(const Tensor& x) const {
  return gelu(x, approximate);
}
std::string GELU::extra_repr() const {
  return "approximate='" + approximate + "'";
}

Tensor SiLU::forward(const Tensor& x) const {
  return silu(x);
}
Tensor Sigmoid::forward(const Tensor& x) const {
  return sigmoid(x);
}
Tensor Tanh::forward(const Tensor& x) const {
  return tanh(x);
}

Tensor Softplus::forward(const Tensor& x) const {
  return softplus(x, beta, threshold);
}
std::string Softplus::extra_repr() const {
  return "beta=" + num(beta) + ", threshold=" + num(threshold);
}

}  // namespace mica::nn
