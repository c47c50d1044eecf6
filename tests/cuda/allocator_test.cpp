// The CUDA caching allocator: freed blocks are reused on the same stream, statistics add up,
// empty_cache returns the cache, and out-of-memory gives a mica::Error that says what was asked
// for and what is held. Size rounding is checked everywhere (it needs no GPU).
#include <gtest/gtest.h>

#include "mica.h"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"
#include "test_util.h"

namespace mica {
namespace {

const Device kGpu(kCUDA, 0);

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device"

TEST(CudaAllocator, RoundingWastesAtMostAnEighthAboveOneMiB) {
  if (!cuda::is_available()) GTEST_SKIP() << "the rounding lives in the CUDA build";
  EXPECT_EQ(cuda::rounded_allocation_size(1), 512u);
  EXPECT_EQ(cuda::rounded_allocation_size(513), 1024u);
  EXPECT_EQ(cuda::rounded_allocation_size(1 << 20), size_t{1} << 20);
  for (size_t n : {size_t{1} << 20 | 1, size_t{3} << 20, size_t{12345678}, size_t{1} << 30}) {
    const size_t r = cuda::rounded_allocation_size(n);
    EXPECT_GE(r, n);
    EXPECT_LE(r - n, n / 8) << n;
  }
}

TEST(CudaAllocator, FreedBlocksAreReusedWithoutNewDeviceAllocations) {
  SKIP_WITHOUT_GPU();
  { Tensor warm = empty({1 << 20}, TensorOptions(kFloat32).device(kGpu)); }
  const cuda::CacheStats before = cuda::cache_stats(0);
  for (int i = 0; i < 50; ++i) Tensor t = empty({1 << 20}, TensorOptions(kFloat32).device(kGpu));
  const cuda::CacheStats after = cuda::cache_stats(0);
  EXPECT_EQ(after.num_device_allocs, before.num_device_allocs);
  EXPECT_GE(after.num_cache_hits - before.num_cache_hits, 50);
}

TEST(CudaAllocator, StatisticsAddUpAndEmptyCacheReleases) {
  SKIP_WITHOUT_GPU();
  cuda::empty_cache();
  const MemoryStats base = memory_stats(kGpu);
  {
    Tensor a = empty({256, 1024}, TensorOptions(kFloat32).device(kGpu));  // 1 MiB
    const MemoryStats held = memory_stats(kGpu);
    EXPECT_GE(held.allocated_bytes - base.allocated_bytes, 1 << 20);
    EXPECT_GE(held.reserved_bytes, held.allocated_bytes);
    EXPECT_GE(held.peak_bytes, held.allocated_bytes);
  }
  EXPECT_EQ(memory_stats(kGpu).allocated_bytes, base.allocated_bytes);
  EXPECT_GT(cuda::cache_stats(0).cached_bytes, 0);
  cuda::empty_cache();
  EXPECT_EQ(cuda::cache_stats(0).cached_bytes, 0);
}

TEST(CudaAllocator, OutOfMemoryRetriesOnceThenNamesTheRequest) {
  SKIP_WITHOUT_GPU();
  const int64_t retries = cuda::cache_stats(0).num_oom_retries;
  EXPECT_MICA_ERROR(empty({int64_t{1} << 45}, TensorOptions(kFloat32).device(kGpu)),
                    "out of memory", "140737488355328 bytes", "cuda:0");
  EXPECT_EQ(cuda::cache_stats(0).num_oom_retries, retries + 1);
  // The allocator still works afterwards.
  Tensor t = full({4}, 2.0f, TensorOptions(kFloat32).device(kGpu));
  EXPECT_EQ(t.cpu().data_ptr<float>()[3], 2.0f);
}

TEST(CudaAllocator, BlocksAreNotSharedAcrossStreams) {
  SKIP_WITHOUT_GPU();
  const cuda::Stream side = cuda::Stream::create(0);
  void* first = nullptr;
  {
    Tensor a = empty({1 << 16}, TensorOptions(kFloat32).device(kGpu));
    first = a.raw_data();
  }
  cuda::StreamGuard guard(side);
  Tensor b = empty({1 << 16}, TensorOptions(kFloat32).device(kGpu));
  EXPECT_NE(b.raw_data(), first) << "a block freed on one stream was handed to another";
}

}  // namespace
}  // namespace mica
