// TensorOptions: dtype, device and requires_grad for factories, as in PyTorch's C++ API:
// zeros({2, 3}, TensorOptions().dtype(kFloat64)), or just zeros({2, 3}, kFloat64).
#pragma once

#include "tensor/device.h"
#include "tensor/dtype.h"

namespace mica {

struct TensorOptions {
  DType dtype_ = kFloat32;
  Device device_ = Device(kCPU);
  bool requires_grad_ = false;

  TensorOptions() = default;
  TensorOptions(DType t) : dtype_(t) {}
  TensorOptions(Device d) : device_(d) {}
  TensorOptions(DeviceType d) : device_(d) {}

  TensorOptions dtype(DType t) const {
    auto o = *this;
    o.dtype_ = t;
    return o;
  }
  TensorOptions device(Device d) const {
    auto o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    auto o = *this;
    o.requires_grad_ = r;
    return o;
  }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool requires_grad() const { return requires_grad_; }
};

inline TensorOptions dtype(DType t) {
  return TensorOptions(t);
}
inline TensorOptions device(Device d) {
  return TensorOptions(d);
}
inline TensorOptions requires_grad(bool r = true) {
  return TensorOptions().requires_grad(r);
}

}  // namespace mica
