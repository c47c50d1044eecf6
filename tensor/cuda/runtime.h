// The CUDA runtime entry points the tensor layer needs (device memory and copies). Built from
// runtime.cu with CUDA, or from stub.cpp without it, where every call throws
// "<op>: mica was built without CUDA".
#pragma once

#include <cstddef>
#include <cstdint>

namespace mica::cuda {

bool is_available();  // built with CUDA and at least one device present
int device_count();   // 0 when built without CUDA or no device
// Device memory through the caching allocator (tensor/cuda/caching_allocator.cu), ordered on
// the device's current stream.
void* allocate(size_t nbytes, int device);
void free(void* ptr, int device);

struct CacheStats {
  int64_t reserved_bytes = 0;     // held from CUDA: blocks in use plus cached ones
  int64_t cached_bytes = 0;       // free blocks kept for reuse
  int64_t num_device_allocs = 0;  // cudaMalloc calls
  int64_t num_cache_hits = 0;     // requests served from the cache
  int64_t num_oom_retries = 0;    // out-of-memory retries after freeing the cache
};
CacheStats cache_stats(int device);
// Returns every cached (free) block to CUDA, on every device. A no-op without CUDA.
void empty_cache();
// The size the allocator actually reserves for a request of nbytes.
size_t rounded_allocation_size(size_t nbytes);
void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device);
void synchronize(int device);
// Page-locked host memory (for fast, asynchronous host-to-device copies), and a copy that is
// queued on the device's current stream (so kernels launched later see its result) and
// returns at once: src must stay allocated until the copy has run (synchronize(device)).
void* pinned_allocate(size_t nbytes);
void pinned_free(void* ptr);
void copy_host_to_device_async(void* dst, const void* src, size_t nbytes, int device);

}  // namespace mica::cuda
