// nn::Dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p) in
// training mode; the identity in eval mode.
#pragma once

#include <string>

#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::nn {

class Dropout : public Module {
 public:
  // nn::Dropout(0.1); p in [0, 1].
  explicit Dropout(double p = 0.5);

  // x: any shape -> x's shape
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  double p;
  Generator* generator = nullptr;  // null: the default generator of x's device
};

}  // namespace mica::nn
