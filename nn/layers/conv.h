// Convolution layers with PyTorch's names, arguments and default initialization: nn::Conv1d,
// nn::Conv2d and nn::ConvTranspose2d (NCL / NCHW). Weights are kaiming_uniform(a = sqrt(5)) and
// biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.size(1) * prod(kernel) (for
// ConvTranspose2d weight.size(1) is out_channels / groups, as in torch). A Conv2d can carry a
// LoRA adapter (nn/lora_conv.h), like Linear.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::nn {

struct LoRAConvAdapter;  // nn/lora_conv.h

// An integer or a per-dim list, as torch's int-or-tuple arguments: `3`, `{3}` or `{3, 1}`.
struct IntArg {
  std::vector<int64_t> values;
  IntArg(int64_t v) : values{v} {}  // NOLINT(google-explicit-constructor)
  IntArg(std::initializer_list<int64_t> l) : values(l) {}
  IntArg(std::vector<int64_t> v) : values(std::move(v)) {}  // NOLINT
  // The list expanded to n dims (one value repeats); throws naming `who` on a bad length.
  std::vector<int64_t> expand(size_t n, const char* who, const char* what) const;
};

struct Conv1dOptions {
  IntArg stride = 1;
  IntArg padding = 0;
  IntArg dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

struct Conv2dOptions {
  IntArg stride = 1;
  IntArg padding = 0;
  IntArg dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

struct ConvTranspose2dOptions {
  IntArg stride = 1;
  IntArg padding = 0;
  IntArg output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  IntArg dilation = 1;
};

class Conv1d : public Module {
 public:
  // nn::Conv1d conv(16, 32, 3, {.padding = 1});
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
         Conv1dOptions options = {});
  // x: [N, C_in, L] or [C_in, L] -> [N, C_out, L_out] or [C_out, L_out]
  Tensor forward(const Tensor& x) const;
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel_size, stride, padding, dilation;
  int64_t groups;
  Tensor weight;  // [C_out, C_in / groups, k]
  Tensor bias;    // [C_out], undefined without bias
};

class Conv2d : public Module {
 public:
  // nn::Conv2d conv(3, 64, 3, {.stride = 2, .padding = 1});
  Conv2d(int64_t in_channels, int64_t out_channels, IntArg kernel_size, Conv2dOptions options = {});
  // x: [N, C_in, H, W] or [C_in, H, W] -> [N, C_out, H_out, W_out] (or unbatched)
  Tensor forward(const Tensor& x) const;
  // The convolution with this layer's weight and bias alone (no LoRA delta).
  Tensor conv(const Tensor& x) const;
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel_size, stride, padding, dilation;
  int64_t groups;
  Tensor weight;  // [C_out, C_in / groups, kH, kW]
  Tensor bias;    // [C_out], undefined without bias
  // The attached LoRA adapter (null when none); see nn::add_lora in nn/lora_conv.h.
  std::shared_ptr<LoRAConvAdapter> lora;
};

class ConvTranspose2d : public Module {
 public:
  // nn::ConvTranspose2d up(128, 64, 4, {.stride = 2, .padding = 1});
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, IntArg kernel_size,
                  ConvTranspose2dOptions options = {});
  // x: [N, C_in, H, W] -> [N, C_out, H_out, W_out] with
  // H_out = (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
  Tensor forward(const Tensor& x) const;
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel_size, stride, padding, output_padding, dilation;
  int64_t groups;
  Tensor weight;  // [C_in, C_out / groups, kH, kW]
  Tensor bias;    // [C_out], undefined without bias
};

}  // namespace mica::nn
