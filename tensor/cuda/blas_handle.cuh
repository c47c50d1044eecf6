// cuBLAS / cuBLASLt plumbing for the GEMM kernels: MICA_CUBLAS_CHECK (a failed status becomes a
// mica::Error naming the call, file and line), one lazily created cuBLASLt handle and one cuBLAS
// handle per device (process lifetime, like PyTorch's pooled handles), and the GEMM workspace,
// a 32 MiB uint8 tensor from the caching allocator on the device's current stream (the
// allocator's stream-ordered reuse orders the next user of the block after this GEMM).
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>

#include <map>
#include <mutex>

#include "tensor/cuda/device_guard.cuh"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/tensor.h"

#define MICA_CUBLAS_CHECK(expr)                                                                  \
  do {                                                                                           \
    const cublasStatus_t mica_blas_status_ = (expr);                                             \
    if (mica_blas_status_ != CUBLAS_STATUS_SUCCESS)                                              \
      MICA_FAIL("cuBLAS error ", cublasGetStatusName(mica_blas_status_), " (",                   \
                cublasGetStatusString(mica_blas_status_), ") in ", #expr, " at ", __FILE__, ":", \
                __LINE__);                                                                       \
  } while (0)

namespace mica::cuda {

inline constexpr size_t kBlasWorkspaceBytes = size_t{32} << 20;

// The cuBLASLt handle of device (created on first use; cuBLASLt handles carry no stream, so one
// handle serves every thread and stream).
inline cublasLtHandle_t lt_handle(int device) {
  static std::mutex mutex;
  static std::map<int, cublasLtHandle_t> handles;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = handles.find(device);
  if (it != handles.end()) return it->second;
  DeviceGuard guard(device);
  cublasLtHandle_t h = nullptr;
  MICA_CUBLAS_CHECK(cublasLtCreate(&h));
  handles.emplace(device, h);
  return h;
}

// The cuBLAS handle of device with its mutex held: a cuBLAS handle stores a stream and a
// workspace, so setting them and queueing the call must not interleave with another thread's.
struct BlasHandleLease {
  std::unique_lock<std::mutex> lock;
  cublasHandle_t handle = nullptr;
};

inline BlasHandleLease blas_handle(int device) {
  struct Entry {
    std::mutex mutex;
    cublasHandle_t handle = nullptr;
  };
  static std::mutex map_mutex;
  static std::map<int, Entry> entries;  // std::map nodes never move
  Entry* e = nullptr;
  {
    std::lock_guard<std::mutex> lock(map_mutex);
    e = &entries[device];
  }
  std::unique_lock<std::mutex> lock(e->mutex);
  if (e->handle == nullptr) {
    DeviceGuard guard(device);
    MICA_CUBLAS_CHECK(cublasCreate(&e->handle));
  }
  return {std::move(lock), e->handle};
}

// A GEMM workspace of kBlasWorkspaceBytes on device, allocated on its current stream.
inline Tensor blas_workspace(int device) {
  return empty({static_cast<int64_t>(kBlasWorkspaceBytes)},
               TensorOptions(kUInt8).device(Device(kCUDA, device)));
}

}  // namespace mica::cuda
