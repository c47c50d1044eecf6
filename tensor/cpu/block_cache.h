// Cache of freed large CPU blocks: a block of at least kMinCachedBytes goes back to a free list
// of its size class instead of to malloc, and the next request of that class reuses it with its
// pages still mapped (no page faults, no zeroing by the kernel on every training step). The
// cache never makes the process hold more than its peak of live bytes: a request that misses
// first releases cached blocks of other classes, at least as many bytes as it asks for.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mica::cpu {

// Smallest block the cache keeps (smaller ones stay with malloc, which reuses them well).
inline constexpr size_t kMinCachedBytes = size_t{1} << 17;

struct BlockCacheStats {
  int64_t cached_bytes = 0;  // freed blocks held for reuse
  int64_t hits = 0;          // requests served from the cache
  int64_t misses = 0;        // requests of a cached size that went to malloc
};

// nbytes: a multiple of 64. Returns a 64-byte aligned block of at least nbytes, nullptr when the
// system is out of memory. MICA_CPU_ALLOCATOR=malloc turns the cache off (every call mallocs),
// =cache on; AddressSanitizer builds default to off.
void* block_allocate(size_t nbytes);
// Returns a block from block_allocate with the same nbytes.
void block_free(void* ptr, size_t nbytes);
// Whether the cache is on (see block_allocate).
bool block_cache_enabled();
// Releases every cached block to the system.
void empty_block_cache();
BlockCacheStats block_cache_stats();

}  // namespace mica::cpu
