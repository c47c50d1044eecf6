// Kernel-launch plumbing for the .cu files: the current stream of a tensor's device, block counts
// for grid-stride loops, and the check that follows every launch. Conventions for a CUDA kernel
// file: kernels first, then the launchers; each launcher makes the tensor's device current
// (DeviceGuard), launches on stream_of(tensor), and calls MICA_CUDA_LAUNCH_CHECK().
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "tensor/cuda/check.h"
#include "tensor/cuda/device_guard.cuh"
#include "tensor/cuda/stream.h"
#include "tensor/tensor.h"

#define MICA_CUDA_LAUNCH_CHECK() MICA_CUDA_CHECK(cudaGetLastError())

namespace mica::cuda {

inline constexpr int kThreads = 256;
// Grid-stride loops need no more blocks than this to fill an H100 (132 SMs x 2048 threads).
inline constexpr int64_t kMaxBlocks = 132 * 8 * 4;

inline cudaStream_t stream_of(int device) {
  return static_cast<cudaStream_t>(current_stream(device).handle());
}
inline cudaStream_t stream_of(const Tensor& t) {
  return stream_of(t.device().index);
}

// Blocks of `threads` for a grid-stride loop over n items (at least 1).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(b, 1, kMaxBlocks));
}

// The flat index of this thread and the grid-stride step, in 64 bits.
__device__ __forceinline__ int64_t global_thread() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_stride() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

}  // namespace mica::cuda
