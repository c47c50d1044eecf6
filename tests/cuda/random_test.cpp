// CUDA random ops against the CPU: one generator state gives the same numbers on both devices
// for every random op and dtype (bitwise; normals within one ulp of the dtype), on sizes that
// span many thread blocks with odd tails, non-contiguous in-place fills, the default generators
// after manual_seed, and device-side probability checks. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const Device kGpu(kCUDA);
const std::vector<DType> kFloating{kFloat32, kFloat64, kBFloat16, kFloat16};
const std::vector<DType> kAll{kFloat32, kFloat64, kBFloat16, kFloat16,
                              kInt64,   kInt32,   kUInt8,    kBool};

Generator& at_state(Generator& g, uint64_t seed, uint64_t offset) {
  g.set_state({seed, offset});
  return g;
}

// The element bits of a contiguous tensor as unsigned integers (for ulp distances).
std::vector<uint64_t> bits_of(const Tensor& t_in) {
  const Tensor t = t_in.is_cuda() ? t_in.to(Device(kCPU)) : t_in.contiguous();
  const size_t es = t.element_size();
  std::vector<uint64_t> out(static_cast<size_t>(t.numel()), 0);
  const char* p = static_cast<const char*>(t.raw_data());
  for (size_t i = 0; i < out.size(); ++i) std::memcpy(&out[i], p + i * es, es);
  return out;
}

// |a - b| in units in the last place, for floating bit patterns of one sign.
uint64_t ulp_distance(uint64_t a, uint64_t b) {
  return a > b ? a - b : b - a;
}

// cpu and gpu results have one dtype and shape and (ulps == 0) the same bits, else bit patterns
// at most `ulps` apart (floats of one sign are ordered like their bits).
void expect_same(const Tensor& cpu, const Tensor& gpu, uint64_t ulps = 0) {
  ASSERT_TRUE(gpu.is_cuda());
  ASSERT_EQ(cpu.dtype(), gpu.dtype());
  ASSERT_EQ(cpu.sizes(), gpu.sizes());
  const auto a = bits_of(cpu), b = bits_of(gpu);
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < a.size(); ++i)
    if (ulp_distance(a[i], b[i]) > ulps) {
      if (first < 0) first = static_cast<int64_t>(i);
      ++bad;
    }
  EXPECT_EQ(bad, 0) << bad << " of " << a.size() << " elements differ (" << dtype_name(cpu.dtype())
                    << "), first at " << first;
}

// Normals go through device log/sqrt/sin/cos, which may differ from the host's by an ulp or two
// of float64 before rounding: float64 results get a few ulps, rounded types one.
uint64_t normal_ulps(DType dt) {
  return dt == kFloat64 ? 4 : 1;
}

constexpr int64_t kN = 100003;  // many blocks, a tail that is not a multiple of 4

TEST(CudaRandom, RandAndRandnMatchTheCpuForEveryFloatingDtype) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    for (auto [seed, offset] :
         {std::pair<uint64_t, uint64_t>{7, 5}, {~uint64_t{0}, 0xFFFFFFFEull}}) {
      Generator g;
      const Tensor u_cpu = rand({kN}, dt, &at_state(g, seed, offset));
      const uint64_t after = g.offset();
      const Tensor u_gpu = rand({kN}, TensorOptions(dt).device(kGpu), &at_state(g, seed, offset));
      EXPECT_EQ(g.offset(), after);  // the same draw size on both devices
      expect_same(u_cpu, u_gpu);
      const Tensor z_cpu = randn({kN}, dt, &at_state(g, seed, offset));
      const Tensor z_gpu = randn({kN}, TensorOptions(dt).device(kGpu), &at_state(g, seed, offset));
      expect_same(z_cpu, z_gpu, normal_ulps(dt));
    }
  }
}

TEST(CudaRandom, ManualSeedGivesTheSameStreamOnBothDevices) {
  SKIP_WITHOUT_GPU();
  manual_seed(1234);
  const Tensor a = rand({1000});
  const Tensor b = rand({1000}, TensorOptions().device(kGpu));
  expect_same(a, b);
  const Tensor c = randn({1001}, kFloat16);
  const Tensor d = randn({1001}, TensorOptions(kFloat16).device(kGpu));
  expect_same(c, d, 1);
  EXPECT_EQ(default_generator().get_state(), default_generator(kGpu).get_state());
}

TEST(CudaRandom, InPlaceFillsOfNonContiguousViews) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    Generator g;
    Tensor cpu = zeros({301, 7}, dt);
    Tensor gpu = zeros({301, 7}, TensorOptions(dt).device(kGpu));
    Tensor cv = cpu.transpose(0, 1), gv = gpu.transpose(0, 1);
    ops::uniform_(cv, -2, 3, &at_state(g, 11, 3));
    ops::uniform_(gv, -2, 3, &at_state(g, 11, 3));
    expect_same(cpu, gpu);
    Tensor cs = cpu.slice(0, 1, 301, 3), gs = gpu.slice(0, 1, 301, 3);
    // std 2, mean 0: an exact scaling, so the normals' ulp bound carries over
    ops::normal_(cs, 0, 2, &at_state(g, 12, 0));
    ops::normal_(gs, 0, 2, &at_state(g, 12, 0));
    expect_same(cpu, gpu, normal_ulps(dt));
  }
}

TEST(CudaRandom, RandintMatchesForEveryDtypeAndWideRanges) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAll) {
    SCOPED_TRACE(dtype_name(dt));
    const int64_t lo = dt == kBool ? 0 : dt == kUInt8 ? 3 : -5;
    const int64_t hi = dt == kBool ? 2 : dt == kUInt8 ? 200 : 17;
    Generator g;
    expect_same(randint(lo, hi, {kN}, TensorOptions(dt), &at_state(g, 3, 9)),
                randint(lo, hi, {kN}, TensorOptions(dt).device(kGpu), &at_state(g, 3, 9)));
  }
  Generator g;  // two words per element
  const int64_t lo = -(int64_t{1} << 40), hi = int64_t{1} << 41;
  expect_same(randint(lo, hi, {kN}, TensorOptions(kInt64), &at_state(g, 5, 1)),
              randint(lo, hi, {kN}, TensorOptions(kInt64).device(kGpu), &at_state(g, 5, 1)));
}

TEST(CudaRandom, BernoulliWithScalarAndTensorProbabilities) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kAll) {
    SCOPED_TRACE(dtype_name(dt));
    Generator g;
    Tensor c = zeros({kN}, dt), d = zeros({kN}, TensorOptions(dt).device(kGpu));
    ops::bernoulli_(c, 0.3, &at_state(g, 21, 2));
    ops::bernoulli_(d, 0.3, &at_state(g, 21, 2));
    expect_same(c, d);
  }
  for (DType pt : kFloating) {
    SCOPED_TRACE(dtype_name(pt));
    Generator g;
    const Tensor p = rand({513, 201}, pt, &at_state(g, 1, 0));
    const Tensor pg = p.to(kGpu);
    expect_same(bernoulli(p, &at_state(g, 8, 8)), bernoulli(pg, &at_state(g, 8, 8)));
    // in place into another dtype, p broadcast along a dim and read through a transposed view
    const Tensor row = p.select(0, 0), row_g = pg.select(0, 0);
    const Tensor c = zeros({201, 7}, kInt32);
    const Tensor d = zeros({201, 7}, TensorOptions(kInt32).device(kGpu));
    Tensor cv = c.transpose(0, 1), dv = d.transpose(0, 1);
    ops::bernoulli_(cv, row, &at_state(g, 9, 1));
    ops::bernoulli_(dv, row_g, &at_state(g, 9, 1));
    expect_same(c, d);
  }
}

TEST(CudaRandom, BernoulliRejectsBadProbabilitiesOnTheDevice) {
  SKIP_WITHOUT_GPU();
  Tensor p = full({1000}, 0.5, TensorOptions().device(kGpu));
  EXPECT_NO_THROW(bernoulli(p));
  Tensor host = full({1000}, 0.5);
  host.data_ptr<float>()[777] = 1.5f;
  try {
    bernoulli(host.to(kGpu));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1.5"), std::string::npos) << e.what();
  }
  host.data_ptr<float>()[777] = std::nanf("");
  EXPECT_THROW(bernoulli(host.to(kGpu)), Error);
}

TEST(CudaRandom, DropoutMaskAndScaledOutput) {
  SKIP_WITHOUT_GPU();
  for (DType dt : kFloating) {
    SCOPED_TRACE(dtype_name(dt));
    Generator g;
    const Tensor x = randn({257, 389}, dt, &at_state(g, 2, 0));
    const Tensor xg = x.to(kGpu);
    for (double p : {0.1, 0.5, 0.9}) {
      const auto c = ops::dropout(x, p, true, &at_state(g, 4, 4));
      const auto d = ops::dropout(xg, p, true, &at_state(g, 4, 4));
      expect_same(c.output, d.output);
      expect_same(c.mask, d.mask);
    }
    // non-contiguous input
    const auto c = ops::dropout(x.transpose(0, 1), 0.3, true, &at_state(g, 6, 0));
    const auto d = ops::dropout(xg.transpose(0, 1), 0.3, true, &at_state(g, 6, 0));
    expect_same(c.output, d.output);
    expect_same(c.mask, d.mask);
    // eval mode keeps everything, with the mask on the input's device
    const auto e = ops::dropout(xg, 0.3, false);
    EXPECT_TRUE(e.mask.is_cuda());
  }
}

TEST(CudaRandom, RandpermAndMultinomialAreTheCpuResults) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kInt64, kInt32, kFloat32}) {
    Generator g;
    expect_same(randperm(5000, TensorOptions(dt), &at_state(g, 13, 0)),
                randperm(5000, TensorOptions(dt).device(kGpu), &at_state(g, 13, 0)));
  }
  Generator g;
  const Tensor w = rand({6, 40}, kFloat32, &at_state(g, 1, 1));
  for (bool repl : {true, false}) {
    expect_same(multinomial(w, 10, repl, &at_state(g, 2, 2)),
                multinomial(w.to(kGpu), 10, repl, &at_state(g, 2, 2)));
    // non-contiguous probabilities on the device
    expect_same(multinomial(w.transpose(0, 1), 3, repl, &at_state(g, 3, 3)),
                multinomial(w.to(kGpu).transpose(0, 1), 3, repl, &at_state(g, 3, 3)));
  }
}

}  // namespace
}  // namespace mica
