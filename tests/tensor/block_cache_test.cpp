// The CPU block cache behind the allocator: large freed blocks are reused, small ones are not
// cached, a miss evicts cached bytes before it grows the process, and empty_cache releases all.
#include "tensor/cpu/block_cache.h"

#include "test_util.h"

namespace mica::test {
namespace {

const Device kCpu(kCPU);

// The tests below need the cache on (AddressSanitizer builds and MICA_CPU_ALLOCATOR=malloc
// turn it off).
#define SKIP_WITHOUT_CACHE() \
  if (!cpu::block_cache_enabled()) GTEST_SKIP() << "CPU block cache is off"

TEST(BlockCache, ReusesAFreedLargeBlock) {
  SKIP_WITHOUT_CACHE();
  empty_cache(kCpu);
  const cpu::BlockCacheStats before = cpu::block_cache_stats();
  const void* first = nullptr;
  {
    const Tensor t = empty({1 << 18});  // 1 MiB
    first = t.raw_data();
  }
  EXPECT_GE(cpu::block_cache_stats().cached_bytes, 1 << 20);
  EXPECT_GE(memory_stats(kCpu).reserved_bytes - memory_stats(kCpu).allocated_bytes, 1 << 20);
  const Tensor again = empty({1 << 18});
  EXPECT_EQ(again.raw_data(), first);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(again.raw_data()) % 64, 0u);
  const cpu::BlockCacheStats after = cpu::block_cache_stats();
  EXPECT_EQ(after.hits, before.hits + 1);
  EXPECT_EQ(after.cached_bytes, 0);
}

TEST(BlockCache, SmallBlocksAreNotCached) {
  SKIP_WITHOUT_CACHE();
  empty_cache(kCpu);
  { const Tensor t = empty({1024}); }  // 4 KiB
  EXPECT_EQ(cpu::block_cache_stats().cached_bytes, 0);
}

TEST(BlockCache, AMissEvictsBeforeItAllocates) {
  SKIP_WITHOUT_CACHE();
  empty_cache(kCpu);
  { const Tensor small = empty({1 << 18}); }  // 1 MiB cached
  ASSERT_GE(cpu::block_cache_stats().cached_bytes, 1 << 20);
  const int64_t misses = cpu::block_cache_stats().misses;
  // 3 MiB: no cached block of that class, so the 1 MiB block goes back to the system first and
  // live + cached bytes stay at what the process actually uses.
  const Tensor big = empty({3 << 18});
  EXPECT_EQ(cpu::block_cache_stats().misses, misses + 1);
  EXPECT_EQ(cpu::block_cache_stats().cached_bytes, 0);
  // A larger cached block serves as the eviction of one block when a smaller class misses.
  { const Tensor huge = empty({8 << 18}); }  // 8 MiB cached
  const Tensor mid = empty({2 << 18});       // 2 MiB: evicts the 8 MiB block
  EXPECT_EQ(cpu::block_cache_stats().cached_bytes, 0);
}

TEST(BlockCache, EmptyCacheReleasesEverything) {
  SKIP_WITHOUT_CACHE();
  { const Tensor a = empty({1 << 18}), b = empty({5 << 17}); }
  EXPECT_GT(cpu::block_cache_stats().cached_bytes, 0);
  empty_cache(kCpu);
  EXPECT_EQ(cpu::block_cache_stats().cached_bytes, 0);
  EXPECT_EQ(memory_stats(kCpu).reserved_bytes, memory_stats(kCpu).allocated_bytes);
}

TEST(BlockCache, ReusedMemoryHoldsTheNewValues) {
  { Tensor t = full({1 << 18}, 7.0); }
  const Tensor z = zeros({1 << 18});
  for (const double v : values(z)) ASSERT_EQ(v, 0.0);
}

}  // namespace
}  // namespace mica::test
