// Normalization over channels with PyTorch's names, buffers and defaults: nn::GroupNorm,
// nn::BatchNorm1d and nn::BatchNorm2d. BatchNorm keeps torch's buffers running_mean (zeros),
// running_var (ones) and num_batches_tracked (int64 0-d) when track_running_stats, and its
// momentum rule (std::nullopt: a cumulative average, momentum = 1 / num_batches_tracked).
#pragma once

#include <optional>
#include <string>

#include "nn/module.h"

namespace mica::nn {

struct GroupNormOptions {
  double eps = 1e-5;
  bool affine = true;  // weight (ones) and bias (zeros) parameters of shape [C]
};

class GroupNorm : public Module {
 public:
  // nn::GroupNorm gn(32, 256); nn::GroupNorm gn(8, 64, {.eps = 1e-6});
  GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions options = {});
  // x: [N, C, *] -> same shape
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  int64_t num_groups, num_channels;
  double eps;
  Tensor weight;  // [C], undefined without affine
  Tensor bias;    // [C], undefined without affine
};

struct BatchNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;  // std::nullopt: cumulative moving average
  bool affine = true;
  bool track_running_stats = true;
};

// The shared implementation; BatchNorm1d / BatchNorm2d only check the input rank.
class BatchNormBase : public Module {
 public:
  // x: [N, C, *] -> same shape. Training mode normalizes with the batch statistics and updates
  // the running statistics; eval mode uses the running statistics when tracked, else the batch.
  Tensor forward(const Tensor& x);
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight;               // [C], undefined without affine
  Tensor bias;                 // [C], undefined without affine
  Tensor running_mean;         // [C], undefined without track_running_stats
  Tensor running_var;          // [C]
  Tensor num_batches_tracked;  // int64 0-d

 protected:
  BatchNormBase(std::string type_name, int64_t num_features, BatchNormOptions options);
  virtual void check_input(const Tensor& x) const = 0;
};

class BatchNorm1d : public BatchNormBase {
 public:
  // nn::BatchNorm1d bn(128);
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});

 protected:
  // x: [N, C] or [N, C, L]
  void check_input(const Tensor& x) const override;
};

class BatchNorm2d : public BatchNormBase {
 public:
  // nn::BatchNorm2d bn(64, {.momentum = 0.01});
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});

 protected:
  // x: [N, C, H, W]
  void check_input(const Tensor& x) const override;
};

}  // namespace mica::nn
