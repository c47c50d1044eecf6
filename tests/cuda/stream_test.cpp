// Streams and events: a StreamGuard makes a stream current (and restores the previous one),
// work queued on a side stream is ordered by events, and events time GPU work.
#include <gtest/gtest.h>

#include "mica.h"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"

namespace mica {
namespace {

const Device kGpu(kCUDA, 0);

TEST(CudaStream, GuardSetsAndRestoresTheCurrentStream) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const cuda::Stream before = cuda::current_stream(0);
  EXPECT_EQ(before, cuda::Stream::default_stream(0));
  const cuda::Stream side = cuda::Stream::create(0);
  {
    cuda::StreamGuard guard(side);
    EXPECT_EQ(cuda::current_stream(0), side);
  }
  EXPECT_EQ(cuda::current_stream(0), before);
}

TEST(CudaStream, WorkOnASideStreamIsOrderedByEvents) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const cuda::Stream side = cuda::Stream::create(0);
  Tensor a = full({1 << 22}, 1.5f, TensorOptions(kFloat32).device(kGpu));
  cuda::Event ready;
  Tensor b;
  {
    cuda::StreamGuard guard(side);
    b = a * 2.0f;  // queued on the side stream
    ready.record(side);
  }
  ready.block(cuda::current_stream(0));
  const Tensor c = b + 1.0f;  // default stream, after the event
  EXPECT_EQ(c.cpu().data_ptr<float>()[(1 << 22) - 1], 4.0f);
}

TEST(CudaStream, EventsTimeGpuWork) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Tensor a = ones({2048, 2048}, TensorOptions(kFloat32).device(kGpu));
  const cuda::Stream s = cuda::current_stream(0);
  cuda::Event start, stop;
  start.record(s);
  for (int i = 0; i < 4; ++i) Tensor c = matmul(a, a);
  stop.record(s);
  stop.synchronize();
  const float ms = stop.elapsed_ms_since(start);
  EXPECT_GT(ms, 0.0f);
  EXPECT_LT(ms, 10000.0f);
}

}  // namespace
}  // namespace mica
