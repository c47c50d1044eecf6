// CUDA runtime tests: device memory, host<->device copies and allocator statistics on a GPU.
// Every test skips when no GPU is present.
#include <gtest/gtest.h>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device"

TEST(CudaRuntime, RoundTripCopyPreservesValuesAndDtype) {
  SKIP_WITHOUT_GPU();
  Tensor host = arange(0.0, 10.0, 0.5);
  Tensor dev = host.to(Device(kCUDA));
  EXPECT_TRUE(dev.is_cuda());
  Tensor back = dev.cpu();
  ASSERT_EQ(back.sizes(), host.sizes());
  for (int64_t i = 0; i < host.numel(); ++i)
    EXPECT_EQ(back.data_ptr<float>()[i], host.data_ptr<float>()[i]);
  // dtype conversion on the way in, strided source
  Tensor strided = host.slice(0, 0, 20, 3);
  Tensor dev64 = strided.to(Device(kCUDA), kFloat64);
  Tensor back64 = dev64.cpu();
  for (int64_t i = 0; i < strided.numel(); ++i)
    EXPECT_EQ(back64.data_ptr<double>()[i], static_cast<double>(host.data_ptr<float>()[i * 3]));
}

TEST(CudaRuntime, FillAndStatistics) {
  SKIP_WITHOUT_GPU();
  const Device gpu(kCUDA);
  const MemoryStats before = memory_stats(gpu);
  {
    Tensor t = full({256, 256}, 3.0f, TensorOptions().device(gpu));
    EXPECT_GE(memory_stats(gpu).allocated_bytes - before.allocated_bytes, 256 * 256 * 4);
    EXPECT_EQ(t.cpu().data_ptr<float>()[1000], 3.0f);
  }
  EXPECT_EQ(memory_stats(gpu).allocated_bytes, before.allocated_bytes);
}

TEST(CudaRuntime, OutOfMemoryIsAnError) {
  SKIP_WITHOUT_GPU();
  EXPECT_THROW(empty({int64_t{1} << 45}, TensorOptions().device(Device(kCUDA))), Error);
}

}  // namespace
}  // namespace mica
