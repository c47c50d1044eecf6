// CUDA indexing and shape ops against the CPU, beyond the op table's parity rows: deterministic
// scatter_add / index_put accumulation with many duplicate destinations (bitwise equal run to
// run and to the CPU), large gathers, index range errors and mixed-device errors on the GPU,
// nonzero on a 10M-element mask, masked_select, and cat/flip/roll/pad/repeat/tril of
// non-contiguous pieces. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const Device kGpu(kCUDA);

Tensor gpu(const Tensor& t) {
  return t.to(kGpu);
}

// An int64 [n] tensor on the CPU.
Tensor ints(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, TensorOptions(kInt64));
  if (!v.empty()) std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// Same dtype, shape and bytes (gpu: a contiguous CUDA result).
void expect_same(const Tensor& cpu_in, const Tensor& gpu_t) {
  ASSERT_TRUE(gpu_t.is_cuda());
  ASSERT_EQ(cpu_in.dtype(), gpu_t.dtype());
  ASSERT_EQ(cpu_in.sizes(), gpu_t.sizes());
  const Tensor a = cpu_in.contiguous(), b = gpu_t.to(Device(kCPU));
  const size_t es = a.element_size();
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (std::memcmp(static_cast<const char*>(a.raw_data()) + i * es,
                    static_cast<const char*>(b.raw_data()) + i * es, es) != 0) {
      if (first < 0) first = i;
      ++bad;
    }
  EXPECT_EQ(bad, 0) << bad << " of " << a.numel() << " elements differ, first at " << first;
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(CudaIndexing, ScatterAddWithManyDuplicatesIsDeterministicAndMatchesTheCpu) {
  SKIP_WITHOUT_GPU();
  Generator g(5);
  const int64_t n = 1 << 20;
  for (DType dt : {kFloat32, kFloat16, kBFloat16, kFloat64, kInt32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor src = randn({n}, kFloat32, &g).to(dt);
    const Tensor index = randint(0, 37, {n}, TensorOptions(kInt64), &g);  // ~28k hits each
    const Tensor self = zeros({37}, dt);
    const Tensor expected = ops::scatter_add(self, 0, index, src);
    const Tensor a = ops::scatter_add(gpu(self), 0, gpu(index), gpu(src));
    const Tensor b = ops::scatter_add(gpu(self), 0, gpu(index), gpu(src));
    expect_same(a.to(Device(kCPU)), b);  // run to run
    expect_same(expected, a);            // the CPU's summation order
  }
}

TEST(CudaIndexing, IndexPutAccumulateLikeEmbeddingBackward) {
  SKIP_WITHOUT_GPU();
  Generator g(6);
  // rows of a [vocab, dim] table, hit by [B*T] token ids with heavy repetition, negative ids too
  const Tensor grad = randn({4096, 96}, kFloat32, &g);
  const Tensor ids = randint(-50, 50, {4096}, TensorOptions(kInt32), &g);
  Tensor table = zeros({50, 96});
  Tensor table_g = gpu(table);
  ops::index_put_(table, ids, grad, true);
  ops::index_put_(table_g, gpu(ids), gpu(grad), true);
  expect_same(table, table_g);
  // a bool mask of the leading dims, and values broadcast along the rows
  const Tensor mask = ops::lt(rand({50}, kFloat32, &g), 0.5);
  Tensor t2 = zeros({50, 96}), t2g = gpu(t2);
  ops::index_put_(t2, mask, full({96}, 2.5), true);
  ops::index_put_(t2g, gpu(mask), gpu(full({96}, 2.5)), true);
  expect_same(t2, t2g);
  // embedding's gradient through autograd
  const Tensor w = randn({50, 16}, kFloat32, &g).requires_grad_();
  const Tensor wg = gpu(w.detach()).requires_grad_();
  const Tensor tok = randint(0, 50, {8, 300}, TensorOptions(kInt64), &g);
  sum(embedding(w, tok)).backward();
  sum(embedding(wg, gpu(tok))).backward();
  expect_same(w.grad(), wg.grad());
}

TEST(CudaIndexing, GathersMatchTheCpu) {
  SKIP_WITHOUT_GPU();
  Generator g(7);
  const Tensor t = randn({300, 257}, kFloat32, &g);
  const Tensor idx = randint(0, 300, {1000}, TensorOptions(kInt64), &g);
  expect_same(ops::index_select(t, 0, idx), ops::index_select(gpu(t), 0, gpu(idx)));
  // non-contiguous source, int32 index along dim 1
  const Tensor tt = t.transpose(0, 1);
  const Tensor idx1 = randint(0, 300, {77}, TensorOptions(kInt32), &g);
  expect_same(ops::index_select(tt, 1, idx1),
              ops::index_select(gpu(t).transpose(0, 1), 1, gpu(idx1)));
  const Tensor gi = randint(0, 257, {300, 40}, TensorOptions(kInt64), &g);
  expect_same(ops::gather(t, 1, gi), ops::gather(gpu(t), 1, gpu(gi)));
  const Tensor w = randn({1000, 64}, kFloat16, &g);
  const Tensor ids = randint(0, 1000, {16, 128}, TensorOptions(kInt64), &g);
  expect_same(ops::embedding(w, ids), ops::embedding(gpu(w), gpu(ids)));
  const Tensor cls = randint(0, 10, {5000}, TensorOptions(kInt64), &g);
  expect_same(ops::one_hot(cls), ops::one_hot(gpu(cls)));
  expect_same(ops::tril(t, 3), ops::tril(gpu(t), 3));
  expect_same(ops::triu(t.to(kBFloat16), -2), ops::triu(gpu(t.to(kBFloat16)), -2));
}

TEST(CudaIndexing, IndexOutOfRangeAndMixedDevicesAreErrors) {
  SKIP_WITHOUT_GPU();
  const Tensor t = gpu(arange(0.0, 20.0).view({4, 5}));
  const Tensor bad = gpu(ints({0, 3, 4}));
  expect_error([&] { ops::index_select(t, 0, bad); },
               "index 4 is out of range for dim 0 of size 4");
  const Tensor neg = gpu(ints({1, -1}));
  expect_error([&] { ops::index_select(t, 1, neg); }, "index -1 is out of range");
  expect_error([&] { ops::embedding(t, gpu(ints({9}))); }, "out of range");
  Tensor s = gpu(zeros({4, 5}));
  expect_error(
      [&] {
        ops::scatter_add_(s, 1, gpu(ints({0, 5}).view({1, 2})), gpu(ones({1, 2})));
      },
      "index 5 is out of range for dim 1 of size 5");
  expect_error([&] { ops::one_hot(gpu(ints({0, 7})), 5); }, "out of range");
  // a large index tensor: the bad value sits in a late block of the reduction
  std::vector<int64_t> many(1 << 20, 1);
  many[many.size() - 3] = 4;
  const Tensor big = ints(many);
  expect_error([&] { ops::index_select(t, 0, gpu(big)); }, "index 4 is out of range");
  // mixed devices
  expect_error([&] { ops::index_select(t, 0, ints({0})); }, "one device");
}

TEST(CudaIndexing, NonzeroOnATenMillionElementMask) {
  SKIP_WITHOUT_GPU();
  Generator g(8);
  const Tensor mask = ops::lt(rand({2500, 4000}, kFloat32, &g), 0.3);  // 10M elements
  const Tensor mg = gpu(mask);
  const Tensor nz = ops::nonzero(mask), nzg = ops::nonzero(mg);
  expect_same(nz, nzg);
  // a float tensor viewed transposed; an all-false and a 0-d mask
  const Tensor x = ops::lt(rand({300, 500}, kFloat32, &g), 0.1);
  const Tensor xf = x.to(kFloat32).transpose(0, 1);
  expect_same(ops::nonzero(xf), ops::nonzero(gpu(x.to(kFloat32)).transpose(0, 1)));
  EXPECT_EQ(ops::nonzero(gpu(zeros({1000}))).size(0), 0);
  EXPECT_EQ(ops::nonzero(gpu(ones({}))).sizes(), (Shape{1, 0}));
  // masked_select over 10M elements, a broadcast mask and a non-contiguous source
  const Tensor v = randn({2500, 4000}, kFloat32, &g);
  expect_same(ops::masked_select(v, mask), ops::masked_select(gpu(v), mg));
  const Tensor rowmask = ops::lt(rand({4000}, kFloat32, &g), 0.5);
  expect_same(
      ops::masked_select(v.transpose(0, 1).narrow(1, 0, 700), rowmask.view({4000, 1})),
      ops::masked_select(gpu(v).transpose(0, 1).narrow(1, 0, 700), gpu(rowmask).view({4000, 1})));
}

TEST(CudaShape, CatOfNonContiguousPieces) {
  SKIP_WITHOUT_GPU();
  Generator g(9);
  const Tensor a = randn({7, 9}, kFloat32, &g), b = randn({9, 5}, kFloat32, &g);
  const Tensor c = randn({7, 30}, kFloat32, &g);
  const Tensor ga = gpu(a), gb = gpu(b), gc = gpu(c);
  // a contiguous, b transposed, c a strided column slice, an empty piece in between
  expect_same(ops::cat({a, b.transpose(0, 1), c.slice(1, 1, 30, 3), a.narrow(1, 0, 0)}, 1),
              ops::cat({ga, gb.transpose(0, 1), gc.slice(1, 1, 30, 3), ga.narrow(1, 0, 0)}, 1));
  expect_same(ops::cat({a.transpose(0, 1), b}, 0), ops::cat({ga.transpose(0, 1), gb}, 0));
  const Tensor big = randn({64, 512, 3}, kFloat16, &g);
  const Tensor gbig = gpu(big);
  expect_same(ops::cat({big.permute({2, 1, 0}), big.permute({2, 1, 0})}, 2),
              ops::cat({gbig.permute({2, 1, 0}), gbig.permute({2, 1, 0})}, 2));
  expect_same(ops::stack({a, a.transpose(0, 1).transpose(0, 1)}, 1),
              ops::stack({ga, ga.transpose(0, 1).transpose(0, 1)}, 1));
}

TEST(CudaShape, CatPromotesMixedDtypes) {
  SKIP_WITHOUT_GPU();
  const Tensor a = arange(0.0, 6.0).view({2, 3});
  const Tensor b = arange(0.0, 6.0).view({2, 3}).to(kInt32);
  expect_same(ops::cat({a, b}, 0), ops::cat({gpu(a), gpu(b)}, 0));
}

TEST(CudaShape, FlipRollPadRepeatOfNonContiguousInputs) {
  SKIP_WITHOUT_GPU();
  Generator g(10);
  const Tensor t = randn({6, 11, 13}, kFloat32, &g);
  const Tensor v = t.transpose(0, 2).slice(1, 1, 11, 2);  // [13, 5, 6], strided
  const Tensor gv = gpu(t).transpose(0, 2).slice(1, 1, 11, 2);
  expect_same(ops::flip(v, {0, 2}), ops::flip(gv, {0, 2}));
  expect_same(ops::roll(v, {3, -2}, {0, 2}), ops::roll(gv, {3, -2}, {0, 2}));
  expect_same(ops::roll(v, {7}), ops::roll(gv, {7}));
  expect_same(ops::repeat(v, {2, 1, 3, 2}), ops::repeat(gv, {2, 1, 3, 2}));
  expect_same(ops::repeat_interleave(v, 3, 1), ops::repeat_interleave(gv, 3, 1));
  const Tensor reps = ints({1, 0, 2, 3, 1});
  expect_same(ops::repeat_interleave(v, reps, 1), ops::repeat_interleave(gv, gpu(reps), 1));
  for (auto mode : {ops::PadMode::Constant, ops::PadMode::Reflect, ops::PadMode::Replicate}) {
    expect_same(ops::pad(v, {2, 3, 1, 4}, mode, 1.5), ops::pad(gv, {2, 3, 1, 4}, mode, 1.5));
  }
  expect_same(ops::pad(v, {-1, 2}, ops::PadMode::Constant, 0),
              ops::pad(gv, {-1, 2}, ops::PadMode::Constant, 0));
}

}  // namespace
}  // namespace mica
