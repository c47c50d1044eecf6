// Helpers shared by the CUDA indexing, shape and random kernels: dispatch on an element's byte
// width (pure data movement needs no more than that), wrapped index values, device workspace
// tensors, and reading a few device values back to the host on the tensor's stream.
#pragma once

#include <cstdint>

#include "tensor/cuda/launch.cuh"
#include "tensor/kernels/element_bits.h"
#include "tensor/ops/factory.h"

namespace mica::cuda::detail {

using kernels::wrapped;
// kernels::dispatch_bytes with this family's name in its error.
template <class F>
decltype(auto) dispatch_bytes(size_t bytes, F&& f) {
  return kernels::dispatch_bytes(bytes, "cuda indexing", f);
}

inline char* bytes_of(const Tensor& t) {
  return static_cast<char*>(t.raw_data());
}

// An uninitialized device buffer of n elements of dtype on device (freed with the Tensor).
inline Tensor workspace(int64_t n, DType dtype, Device device) {
  return empty({n}, TensorOptions(dtype).device(device));
}

// Copies nbytes from device memory to the host on device's current stream and waits for it.
inline void read_back(void* host, const void* dev, size_t nbytes, int device) {
  const cudaStream_t s = stream_of(device);
  MICA_CUDA_CHECK(cudaMemcpyAsync(host, dev, nbytes, cudaMemcpyDeviceToHost, s));
  MICA_CUDA_CHECK(cudaStreamSynchronize(s));
}

}  // namespace mica::cuda::detail
