// Activation modules (PyTorch's names and defaults): ReLU, LeakyReLU, GELU ("none" / "tanh"),
// SiLU, Sigmoid, Tanh, Softplus. Each forward maps x: any shape -> x's shape through the
// differentiable op of the same name.
#pragma once

#include <string>

#include "nn/module.h"

namespace mica::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) const;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01)
      : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;
  double negative_slope;
};

class GELU : public Module {
 public:
  // approximate: "none" (exact, erf) or "tanh".
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;
  std::string approximate;
};

class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Tensor forward(const Tensor& x) const;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) const;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) const;
};

class Softplus : public Module {
 public:
  // log(1 + exp(beta x)) / beta, linear where beta x > threshold.
  explicit Softplus(double beta = 1, double threshold = 20)
      : Module("Softplus"), beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;
  double beta;
  double threshold;
};

}  // namespace mica::nn
