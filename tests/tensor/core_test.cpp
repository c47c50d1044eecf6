// Core tensor-layer tests: dtypes and promotion, Scalar, devices, factories, allocator
// statistics, item/data_ptr, printing, and CUDA entry points in a build or machine without a GPU.
#include <gtest/gtest.h>

#include <sstream>

#include "tensor/cuda/runtime.h"
#include "test_util.h"

namespace mica::test {
namespace {

TEST(DType, NamesAndSizes) {
  EXPECT_STREQ(dtype_name(kBFloat16), "bfloat16");
  EXPECT_EQ(element_size(kFloat16), 2u);
  EXPECT_EQ(element_size(kInt64), 8u);
  EXPECT_EQ(element_size(kBool), 1u);
}

TEST(DType, PromotionMatchesPyTorch) {
  // torch.promote_types results
  EXPECT_EQ(promote_types(kInt32, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kUInt8, kInt32), kInt32);
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kFloat16, kBFloat16), kFloat32);
  EXPECT_EQ(promote_types(kFloat32, kFloat64), kFloat64);
  EXPECT_EQ(promote_types(kInt64, kFloat32), kFloat32);
  EXPECT_EQ(promote_types(kBFloat16, kFloat32), kFloat32);
  // tensor op Python-scalar
  EXPECT_EQ(result_type(kInt32, Scalar(1.5)), kFloat32);
  EXPECT_EQ(result_type(kFloat16, Scalar(2.0)), kFloat16);
  EXPECT_EQ(result_type(kUInt8, Scalar(300)), kUInt8);
  EXPECT_EQ(result_type(kBool, Scalar(2)), kInt64);
}

TEST(DType, HalfRoundTripIsExactForAllFinitePatterns) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const Half h = Half::from_bits(static_cast<uint16_t>(b));
    const float f = static_cast<float>(h);
    if (std::isnan(f)) continue;
    EXPECT_EQ(Half(f).bits, b) << "pattern " << b;
    const BFloat16 bf = BFloat16::from_bits(static_cast<uint16_t>(b));
    if (!std::isnan(static_cast<float>(bf))) {
      EXPECT_EQ(BFloat16(static_cast<float>(bf)).bits, b);
    }
  }
}

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(Device("cpu"), Device(kCPU));
  EXPECT_EQ(Device("cuda:1").index, 1);
  EXPECT_EQ(Device("cuda").str(), "cuda:0");
  EXPECT_MICA_ERROR(Device("gpu"), "Device", "gpu");
  EXPECT_MICA_ERROR(Device("cuda:x"), "cuda:x");
}

TEST(Factory, ShapesValuesAndOptions) {
  Tensor z = zeros({2, 3}, kFloat64);
  EXPECT_EQ(z.sizes(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(values(ones({3}, kInt32)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(full({2}, 2.5)), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(values(eye(2, 3)), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_EQ(values(arange(5)), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(values(arange(10, 0, -3)), (std::vector<double>{10, 7, 4, 1}));
  EXPECT_EQ(arange(0.0, 1.0, 0.25).dtype(), kFloat32);
  EXPECT_EQ(tensor({1, 2, 3}).dtype(), kInt64);
  EXPECT_EQ(tensor({1.5, 2.0}).dtype(), kFloat32);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(from_vector(std::vector<double>{1, 2}).dtype(), kFloat64);
  Tensor like = zeros_like(z, kInt32);
  EXPECT_EQ(like.dtype(), kInt32);
  EXPECT_EQ(like.sizes(), z.sizes());
  EXPECT_EQ(values(full_like(z, 7)), std::vector<double>(6, 7.0));
  Tensor scalar = scalar_tensor(3);
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<int>(), 3);
  Tensor rg = ones({2}, TensorOptions().requires_grad(true));
  EXPECT_TRUE(rg.requires_grad());
  Tensor zero_size = empty({0, 4});
  EXPECT_EQ(zero_size.numel(), 0);
}

TEST(Factory, Errors) {
  EXPECT_MICA_ERROR(empty({2, -1}), "empty", "[2, -1]");
  EXPECT_MICA_ERROR(arange(0, 5, 0), "arange", "step");
  EXPECT_MICA_ERROR(arange(5, 0, 1), "arange", "inconsistent");
  EXPECT_MICA_ERROR(zeros({2}, TensorOptions(kInt64).requires_grad(true)), "requires_grad",
                    "int64");
  EXPECT_MICA_ERROR(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), "view", "[2, 2]", "3");
  EXPECT_MICA_ERROR(linspace(0, 1, -1), "linspace");
}

TEST(Factory, FromBlobSharesMemoryAndCallsDeleter) {
  float data[6] = {0, 1, 2, 3, 4, 5};
  int deleted = 0;
  {
    Tensor t = from_blob(data, {2, 3}, kFloat32, [&](void*) { ++deleted; });
    EXPECT_EQ(t.data_ptr<float>(), data);
    EXPECT_EQ(values(t.select(0, 1)), (std::vector<double>{3, 4, 5}));
    t.fill_(9);
    EXPECT_EQ(data[5], 9.0f);
    Tensor view = t.t();  // keeps the storage alive
    EXPECT_EQ(deleted, 0);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(Allocator, TracksCurrentAndPeakBytes) {
  const Device cpu(kCPU);
  const MemoryStats before = memory_stats(cpu);
  {
    Tensor t = empty({1024, 256});  // 1 MiB
    const MemoryStats during = memory_stats(cpu);
    EXPECT_GE(during.allocated_bytes - before.allocated_bytes, 1 << 20);
    EXPECT_GE(during.peak_bytes, during.allocated_bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  }
  EXPECT_EQ(memory_stats(cpu).allocated_bytes, before.allocated_bytes);
  reset_peak_memory(cpu);
  EXPECT_EQ(memory_stats(cpu).peak_bytes, memory_stats(cpu).allocated_bytes);
}

TEST(Access, ItemAndDataPtr) {
  Tensor t = tensor({2.5f});
  EXPECT_EQ(t.item<float>(), 2.5f);
  EXPECT_EQ(t.item<int>(), 2);
  EXPECT_MICA_ERROR(t.data_ptr<double>(), "data_ptr", "float64", "float32");
  EXPECT_MICA_ERROR(zeros({2}).item(), "item", "[2]");
  Tensor undefined;
  EXPECT_MICA_ERROR(undefined.sizes(), "undefined");
}

TEST(Conversion, ToDtypeRoundsAndTruncates) {
  Tensor f = tensor({-1.7f, 0.5f, 2.9f});
  EXPECT_EQ(values(f.to(kInt64)), (std::vector<double>{-1, 0, 2}));
  EXPECT_EQ(values(f.to(kBool)), (std::vector<double>{1, 1, 1}));
  Tensor same = f.to(kFloat32);
  EXPECT_TRUE(same.is_same(f));                          // no-op conversion returns the same tensor
  Tensor h = tensor({1.0f + 1.0f / 2048}).to(kFloat16);  // a tie: rounds to even (1.0)
  EXPECT_EQ(h.item<float>(), 1.0f);
}

TEST(Print, LooksLikePyTorch) {
  std::ostringstream a, b, c, d;
  a << from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(a.str(), "tensor([[1., 2.],\n        [3., 4.]])");
  b << tensor({1, 2, 3});
  EXPECT_EQ(b.str(), "tensor([1, 2, 3])");
  c << tensor({0.5, 1.25}).to(kFloat64);
  EXPECT_EQ(c.str(), "tensor([0.5000, 1.2500], dtype=float64)");
  d << arange(2000);
  EXPECT_NE(d.str().find("..."), std::string::npos);
  EXPECT_NE(d.str().find("1999"), std::string::npos);
}

TEST(Threads, SetNumThreads) {
  const int before = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(before);
  EXPECT_MICA_ERROR(set_num_threads(0), "set_num_threads");
}

TEST(Cuda, EntryPointsFailCleanlyWithoutAGpu) {
  if (cuda::is_available()) GTEST_SKIP() << "a GPU is present; covered by the cuda-labelled tests";
#ifdef MICA_WITH_CUDA
  EXPECT_MICA_ERROR(zeros({2}).to(Device(kCUDA)), "cuda:0", "does not exist");
#else
  EXPECT_MICA_ERROR(zeros({2}).to(Device(kCUDA)), "mica was built without CUDA");
#endif
  EXPECT_EQ(cuda::device_count(), 0);
}

}  // namespace
}  // namespace mica::test
