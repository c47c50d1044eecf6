// Pooling and upsampling layers with PyTorch's names and defaults (NCHW): nn::MaxPool2d,
// nn::AvgPool2d, nn::AdaptiveAvgPool2d and nn::Upsample (nearest or bilinear).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nn/layers/conv.h"
#include "nn/module.h"

namespace mica::nn {

struct MaxPool2dOptions {
  std::optional<IntArg> stride = {};  // default: kernel_size
  IntArg padding = 0;
  IntArg dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  // nn::MaxPool2d pool(2); nn::MaxPool2d pool(3, {.stride = 2, .padding = 1});
  explicit MaxPool2d(IntArg kernel_size, MaxPool2dOptions options = {});
  // x: [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out] (or unbatched)
  Tensor forward(const Tensor& x) const;
  // The values and their int64 flat indices into each H * W plane (return_indices=True).
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x) const;
  std::string extra_repr() const override;

  std::vector<int64_t> kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

struct AvgPool2dOptions {
  std::optional<IntArg> stride = {};  // default: kernel_size
  IntArg padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = {};
};

class AvgPool2d : public Module {
 public:
  // nn::AvgPool2d pool(2);
  explicit AvgPool2d(IntArg kernel_size, AvgPool2dOptions options = {});
  // x: [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out] (or unbatched)
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  std::vector<int64_t> kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override = {};
};

class AdaptiveAvgPool2d : public Module {
 public:
  // nn::AdaptiveAvgPool2d gap(1); nn::AdaptiveAvgPool2d pool({7, 7});
  explicit AdaptiveAvgPool2d(IntArg output_size);
  // x: [N, C, H, W] or [C, H, W] -> [N, C, oH, oW] (or unbatched)
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  std::vector<int64_t> output_size;
};

struct UpsampleOptions {
  std::optional<IntArg> size = {};  // output (H, W); exactly one of size, scale_factor
  std::optional<std::vector<double>> scale_factor = {};  // one value for both dims or (sH, sW)
  std::string mode = "nearest";                          // "nearest" or "bilinear"
  std::optional<bool> align_corners = {};  // bilinear only (default false, like torch)
};

class Upsample : public Module {
 public:
  // nn::Upsample up({.scale_factor = std::vector<double>{2}});
  // nn::Upsample up({.size = {16, 16}, .mode = "bilinear", .align_corners = true});
  explicit Upsample(UpsampleOptions options);
  // x: [N, C, H, W] -> [N, C, oH, oW], oH = size or floor(H * scale_factor)
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  std::optional<std::vector<int64_t>> size;
  std::optional<std::vector<double>> scale_factor;
  std::string mode;
  std::optional<bool> align_corners;
};

}  // namespace mica::nn
