// Memory allocation: the 64-byte-aligned CPU allocator and the CUDA allocator entry points,
// with per-device statistics (current and peak bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/device.h"

namespace mica {

struct MemoryStats {
  int64_t allocated_bytes = 0;  // currently held by live tensors
  int64_t peak_bytes = 0;       // highest allocated_bytes since start or reset_peak_memory
  int64_t reserved_bytes = 0;   // held from the system (>= allocated with a caching allocator)
  int64_t num_allocs = 0;       // allocations served since start
};

// Allocates nbytes on device (64-byte aligned on CPU). Zero bytes gives a valid unique pointer.
void* device_allocate(size_t nbytes, Device device);
void device_free(void* ptr, size_t nbytes, Device device);

MemoryStats memory_stats(Device device);
// Returns cached free blocks to the system: the CPU's large-block cache (MICA_CPU_ALLOCATOR=malloc
// turns it off) or, for a CUDA device, the caching allocator's blocks on every device.
void empty_cache(Device device);
void reset_peak_memory(Device device);

}  // namespace mica
