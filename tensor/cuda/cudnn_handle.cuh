// cuDNN plumbing for the CUDA kernels: MICA_CUDNN_CHECK (a failed cuDNN call becomes a mica::Error
// with the status string, file and line) and the cuDNN handle of a device, bound to that device's
// current stream. Handles are per host thread (cuDNN handles must not be used by two threads at
// once) and live until the process ends (destroying them at exit can outlive the CUDA context).
#pragma once

#include <cudnn.h>

#include <unordered_map>

#include "tensor/cuda/launch.cuh"
#include "tensor/error.h"

#define MICA_CUDNN_CHECK(expr)                                                                  \
  do {                                                                                          \
    const cudnnStatus_t mica_st_ = (expr);                                                      \
    if (mica_st_ != CUDNN_STATUS_SUCCESS)                                                       \
      MICA_FAIL("cuDNN error ", cudnnGetErrorString(mica_st_), " in ", #expr, " at ", __FILE__, \
                ":", __LINE__);                                                                 \
  } while (0)

namespace mica::cuda {

// The calling thread's cuDNN handle for device (which must be current), set to its current
// stream.
inline cudnnHandle_t cudnn_handle(int device) {
  thread_local std::unordered_map<int, cudnnHandle_t> handles;
  auto it = handles.find(device);
  if (it == handles.end()) {
    cudnnHandle_t h = nullptr;
    MICA_CUDNN_CHECK(cudnnCreate(&h));
    it = handles.emplace(device, h).first;
  }
  MICA_CUDNN_CHECK(cudnnSetStream(it->second, stream_of(device)));
  return it->second;
}

}  // namespace mica::cuda
