// nn::Linear: y = x W^T + b, initialized like torch (kaiming_uniform(a = sqrt(5)) weight, bias
// U(-1/sqrt(in), 1/sqrt(in))). A LoRA adapter can be attached in place (nn/lora.h), so models
// that hold their Linear layers as typed members get LoRA without swapping modules.
#pragma once

#include <memory>
#include <string>

#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::nn {

struct LoRAAdapter;  // nn/lora.h

struct LinearOptions {
  bool bias = true;
};

class Linear : public Module {
 public:
  // nn::Linear fc(768, 3072, {.bias = false});
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});

  // x: [*, in_features] -> [*, out_features]
  Tensor forward(const Tensor& x) const;
  // Re-draws weight and bias with torch's default initialization.
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t in_features;
  int64_t out_features;
  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features], undefined without bias
  // The attached LoRA adapter (null when none); see nn::add_lora.
  std::shared_ptr<LoRAAdapter> lora;

 protected:
  // A Linear named type_name that shares base's weight and bias tensors (for LoRALinear).
  Linear(std::string type_name, const Linear& base);
};

}  // namespace mica::nn
