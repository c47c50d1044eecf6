// Allocation front door: 64-byte-aligned CPU memory (large blocks through the reuse cache of
// tensor/cpu/block_cache.h) and CUDA memory through tensor/cuda/runtime.h, with one set of
// statistics per device.
#include "tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "tensor/cpu/block_cache.h"
#include "tensor/cuda/runtime.h"
#include "tensor/error.h"

namespace mica {

namespace {
constexpr size_t kAlignment = 64;
constexpr int kMaxCudaDevices = 16;

struct Counters {
  std::atomic<int64_t> allocated{0};
  std::atomic<int64_t> peak{0};
  std::atomic<int64_t> num_allocs{0};

  void add(int64_t n) {
    const int64_t now = allocated.fetch_add(n) + n;
    int64_t p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    num_allocs.fetch_add(1);
  }
  void sub(int64_t n) { allocated.fetch_sub(n); }
};

Counters& counters(Device d) {
  static Counters cpu;
  static Counters gpu[kMaxCudaDevices];
  if (d.is_cpu()) return cpu;
  MICA_CHECK(d.index >= 0 && d.index < kMaxCudaDevices, "allocator: device index ", d.index,
             " out of range");
  return gpu[d.index];
}

size_t round_up(size_t n) {
  return (n + kAlignment - 1) / kAlignment * kAlignment;
}
}  // namespace

void* device_allocate(size_t nbytes, Device device) {
  const size_t rounded = round_up(nbytes == 0 ? 1 : nbytes);
  void* p = nullptr;
  if (device.is_cpu()) {
    p = cpu::block_allocate(rounded);
    MICA_CHECK(p != nullptr, "allocate: out of CPU memory asking for ", nbytes, " bytes (",
               counters(device).allocated.load(), " bytes held by mica)");
  } else {
    p = cuda::allocate(rounded, device.index);
  }
  counters(device).add(static_cast<int64_t>(rounded));
  return p;
}

void device_free(void* ptr, size_t nbytes, Device device) {
  if (ptr == nullptr) return;
  const size_t rounded = round_up(nbytes == 0 ? 1 : nbytes);
  if (device.is_cpu()) {
    cpu::block_free(ptr, rounded);
  } else {
    cuda::free(ptr, device.index);
  }
  counters(device).sub(static_cast<int64_t>(rounded));
}

MemoryStats memory_stats(Device device) {
  Counters& c = counters(device);
  MemoryStats s;
  s.allocated_bytes = c.allocated.load();
  s.peak_bytes = c.peak.load();
  // What the caching allocators hold: in use plus cached.
  s.reserved_bytes = device.is_cuda() ? cuda::cache_stats(device.index).reserved_bytes
                                      : s.allocated_bytes + cpu::block_cache_stats().cached_bytes;
  s.num_allocs = c.num_allocs.load();
  return s;
}

void empty_cache(Device device) {
  if (device.is_cuda())
    cuda::empty_cache();
  else
    cpu::empty_block_cache();
}

void reset_peak_memory(Device device) {
  Counters& c = counters(device);
  c.peak.store(c.allocated.load());
}

}  // namespace mica
