// CUDA copies, fills and factories against the CPU: every dtype conversion pair on the device,
// host-to-device and device-to-host (contiguous, strided, broadcast and 0-d on either side),
// sizes above a million elements, fill_ of strided views, the factories with a CUDA device,
// item() and printing, and copies between two GPUs where there are two. Skips without a GPU.
#include <sstream>
#include <string>

#include "cuda_test_util.h"

namespace mica {
namespace {

using cuda_test::gpu;
using cuda_test::matches;
using cuda_test::random_cpu;

const cuda_test::Tol kExact{0, 0};

// Values every dtype holds (0 .. 100 with fractions), so conversions are defined in C++.
Tensor convertible(const Shape& shape, DType dt, uint64_t seed) {
  return random_cpu(shape, dt, seed, 0, 100);
}

TEST(CudaCopy, EveryDtypePairOnTheDevice) {
  SKIP_WITHOUT_GPU();
  for (DType from : cuda_test::kAllDTypes)
    for (DType to : cuda_test::kAllDTypes) {
      SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + dtype_name(to));
      const Tensor src = convertible({13, 29}, from, 1);
      const Tensor expected = src.to(to);
      const Tensor g = gpu(src);
      // CUDA -> CUDA: contiguous, transposed source, transposed destination.
      EXPECT_TRUE(matches(g.to(to), expected, kExact));
      EXPECT_TRUE(matches(gpu(src.t().contiguous()).t().to(to), expected, kExact));
      Tensor dst_t = empty({29, 13}, TensorOptions(to).device(Device(kCUDA))).t();
      dst_t.copy_(g);
      EXPECT_TRUE(matches(dst_t, expected, kExact));
      // Host -> device and device -> host with the conversion on the way.
      EXPECT_TRUE(matches(src.to(Device(kCUDA), to), expected, kExact));
      const Tensor back = g.t().to(Device(kCPU), to);
      EXPECT_TRUE(matches(gpu(back), expected.t(), kExact));
    }
}

TEST(CudaCopy, HostDeviceLayouts) {
  SKIP_WITHOUT_GPU();
  const Tensor src = random_cpu({6, 8}, kFloat32, 1);
  // CPU -> non-contiguous CUDA destinations (every other column, a transpose).
  Tensor big = zeros({6, 16}, TensorOptions().device(Device(kCUDA)));
  Tensor cols = big.slice(1, 0, 16, 2);
  cols.copy_(src);
  EXPECT_TRUE(matches(cols, src, kExact));
  Tensor host_big = zeros({6, 16});
  host_big.slice(1, 0, 16, 2).copy_(src);
  EXPECT_TRUE(matches(big, host_big, kExact));
  Tensor tr = empty({8, 6}, TensorOptions(kFloat64).device(Device(kCUDA))).t();
  tr.copy_(src.t().contiguous().t());  // strided CPU source as well
  EXPECT_TRUE(matches(tr, src.to(kFloat64), kExact));
  // Broadcast sources across devices: a CPU row into a CUDA matrix, a CUDA row into a CPU one,
  // 0-d tensors both ways.
  const Tensor row = random_cpu({8}, kFloat32, 2);
  Tensor dev = empty({6, 8}, TensorOptions(kFloat16).device(Device(kCUDA)));
  dev.copy_(row);
  EXPECT_TRUE(matches(dev, row.expand({6, 8}).to(kFloat16), kExact));
  Tensor host = empty({8, 6}).t();
  host.copy_(gpu(row));
  EXPECT_TRUE(matches(gpu(host), row.expand({6, 8}), kExact));
  Tensor host_int = empty({6, 8}, TensorOptions(kInt32));
  host_int.copy_(gpu(convertible({6, 1}, kFloat64, 3)));
  EXPECT_TRUE(
      matches(gpu(host_int), convertible({6, 1}, kFloat64, 3).expand({6, 8}).to(kInt32), kExact));
  const Tensor zero_d = scalar_tensor(2.5);
  Tensor d3 = empty({3, 4}, TensorOptions(kBFloat16).device(Device(kCUDA)));
  d3.copy_(zero_d);
  EXPECT_TRUE(matches(d3, full({3, 4}, 2.5, TensorOptions(kBFloat16)), kExact));
  Tensor h3 = empty({3, 4}, TensorOptions(kInt64));
  h3.copy_(gpu(zero_d));
  EXPECT_TRUE(matches(gpu(h3), full({3, 4}, 2, TensorOptions(kInt64)), kExact));
  EXPECT_TRUE(matches(gpu(zero_d).to(kFloat16), zero_d.to(kFloat16), kExact));
  // An expanded CUDA tensor to the CPU, and a zero-size copy.
  EXPECT_TRUE(matches(gpu(gpu(row).expand({5, 8}).cpu()), row.expand({5, 8}), kExact));
  EXPECT_EQ(gpu(empty({0, 3})).cpu().sizes(), (Shape{0, 3}));
}

TEST(CudaCopy, LargeContiguousAndStrided) {
  SKIP_WITHOUT_GPU();
  const int64_t n = (int64_t{1} << 21) + 7;
  const Tensor x = random_cpu({n}, kFloat32, 1);
  const Tensor gx = gpu(x);
  EXPECT_TRUE(matches(gx.clone(), x, kExact));
  EXPECT_TRUE(matches(gx.to(kBFloat16), x.to(kBFloat16), kExact));
  EXPECT_TRUE(matches(gx.to(kInt32).to(kFloat64), x.to(kInt32).to(kFloat64), kExact));
  const Tensor m = random_cpu({1031, 2048}, kFloat16, 2);
  const Tensor gm = gpu(m);
  EXPECT_TRUE(matches(gm.t().contiguous(), m.t().contiguous(), kExact));
  EXPECT_TRUE(matches(gm.t().to(kFloat32), m.t().to(kFloat32), kExact));
  EXPECT_TRUE(matches(gpu(gm.slice(1, 1, 2048, 3).cpu()), m.slice(1, 1, 2048, 3), kExact));
  Tensor dst = zeros({2048, 1031}, TensorOptions(kFloat64).device(Device(kCUDA)));
  dst.t().copy_(m);  // CPU -> strided CUDA destination, with conversion
  EXPECT_TRUE(matches(dst, m.t().to(kFloat64), kExact));
  // A broadcast 1.5M-element copy on the device.
  Tensor b = empty({1500, 1000}, TensorOptions(kInt64).device(Device(kCUDA)));
  b.copy_(gpu(random_cpu({1000}, kInt64, 3, -50, 50)));
  EXPECT_TRUE(matches(b, random_cpu({1000}, kInt64, 3, -50, 50).expand({1500, 1000}), kExact));
}

TEST(CudaCopy, FillAndFactories) {
  SKIP_WITHOUT_GPU();
  const TensorOptions cuda_opts = TensorOptions().device(Device(kCUDA));
  for (DType dt : cuda_test::kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const TensorOptions o = TensorOptions(dt), og = TensorOptions(dt).device(Device(kCUDA));
    EXPECT_TRUE(matches(zeros({5, 7}, og), zeros({5, 7}, o), kExact));
    EXPECT_TRUE(matches(ones({5, 7}, og), ones({5, 7}, o), kExact));
    EXPECT_TRUE(matches(full({3, 1, 4}, 3.75, og), full({3, 1, 4}, 3.75, o), kExact));
    EXPECT_TRUE(matches(full({}, 1, og), full({}, 1, o), kExact));
    EXPECT_TRUE(matches(eye(4, 6, og), eye(4, 6, o), kExact));
    Tensor g = zeros({6, 9}, og), c = zeros({6, 9}, o);
    g.slice(1, 1, 9, 3).fill_(7);  // a strided view
    c.slice(1, 1, 9, 3).fill_(7);
    EXPECT_TRUE(matches(g, c, kExact));
    const Tensor src = convertible({2, 3}, dt, 4);
    EXPECT_TRUE(matches(zeros_like(gpu(src)), zeros_like(src), kExact));
    EXPECT_TRUE(matches(ones_like(gpu(src)), ones_like(src), kExact));
    EXPECT_TRUE(matches(full_like(gpu(src), 2), full_like(src, 2), kExact));
    EXPECT_EQ(empty_like(gpu(src)).device(), Device(kCUDA));
    if (dt != kBool) {
      EXPECT_TRUE(matches(arange(0, 20, 3, og), arange(0, 20, 3, o), kExact));
      EXPECT_TRUE(matches(linspace(0, 7, 23, og), linspace(0, 7, 23, o), kExact));
    }
  }
  // -0.0 is not all-zero bits: filled by the kernel, not a memset.
  const Tensor neg_zero = full({4}, -0.0, cuda_opts).cpu();
  EXPECT_TRUE(std::signbit(neg_zero.data_ptr<float>()[3]));
  EXPECT_TRUE(matches(arange(0.0, 1.0, 0.1, cuda_opts), arange(0.0, 1.0, 0.1), kExact));
  EXPECT_TRUE(matches(linspace(0, 1, 1001, cuda_opts), linspace(0, 1, 1001), kExact));
  EXPECT_TRUE(matches(from_vector(std::vector<double>{1.5, -2, 3}, {3, 1}, cuda_opts),
                      from_vector(std::vector<double>{1.5, -2, 3}, {3, 1}, TensorOptions()),
                      kExact));
  EXPECT_TRUE(matches(tensor({1, 2, 3}, TensorOptions(kInt64).device(Device(kCUDA))),
                      tensor({1, 2, 3}), kExact));
  const Tensor big = full({1 << 21}, 0.25, TensorOptions(kFloat16).device(Device(kCUDA)));
  EXPECT_TRUE(matches(big, full({1 << 21}, 0.25, TensorOptions(kFloat16)), kExact));
  const Tensor grad_leaf = ones({3}, TensorOptions().device(Device(kCUDA)).requires_grad(true));
  EXPECT_TRUE(grad_leaf.requires_grad());
}

TEST(CudaCopy, ItemPrintCloneContiguous) {
  SKIP_WITHOUT_GPU();
  const Tensor m = random_cpu({4, 5}, kFloat32, 1);
  const Tensor gm = gpu(m);
  EXPECT_EQ(gm.t()[2][3].item<float>(), m.t()[2][3].item<float>());
  EXPECT_EQ(gpu(from_vector(std::vector<int64_t>{-7})).item<int64_t>(), -7);
  EXPECT_EQ(gpu(full({}, true, TensorOptions(kBool))).item<bool>(), true);
  std::ostringstream printed, expected;
  printed << gm.t();
  expected << m.t();
  EXPECT_NE(printed.str().find(expected.str().substr(0, expected.str().size() - 1)),
            std::string::npos)
      << printed.str() << " vs " << expected.str();
  EXPECT_NE(printed.str().find("cuda"), std::string::npos);
  const Tensor c = gm.t().contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_TRUE(matches(c, m.t(), kExact));
  const Tensor cl = gm.clone();
  EXPECT_NE(cl.raw_data(), gm.raw_data());
  EXPECT_TRUE(matches(cl, m, kExact));
  // Overlapping in-place copy on the device: a tensor's transpose into itself.
  Tensor sq = gpu(random_cpu({16, 16}, kInt32, 2, -9, 9));
  Tensor sq_cpu = sq.cpu();
  sq.copy_(sq.t());
  sq_cpu.copy_(sq_cpu.t());
  EXPECT_TRUE(matches(sq, sq_cpu, kExact));
}

TEST(CudaCopy, BetweenTwoGpus) {
  SKIP_WITHOUT_GPU();
  if (cuda::device_count() < 2) GTEST_SKIP() << "one GPU";
  const Tensor m = random_cpu({40, 30}, kFloat32, 1);
  const Tensor on1 = gpu(m).t().to(Device(kCUDA, 1), kFloat16);
  EXPECT_EQ(on1.device(), Device(kCUDA, 1));
  EXPECT_TRUE(matches(on1, m.t().to(kFloat16), kExact));
  Tensor on0 = empty({30, 40}, TensorOptions(kFloat64).device(Device(kCUDA, 0)));
  on0.copy_(on1);
  EXPECT_TRUE(matches(on0, m.t().to(kFloat16).to(kFloat64), kExact));
}

}  // namespace
}  // namespace mica
