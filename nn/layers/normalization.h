// Normalization layers over trailing dims: nn::LayerNorm (mean and variance) and nn::RMSNorm
// (root mean square, as in Llama). Group and batch normalization live in nn/layers/ with the
// convolution layers.
#pragma once

#include <optional>
#include <string>

#include "nn/module.h"

namespace mica::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;  // weight (ones) and, with bias, bias (zeros) parameters
  bool bias = true;
};

class LayerNorm : public Module {
 public:
  // nn::LayerNorm ln({768}); nn::LayerNorm ln({768}, {.eps = 1e-6});
  explicit LayerNorm(Shape normalized_shape, LayerNormOptions options = {});
  // x: [*, normalized_shape...] -> same shape
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  Shape normalized_shape;
  double eps;
  Tensor weight;  // normalized_shape, undefined without affine
  Tensor bias;    // normalized_shape, undefined without affine or bias
};

struct RMSNormOptions {
  std::optional<double> eps;  // default: machine epsilon of the compute dtype (torch's rule)
  bool elementwise_affine = true;
};

class RMSNorm : public Module {
 public:
  // nn::RMSNorm norm({4096}, {.eps = 1e-6});
  explicit RMSNorm(Shape normalized_shape, RMSNormOptions options = {});
  // x: [*, normalized_shape...] -> same shape
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  Shape normalized_shape;
  std::optional<double> eps;
  Tensor weight;  // normalized_shape, undefined without affine
};

}  // namespace mica::nn
