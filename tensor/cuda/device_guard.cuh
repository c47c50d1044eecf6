// DeviceGuard: makes a device current for a scope and restores the previous one.
#pragma once

#include <cuda_runtime.h>

#include "tensor/cuda/check.h"

namespace mica::cuda {

struct DeviceGuard {
  int previous = 0;
  explicit DeviceGuard(int device) {
    MICA_CUDA_CHECK(cudaGetDevice(&previous));
    if (previous != device) MICA_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(previous); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
};

}  // namespace mica::cuda
