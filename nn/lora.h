// LoRA (low-rank adaptation) for nn::Linear: y = x W^T + b + (alpha / r) * B A dropout(x), with
// A: [r, in] ~ kaiming_uniform(a = sqrt(5)) and B: [out, r] = 0, so a fresh adapter changes
// nothing.
//
// Adapters attach in place to the Linear they adapt (its children "lora_A" and "lora_B"), so a
// model's typed members (std::shared_ptr<nn::Linear> q_proj) keep working and the base names
// stay the same. Names follow PEFT's saved adapters without the "base_model.model." prefix:
//   "h.0.attn.c_attn.weight"          the (frozen) base weight, unchanged
//   "h.0.attn.c_attn.lora_A.weight"   [r, in]
//   "h.0.attn.c_attn.lora_B.weight"   [out, r]
// Typical use:
//   nn::inject_lora(*model, {"c_attn", "c_proj"}, {.r = 8, .alpha = 16, .dropout = 0.05});
//   std::cout << nn::trainable_parameters_report(*model) << "\n";
//   ... train model->parameters() that require grad ...
//   StateDict adapter = nn::lora_state_dict(*model);     // save the adapter alone
//   nn::merge_lora(*model);                              // fold into W for inference
// LoRA for Conv2d: nn/lora_conv.h (inject_lora and the whole-model functions cover both).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layers/linear.h"
#include "nn/module.h"
#include "nn/state_dict.h"

namespace mica::nn {

struct LoRAConfig {
  int64_t r = 8;         // rank
  double alpha = 8;      // scaling = alpha / r
  double dropout = 0.0;  // on the adapter's input, in training mode
  // inject_lora's patterns are regular expressions (ECMAScript) matched against the whole
  // dotted module path instead of module names (see inject_lora).
  bool regex = false;
};

// The adapter state of one Linear (Linear::lora). Its weights are the Linear's children.
struct LoRAAdapter {
  std::shared_ptr<Linear> lora_A;  // in -> r, weight [r, in], no bias
  std::shared_ptr<Linear> lora_B;  // r -> out, weight [out, r], no bias
  int64_t r = 0;
  double alpha = 0;
  double scaling = 0;  // alpha / r
  double dropout = 0;
  bool merged = false;  // the delta is folded into the base weight (forward skips it)

  // x: [*, in] -> scaling * lora_B(lora_A(dropout(x))): [*, out]
  Tensor delta(const Tensor& x, bool training) const;
  // The delta of the weight, scaling * B A: [out, in] (no gradient).
  Tensor delta_weight() const;
  std::string repr() const;  // "lora_r=8, lora_alpha=16"
};

// Attaches an adapter to layer (on its weight's device and dtype); throws when it has one.
// gen draws A (null: the default generator).
void add_lora(Linear& layer, const LoRAConfig& config, Generator* gen = nullptr);
// W += scaling * B A (W -= for unmerge) under NoGradGuard; no-ops when already (un)merged.
void merge_lora(Linear& layer);
void unmerge_lora(Linear& layer);

// A Linear built with an adapter, or sharing an existing Linear's weight and bias.
class LoRALinear : public Linear {
 public:
  LoRALinear(int64_t in_features, int64_t out_features, const LoRAConfig& config = {},
             LinearOptions options = {});
  LoRALinear(const Linear& base, const LoRAConfig& config);
  void merge() { merge_lora(*this); }
  void unmerge() { unmerge_lora(*this); }
};

// Attaches adapters to every Linear (or Conv2d) of model whose path matches a pattern, freezes
// every other parameter (only lora_A / lora_B train), and returns the adapted paths. A plain
// pattern matches PEFT's way: the path equals it or ends with "." + pattern ("c_attn" matches
// "h.0.attn.c_attn"); with config.regex the pattern must match the whole path
// ("h\\.[0-3]\\.attn\\..*"). Throws when nothing matches or a matched layer already has an
// adapter. Layers inside adapters are never matched.
std::vector<std::string> inject_lora(Module& model, const std::vector<std::string>& patterns,
                                     const LoRAConfig& config = {}, Generator* gen = nullptr);
// PEFT's summary: "trainable params: 1,024 || all params: 10,250 || trainable%: 9.9902".
std::string trainable_parameters_report(const Module& model);
// Every adapted Linear or Conv2d of model: merge / unmerge; merge_and_unload also removes the
// adapters (children and Linear::lora), leaving a plain model with the merged weights.
void merge_lora(Module& model);
void unmerge_lora(Module& model);
void merge_and_unload(Module& model);
// The adapters' weights alone ("...lora_A.weight", "...lora_B.weight"; the tensors themselves).
StateDict lora_state_dict(Module& model);
// Copies adapter weights into model's adapters (none merged). Every adapter key must be
// present; missing, unexpected and mis-shaped keys are reported together in one mica::Error.
void load_lora_state_dict(Module& model, const StateDict& sd);

}  // namespace mica::nn
