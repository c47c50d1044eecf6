// nn::Identity (returns its input) and nn::Flatten (flattens dims start_dim..end_dim).
#pragma once

#include <string>

#include "nn/module.h"

namespace mica::nn {

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  // x: any shape -> x
  Tensor forward(const Tensor& x) const { return x; }
};

class Flatten : public Module {
 public:
  // Defaults keep the batch dim: [N, C, H, W] -> [N, C*H*W].
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  // x: [d0, ..., dn] -> dims start_dim..end_dim merged into one
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  int64_t start_dim;
  int64_t end_dim;
};

}  // namespace mica::nn
