// Mixed precision (autocast), as in torch.autocast: inside an AutocastGuard for a device type and
// a 16-bit dtype, the GEMM-like ops (matmul, mm, bmm, addmm, linear, outer, conv1d, conv2d,
// conv_transpose2d, and so attention's two products) cast their floating inputs to that dtype
// and compute with fp32 accumulation, while softmax / log_softmax, the norms (layer, rms, group),
// the losses (cross_entropy, nll_loss, mse_loss) and sum / mean cast 16-bit inputs up to float32.
// The casts are differentiable, so fp32 parameters get fp32 gradients. Everything else runs in its
// inputs' dtype (mixed bf16/fp32 pointwise ops promote to fp32). The engine turns autocast off
// while it runs backward formulas.
//
//   { mica::AutocastGuard amp(mica::kBFloat16);   // CUDA by default; kCPU for CPU autocast
//     Tensor loss = cross_entropy(model->forward(x), y); }
//   loss.backward();
#pragma once

#include <optional>

#include "tensor/tensor.h"

namespace mica {

class AutocastGuard {
 public:
  // Enables autocast to dtype (kBFloat16 or kFloat16) for tensors on device_type.
  explicit AutocastGuard(DType dtype = kBFloat16, DeviceType device_type = kCUDA);
  // Disables autocast for every device until the guard goes out of scope.
  static AutocastGuard disabled();
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;
  AutocastGuard(AutocastGuard&&) noexcept;
  AutocastGuard& operator=(AutocastGuard&&) = delete;

 private:
  struct DisabledTag {};
  explicit AutocastGuard(DisabledTag) {}
  struct State {
    std::optional<DType> cpu, cuda;
  };
  State previous_;
  bool active_ = true;
};

// The autocast dtype for tensors on device_type on this thread, if autocast is on for it.
std::optional<DType> autocast_dtype(DeviceType device_type);

namespace autocast {
// For GEMM-like ops: a floating x (not float64) cast to the autocast dtype of its device, when
// autocast is on there; otherwise x itself.
Tensor lower(const Tensor& x);
// For fp32 ops: a 16-bit floating x cast to float32 when autocast is on for its device.
Tensor to_float(const Tensor& x);
}  // namespace autocast

}  // namespace mica
