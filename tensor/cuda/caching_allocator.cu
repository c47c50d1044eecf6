// The CUDA caching allocator behind cuda::allocate/free: freed blocks stay cached per (device,
// stream) and are reused by later requests of a similar size on the same stream, which orders the
// new user after the old one without any synchronization. Sizes round up to 512 bytes below
// 1 MiB and to eighths of a power of two above (at most 12.5% waste); a cached block serves a
// request when it is at most 25% larger. On out-of-memory the cache is freed and the allocation
// retried once before a mica::Error says what was asked for and what is held.
// MICA_CUDA_ALLOCATOR=async switches to CUDA's own stream-ordered pool (cudaMallocAsync) for
// comparison; the GPU benchmarks time both.
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "tensor/cuda/check.h"
#include "tensor/cuda/device_guard.cuh"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"

namespace mica::cuda {

namespace {

constexpr size_t kSmallLimit = 1 << 20;
constexpr size_t kSmallGranule = 512;

size_t round_request(size_t n) {
  if (n <= kSmallLimit) return (n + kSmallGranule - 1) / kSmallGranule * kSmallGranule;
  size_t pow2 = kSmallLimit;
  while (pow2 < n) pow2 <<= 1;
  const size_t step = pow2 / 16;  // eighths of the octave [pow2/2, pow2]
  return (n + step - 1) / step * step;
}

struct Block {
  size_t size = 0;
  cudaStream_t stream = nullptr;
};

struct DevicePool {
  std::mutex mutex;
  // free blocks by (stream, size)
  std::multimap<std::pair<cudaStream_t, size_t>, void*> cached;
  std::unordered_map<void*, Block> live;
  CacheStats stats;
};

bool use_async_pool() {
  static const bool async = [] {
    const char* v = std::getenv("MICA_CUDA_ALLOCATOR");
    return v != nullptr && std::strcmp(v, "async") == 0;
  }();
  return async;
}

DevicePool& pool(int device) {
  static std::mutex m;
  static std::map<int, DevicePool> pools;
  std::lock_guard<std::mutex> lock(m);
  return pools[device];  // std::map nodes never move
}

// Returns every cached block of p to CUDA. Caller holds p.mutex and the device is current.
void release_cached(DevicePool& p) {
  if (p.cached.empty()) return;
  cudaDeviceSynchronize();  // cached blocks may still be read by queued kernels of their stream
  for (auto& [key, ptr] : p.cached) {
    cudaFree(ptr);
    p.stats.reserved_bytes -= static_cast<int64_t>(key.second);
    p.stats.cached_bytes -= static_cast<int64_t>(key.second);
  }
  p.cached.clear();
}

[[noreturn]] void fail_oom(DevicePool& p, size_t asked, int device) {
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  cudaGetLastError();
  MICA_FAIL("cuda allocate: out of memory asking for ", asked, " bytes on cuda:", device, " (",
            p.stats.reserved_bytes - p.stats.cached_bytes, " bytes in use by mica's tensors, ",
            p.stats.cached_bytes, " cached; ", free_b, " of ", total_b,
            " bytes free on the device)");
}

}  // namespace

void* allocate(size_t nbytes, int device) {
  MICA_CHECK(device >= 0 && device < device_count(), "cuda allocate: device cuda:", device,
             " does not exist (", device_count(), " CUDA devices present)");
  DeviceGuard g(device);
  const cudaStream_t stream = static_cast<cudaStream_t>(current_stream(device).handle());
  const size_t size = round_request(nbytes == 0 ? 1 : nbytes);
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mutex);
  void* ptr = nullptr;
  if (use_async_pool()) {
    cudaError_t err = cudaMallocAsync(&ptr, size, stream);
    if (err == cudaErrorMemoryAllocation) fail_oom(p, nbytes, device);
    MICA_CUDA_CHECK(err);
    p.live[ptr] = Block{size, stream};
    p.stats.reserved_bytes += static_cast<int64_t>(size);
    ++p.stats.num_device_allocs;
    return ptr;
  }
  auto it = p.cached.lower_bound({stream, size});
  if (it != p.cached.end() && it->first.first == stream && it->first.second <= size + size / 4) {
    ptr = it->second;
    const size_t got = it->first.second;
    p.cached.erase(it);
    p.stats.cached_bytes -= static_cast<int64_t>(got);
    p.live[ptr] = Block{got, stream};
    ++p.stats.num_cache_hits;
    return ptr;
  }
  cudaError_t err = cudaMalloc(&ptr, size);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    release_cached(p);
    ++p.stats.num_oom_retries;
    err = cudaMalloc(&ptr, size);
    if (err == cudaErrorMemoryAllocation) fail_oom(p, nbytes, device);
  }
  MICA_CUDA_CHECK(err);
  p.live[ptr] = Block{size, stream};
  p.stats.reserved_bytes += static_cast<int64_t>(size);
  ++p.stats.num_device_allocs;
  return ptr;
}

void free(void* ptr, int device) {
  if (ptr == nullptr) return;
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mutex);
  const auto it = p.live.find(ptr);
  MICA_CHECK(it != p.live.end(), "cuda free: pointer ", ptr,
             " was not allocated by mica on cuda:", device);
  const Block b = it->second;
  p.live.erase(it);
  if (use_async_pool()) {
    DeviceGuard g(device);
    MICA_CUDA_CHECK(cudaFreeAsync(ptr, b.stream));
    p.stats.reserved_bytes -= static_cast<int64_t>(b.size);
    return;
  }
  p.cached.emplace(std::make_pair(b.stream, b.size), ptr);
  p.stats.cached_bytes += static_cast<int64_t>(b.size);
}

CacheStats cache_stats(int device) {
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.stats;
}

void empty_cache() {
  for (int d = 0; d < device_count(); ++d) {
    DeviceGuard g(d);
    DevicePool& p = pool(d);
    std::lock_guard<std::mutex> lock(p.mutex);
    release_cached(p);
  }
}

size_t rounded_allocation_size(size_t nbytes) {
  return round_request(nbytes == 0 ? 1 : nbytes);
}

}  // namespace mica::cuda
