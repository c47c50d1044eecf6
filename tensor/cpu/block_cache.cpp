// Size-class free lists for large CPU blocks (see block_cache.h): classes are eighths of a power
// of two (at most 12.5% rounding), one mutex guards the lists, and a miss first evicts cached
// blocks so that live plus cached bytes never exceed the largest live total seen.
#include "tensor/cpu/block_cache.h"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace mica::cpu {

namespace {

constexpr size_t kAlignment = 64;

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;  // size class -> blocks
  BlockCacheStats stats;
  bool enabled = true;
};

// AddressSanitizer builds keep the cache off by default: reused blocks would hide
// use-after-free bugs from it (MICA_CPU_ALLOCATOR=cache turns it on there).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheByDefault = false;
#else
constexpr bool kCacheByDefault = true;
#endif

Cache& cache() {
  // Never destroyed: tensors freed during static destruction still find it.
  static Cache* c = [] {
    auto* made = new Cache;
    const char* mode = std::getenv("MICA_CPU_ALLOCATOR");
    made->enabled = mode == nullptr ? kCacheByDefault : std::strcmp(mode, "malloc") != 0;
    return made;
  }();
  return *c;
}

// nbytes rounded up to an eighth of its power of two.
size_t size_class(size_t nbytes) {
  const size_t step = std::bit_floor(nbytes) / 8;
  return (nbytes + step - 1) / step * step;
}

// Frees one cached block of class it->first (the caller holds the lock); returns its size.
size_t release_one(Cache& c, std::map<size_t, std::vector<void*>>::iterator it) {
  const size_t cls = it->first;
  std::free(it->second.back());
  it->second.pop_back();
  if (it->second.empty()) c.free_blocks.erase(it);
  c.stats.cached_bytes -= static_cast<int64_t>(cls);
  return cls;
}

// Makes room for a new block of cls bytes: one cached block at least that large if there is
// one, else the largest smaller ones until cls bytes are released (the caller holds the lock).
void evict_for(Cache& c, size_t cls) {
  if (c.free_blocks.empty()) return;
  if (auto it = c.free_blocks.lower_bound(cls); it != c.free_blocks.end()) {
    release_one(c, it);
    return;
  }
  size_t released = 0;
  while (released < cls && !c.free_blocks.empty())
    released += release_one(c, std::prev(c.free_blocks.end()));
}

}  // namespace

void* block_allocate(size_t nbytes) {
  Cache& c = cache();
  if (!c.enabled || nbytes < kMinCachedBytes) return std::aligned_alloc(kAlignment, nbytes);
  const size_t cls = size_class(nbytes);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (auto it = c.free_blocks.find(cls); it != c.free_blocks.end()) {
      void* p = it->second.back();
      it->second.pop_back();
      if (it->second.empty()) c.free_blocks.erase(it);
      c.stats.cached_bytes -= static_cast<int64_t>(cls);
      ++c.stats.hits;
      return p;
    }
    ++c.stats.misses;
    evict_for(c, cls);
  }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (p == nullptr) {  // out of memory: give the whole cache back and try once more
    empty_block_cache();
    p = std::aligned_alloc(kAlignment, cls);
  }
  return p;
}

void block_free(void* ptr, size_t nbytes) {
  Cache& c = cache();
  if (!c.enabled || nbytes < kMinCachedBytes) {
    std::free(ptr);
    return;
  }
  const size_t cls = size_class(nbytes);
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_blocks[cls].push_back(ptr);
  c.stats.cached_bytes += static_cast<int64_t>(cls);
}

bool block_cache_enabled() {
  return cache().enabled;
}

void empty_block_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  while (!c.free_blocks.empty()) release_one(c, c.free_blocks.begin());
}

BlockCacheStats block_cache_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

}  // namespace mica::cpu
