// LoRA adapters on nn::Conv2d: attach, delta, merge/unmerge (whole-model helpers in nn/lora.cpp).
#include "nn/lora_conv.h"

#include <cmath>
#include <cstdio>

#include "autograd/ops/pointwise.h"
#include "nn/init.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::nn {

Tensor LoRAConvAdapter::delta(const Tensor& x, bool training) const {
  Tensor in = x;
  if (dropout > 0 && training) {  // x * mask / (1 - p), differentiable through mul
    const Tensor keep = ops::mul(bernoulli(x.detach(), 1.0 - dropout), 1.0 / (1.0 - dropout));
    in = mul(x, keep);
  }
  return mul(lora_B->conv(lora_A->conv(in)), scaling);
}

Tensor LoRAConvAdapter::delta_weight() const {
  NoGradGuard no_grad;
  const Tensor& a = lora_A->weight;  // [r, in, kH, kW]
  const Tensor& b = lora_B->weight;  // [out, r, 1, 1]
  const Tensor w = ops::matmul(b.reshape({b.size(0), r}), a.reshape({r, -1}));
  return ops::mul(w.reshape({b.size(0), a.size(1), a.size(2), a.size(3)}), scaling);
}

std::string LoRAConvAdapter::repr() const {
  char alpha_str[32];
  std::snprintf(alpha_str, sizeof(alpha_str), "%g", alpha);
  return "lora_r=" + std::to_string(r) + ", lora_alpha=" + alpha_str +
         (merged ? ", merged=True" : "");
}

void add_lora(Conv2d& layer, const LoRAConfig& config, Generator* gen) {
  MICA_CHECK(!layer.lora, "add_lora: the Conv2d already has a LoRA adapter");
  MICA_CHECK(config.r > 0, "add_lora: rank r must be positive, got ", config.r);
  MICA_CHECK(config.dropout >= 0 && config.dropout < 1, "add_lora: dropout must be in [0, 1), got ",
             config.dropout);
  MICA_CHECK(layer.groups == 1, "add_lora: LoRA on Conv2d needs groups == 1, got ", layer.groups);
  auto adapter = std::make_shared<LoRAConvAdapter>();
  adapter->lora_A = std::make_shared<Conv2d>(layer.in_channels, config.r, layer.kernel_size,
                                             Conv2dOptions{.stride = layer.stride,
                                                           .padding = layer.padding,
                                                           .dilation = layer.dilation,
                                                           .bias = false});
  adapter->lora_B =
      std::make_shared<Conv2d>(config.r, layer.out_channels, 1, Conv2dOptions{.bias = false});
  init::kaiming_uniform_(adapter->lora_A->weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  init::zeros_(adapter->lora_B->weight);
  adapter->lora_A->to(layer.weight.device(), layer.weight.dtype());
  adapter->lora_B->to(layer.weight.device(), layer.weight.dtype());
  adapter->lora_A->train(layer.is_training());
  adapter->lora_B->train(layer.is_training());
  adapter->r = config.r;
  adapter->alpha = config.alpha;
  adapter->scaling = config.alpha / static_cast<double>(config.r);
  adapter->dropout = config.dropout;
  layer.register_module("lora_A", adapter->lora_A);
  layer.register_module("lora_B", adapter->lora_B);
  layer.lora = std::move(adapter);
}

void merge_lora(Conv2d& layer) {
  MICA_CHECK(layer.lora, "merge_lora: the Conv2d has no LoRA adapter");
  if (layer.lora->merged) return;
  NoGradGuard no_grad;
  Tensor w = layer.weight;
  ops::add_(w, layer.lora->delta_weight().to(w.dtype()));
  layer.lora->merged = true;
}

void unmerge_lora(Conv2d& layer) {
  MICA_CHECK(layer.lora, "unmerge_lora: the Conv2d has no LoRA adapter");
  if (!layer.lora->merged) return;
  NoGradGuard no_grad;
  Tensor w = layer.weight;
  ops::sub_(w, layer.lora->delta_weight().to(w.dtype()));
  layer.lora->merged = false;
}

LoRAConv2d::LoRAConv2d(int64_t in, int64_t out, IntArg kernel_size, const LoRAConfig& config,
                       Conv2dOptions options)
    : Conv2d(in, out, std::move(kernel_size), std::move(options)) {
  add_lora(*this, config);
}

}  // namespace mica::nn
