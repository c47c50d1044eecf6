// Helpers shared by the CUDA indexing, shape and random kernels: dispatch on an element's byte
// width (pure data movement needs no more than that), wrapped index values, device workspace
// tensors, and reading a few device values back to the host on the tensor's stream.
#pragma once

#include <cstdint>

#include "tensor/cuda/launch.cuh"
#include "tensor/ops/factory.h"

namespace mica::cuda::detail {

// Calls f.template operator()<U>() with an unsigned integer type of the given byte width.
template <class F>
decltype(auto) dispatch_bytes(size_t bytes, F&& f) {
  switch (bytes) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    case 8:
      return f.template operator()<uint64_t>();
    default:
      break;
  }
  MICA_FAIL("cuda indexing: unsupported element size ", bytes);
}

// An index value, negative ones counted from the end when wrap > 0.
template <class I>
MICA_INLINE int64_t wrapped(I v, int64_t wrap) {
  const int64_t x = static_cast<int64_t>(v);
  return x < 0 ? x + wrap : x;
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
