// EMA: an exponential moving average of weights (timm's ModelEma / diffusers' EMAModel).
// After each optimizer step, update() moves every shadow toward its parameter:
//   shadow = shadow + (1 - d) * (param - shadow),  d = decay, or with warmup
//   d = min(decay, (1 + n) / (10 + n)) where n = the number of earlier updates.
// Evaluate with the averaged weights by store(); copy_to(); ... restore().
#pragma once

#include <cstdint>
#include <vector>

#include "nn/state_dict.h"
#include "tensor/tensor.h"

namespace mica::optim {

struct EMAOptions {
  double decay = 0.9999;
  bool warmup = false;  // d = min(decay, (1 + n) / (10 + n))
};

class EMA {
 public:
  // params: the tensors to average (parameters and, if wanted, buffers). Shadows start as copies;
  // 16-bit floating params get float32 shadows; non-floating tensors are copied, not averaged.
  explicit EMA(std::vector<Tensor> params, const EMAOptions& options = {});

  // One averaging step with the current parameter values.
  void update();
  // The decay the next update() uses.
  double current_decay() const { return decay_at(num_updates_); }
  double decay_at(int64_t n) const;
  int64_t num_updates() const { return num_updates_; }

  // Writes the averages into the tracked parameters (or into params, same shapes, in order).
  void copy_to() const;
  void copy_to(const std::vector<Tensor>& params) const;
  // store() saves copies of the tracked parameters; restore() writes them back.
  void store();
  void restore();

  const std::vector<Tensor>& shadow() const { return shadow_; }

  // "shadow.<i>" for each tensor and "num_updates" (0-d int64); loading checks names, shapes.
  nn::StateDict state_dict() const;
  void load_state_dict(const nn::StateDict& state);

 private:
  std::vector<Tensor> params_, shadow_, stored_;
  EMAOptions options_;
  int64_t num_updates_ = 0;
};

}  // namespace mica::optim
