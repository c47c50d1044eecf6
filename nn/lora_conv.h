// LoRA for nn::Conv2d, like PEFT: y = conv(x) + (alpha / r) * B(A(dropout(x))) with
// A = Conv2d(in, r, kernel, stride, padding, dilation, no bias) (torch's default conv init) and
// B = 1x1 Conv2d(r, out, no bias) initialized to zeros, so a fresh adapter changes nothing.
// The adapter attaches in place as the Conv2d's children "lora_A" / "lora_B" (names
// "...conv.lora_A.weight" [r, in, kH, kW], "...conv.lora_B.weight" [out, r, 1, 1]).
// nn::inject_lora (nn/lora.h) attaches to matching Conv2d layers too, and merge_lora,
// lora_state_dict etc. cover them. groups must be 1.
#pragma once

#include <memory>
#include <string>

#include "nn/layers/conv.h"
#include "nn/lora.h"

namespace mica::nn {

// The adapter state of one Conv2d (Conv2d::lora).
struct LoRAConvAdapter {
  std::shared_ptr<Conv2d> lora_A;  // in -> r, the base layer's kernel, stride, padding
  std::shared_ptr<Conv2d> lora_B;  // r -> out, 1x1
  int64_t r = 0;
  double alpha = 0;
  double scaling = 0;  // alpha / r
  double dropout = 0;
  bool merged = false;

  // x: [N, in, H, W] -> scaling * lora_B(lora_A(dropout(x))): [N, out, H_out, W_out]
  Tensor delta(const Tensor& x, bool training) const;
  // scaling * B A as a kernel [out, in, kH, kW] (no gradient).
  Tensor delta_weight() const;
  std::string repr() const;
};

// Attaches an adapter to layer (on its weight's device and dtype); throws when it has one.
void add_lora(Conv2d& layer, const LoRAConfig& config, Generator* gen = nullptr);
void merge_lora(Conv2d& layer);
void unmerge_lora(Conv2d& layer);

// A Conv2d built with an adapter.
class LoRAConv2d : public Conv2d {
 public:
  LoRAConv2d(int64_t in_channels, int64_t out_channels, IntArg kernel_size,
             const LoRAConfig& config = {}, Conv2dOptions options = {});
  void merge() { merge_lora(*this); }
  void unmerge() { unmerge_lora(*this); }
};

}  // namespace mica::nn
