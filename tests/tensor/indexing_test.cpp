// Indexing and shape op semantics the op table cannot express: result dtypes, views returned by
// split/chunk, in-place behaviour (identity, version bumps, writing through views), repeated
// indices, large (multi-threaded) inputs, and the error messages of common mistakes.
#include <gtest/gtest.h>

#include "test_util.h"

namespace mica::test {
namespace {

Tensor iota(const Shape& shape, DType dt = kFloat32) {
  return arange(shape_numel(shape), TensorOptions(dt)).view(shape);
}

TEST(Indexing, ResultDtypes) {
  const Tensor h = ones({2, 2}, kFloat16), i32 = ones({2, 2}, kInt32), i64 = ones({2, 2}, kInt64);
  const Tensor b = ones({2, 2}, kBool), u8 = ones({2, 2}, kUInt8);
  EXPECT_EQ(ops::cat({i32, h}).dtype(), kFloat16);
  EXPECT_EQ(ops::cat({i32, i64}, 1).dtype(), kInt64);
  EXPECT_EQ(ops::cat({b, u8}).dtype(), kUInt8);
  EXPECT_EQ(ops::cat({b, b}).dtype(), kBool);
  EXPECT_EQ(ops::cat({empty({0}, kFloat64), i32}).dtype(), kFloat64);  // skipped, still promotes
  EXPECT_EQ(ops::cat({empty({0}), empty({0})}).sizes(), (Shape{0}));
  EXPECT_EQ(ops::stack({i32, b}).dtype(), kInt32);
  EXPECT_EQ(ops::index_select(h, 0, tensor({1})).dtype(), kFloat16);
  EXPECT_EQ(ops::gather(u8, 1, zeros({2, 1}, kInt32)).dtype(), kUInt8);
  EXPECT_EQ(ops::masked_select(h, b).dtype(), kFloat16);
  EXPECT_EQ(ops::nonzero(h).dtype(), kInt64);
  EXPECT_EQ(ops::nonzero(h).sizes(), (Shape{4, 2}));
  EXPECT_EQ(ops::nonzero(scalar_tensor(2.0)).sizes(), (Shape{1, 0}));
  EXPECT_EQ(ops::one_hot(tensor({1, 0}, kInt32)).dtype(), kInt64);
  EXPECT_EQ(ops::repeat_interleave(tensor({2, 1}, kInt32)).dtype(), kInt64);
  EXPECT_EQ(values(ops::repeat_interleave(tensor({2, 0, 1}))), (std::vector<double>{0, 0, 2}));
  EXPECT_EQ(ops::embedding(ones({3, 4}, kBFloat16), tensor({2})).dtype(), kBFloat16);
  EXPECT_EQ(ops::pad(i32, {1, 1}, ops::PadMode::Constant, 2.7).dtype(), kInt32);
  EXPECT_EQ(values(ops::pad(tensor({5}), {1, 0}, ops::PadMode::Constant, 2.7)),
            (std::vector<double>{2, 5}));
  EXPECT_EQ(ops::tril(b).dtype(), kBool);
  EXPECT_EQ(ops::flip(u8, {0}).dtype(), kUInt8);
}

TEST(Indexing, SplitAndChunkReturnViews) {
  Tensor x = iota({6, 2});
  auto parts = ops::split(x, 4);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].sizes(), (Shape{2, 2}));
  parts[1].fill_(-1);
  EXPECT_EQ(values(x.select(0, 5)), (std::vector<double>{-1, -1}));
  auto chunks = ops::chunk(x, 3, 1);  // 2 columns in 3 chunks -> 2 chunks of one column
  ASSERT_EQ(chunks.size(), 2u);
  chunks[0].fill_(9);
  EXPECT_EQ(values(x.select(1, 0)), std::vector<double>(6, 9));
  EXPECT_EQ(ops::chunk(empty({0, 2}), 3).size(), 3u);
  EXPECT_EQ(ops::split(empty({0, 2}), 2).size(), 1u);
}

TEST(Indexing, InPlaceOpsReturnSelfAndBumpVersion) {
  Tensor x = zeros({3, 4});
  uint64_t v = x.version();
  Tensor& r = ops::scatter_(x, 1, tensor({0, 1, 2}).view({3, 1}), 5.0);
  EXPECT_TRUE(r.is_same(x));
  EXPECT_EQ(x.version(), v + 1);
  EXPECT_EQ(values(x.select(1, 1)), (std::vector<double>{0, 5, 0}));
  ops::scatter_add_(x, 0, zeros({1, 4}, kInt64), ones({1, 4}));
  EXPECT_EQ(x.version(), v + 2);
  ops::index_put_(x, tensor({-1}), ones({4}));
  EXPECT_EQ(x.version(), v + 3);
  EXPECT_EQ(values(x.select(0, 2)), std::vector<double>(4, 1));

  // out-of-place variants leave their input alone
  const Tensor y = zeros({2, 2});
  const uint64_t yv = y.version();
  const Tensor s = ops::scatter(y, 0, zeros({1, 2}, kInt64), ones({1, 2}));
  const Tensor p = ops::index_put(y, tensor({1}), ones({2}), true);
  EXPECT_EQ(values(y), std::vector<double>(4, 0));
  EXPECT_EQ(y.version(), yv);
  EXPECT_EQ(values(s), (std::vector<double>{1, 1, 0, 0}));
  EXPECT_EQ(values(p), (std::vector<double>{0, 0, 1, 1}));
}

TEST(Indexing, InPlaceWritesThroughViews) {
  Tensor base = zeros({4, 6});
  const uint64_t v0 = base.version();
  Tensor v = base.slice(1, 0, 6, 2);  // [4, 3], strides [6, 2]
  ops::index_put_(v, tensor({1, -1}), 5.0);
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 6; ++c)
      EXPECT_EQ(at(base, {r, c}), (r == 1 || r == 3) && c % 2 == 0 ? 5.0 : 0.0) << r << "," << c;
  Tensor t = base.t();  // [6, 4] non-contiguous
  ops::index_put_(t, ops::eq(t, 5.0), 2.0);
  EXPECT_EQ(at(base, {3, 4}), 2.0);
  ops::scatter_(t, 0, tensor({5}, kInt32).view({1, 1}), 8.0);
  EXPECT_EQ(at(base, {0, 5}), 8.0);
  EXPECT_EQ(base.version(), v0 + 3);
}

TEST(Indexing, RepeatedIndices) {
  Tensor x = zeros({3});
  ops::scatter_add_(x, 0, tensor({1, 1, 1, 2}), ones({4}));
  EXPECT_EQ(values(x), (std::vector<double>{0, 3, 1}));
  Tensor y = zeros({3, 2}, kInt32);
  ops::index_put_(y, tensor({0, -3, 2}), ones({2}, kInt32), /*accumulate=*/true);
  EXPECT_EQ(values(y), (std::vector<double>{2, 2, 0, 0, 1, 1}));
  // a mask of the leading dim with accumulate
  Tensor z = ones({2, 2});
  ops::index_put_(z, tensor({true, false}), from_values({2}, {3, 4}, kFloat32), true);
  EXPECT_EQ(values(z), (std::vector<double>{4, 5, 1, 1}));
}

TEST(Indexing, LargeInputsMatchNaiveLoops) {
  // sizes above the parallel grain, so the multi-threaded paths run
  const int64_t n = 200000, rows = 1000;
  std::mt19937_64 rng(7);
  const Tensor w = rand_tensor({rows, 8}, kFloat32, rng);
  const Tensor idx = rand_tensor({n / 8}, kInt64, rng, 0, rows);
  const Tensor e = ops::embedding(w, idx);
  const auto wv = values(w), iv = values(idx), ev = values(e);
  bool ok = true;
  for (int64_t i = 0; i < n / 8 && ok; ++i)
    for (int64_t k = 0; k < 8; ++k)
      ok = ok && ev[i * 8 + k] == wv[static_cast<int64_t>(iv[i]) * 8 + k];
  EXPECT_TRUE(ok);

  const Tensor src = rand_tensor({n}, kFloat32, rng);
  const Tensor perm = ops::flip(arange(n), {0});  // a permutation: no repeated targets
  const Tensor sc = ops::scatter(zeros({n}), 0, perm, src);
  const auto sv = values(src), scv = values(sc);
  ok = true;
  for (int64_t i = 0; i < n && ok; ++i) ok = scv[n - 1 - i] == sv[i];
  EXPECT_TRUE(ok);

  const Tensor mask = rand_tensor({n}, kBool, rng);
  const auto mv = values(mask), sel = values(ops::masked_select(src, mask));
  std::vector<double> want;
  for (int64_t i = 0; i < n; ++i)
    if (mv[i] != 0) want.push_back(sv[i]);
  EXPECT_EQ(sel, want);
  EXPECT_EQ(ops::nonzero(mask).size(0), static_cast<int64_t>(want.size()));
}

TEST(Indexing, IndexErrors) {
  const Tensor x = iota({3, 4});
  EXPECT_MICA_ERROR(ops::index_select(x, 1, tensor({0, 4})), "index_select", "index 4", "dim 1",
                    "size 4");
  EXPECT_MICA_ERROR(ops::index_select(x, 0, tensor({-1})), "index_select", "index -1", "size 3");
  EXPECT_MICA_ERROR(ops::index_select(x, 0, tensor({0.5})), "index_select", "int64 or int32",
                    "float32");
  EXPECT_MICA_ERROR(ops::index_select(x, 0, zeros({1, 1}, kInt64)), "index_select", "1-d");
  EXPECT_MICA_ERROR(ops::index_select(x, 2, tensor({0})), "index_select", "dim 2");
  EXPECT_MICA_ERROR(ops::index_select(scalar_tensor(1.0), 0, tensor({0, 0})), "index_select", "0-d",
                    "[2]");
  EXPECT_EQ(ops::index_select(scalar_tensor(1.0), 0, tensor({0})).dim(), 0);
  EXPECT_MICA_ERROR(ops::gather(x, 1, tensor({5}, kInt32).view({1, 1})), "gather", "index 5",
                    "size 4");
  EXPECT_MICA_ERROR(ops::gather(x, 1, tensor({0})), "gather", "same number of dims");
  EXPECT_MICA_ERROR(ops::gather(x, 1, zeros({4, 1}, kInt64)), "gather", "[4, 1]", "dim 0");
  Tensor y = zeros({3, 4});
  EXPECT_MICA_ERROR(ops::scatter_(y, 0, tensor({3}).view({1, 1}), 1.0), "scatter_", "index 3",
                    "size 3");
  EXPECT_MICA_ERROR(ops::scatter_(y, 0, zeros({1, 1}, kInt64), ones({1, 1}, kFloat64)), "scatter_",
                    "float64", "float32");
  EXPECT_MICA_ERROR(ops::scatter_add_(y, 0, zeros({2, 2}, kInt64), ones({1, 2})), "scatter_add_",
                    "[2, 2]", "[1, 2]");
  Tensor expanded = zeros({1, 4}).expand({3, 4});
  EXPECT_MICA_ERROR(ops::scatter_(expanded, 1, zeros({3, 1}, kInt64), 1.0), "scatter_",
                    "share memory");
  EXPECT_MICA_ERROR(ops::index_put_(y, tensor({3}), 1.0), "index_put_", "index 3", "size 3");
  EXPECT_MICA_ERROR(ops::index_put_(y, tensor({-4}), 1.0), "index_put_", "index -4");
  EXPECT_MICA_ERROR(ops::index_put_(y, zeros({4}, kBool), 1.0), "index_put_", "mask", "[4]",
                    "[3, 4]");
  EXPECT_MICA_ERROR(ops::index_put_(y, tensor({0, 1}), ones({3})), "index_put_", "[3]", "[2, 4]");
  EXPECT_MICA_ERROR(ops::index_put_(y, tensor({0}), ones({4}, kInt64)), "index_put_", "int64",
                    "float32");
  EXPECT_MICA_ERROR(ops::embedding(ones({5, 2}), tensor({1, 7})), "embedding", "index 7", "size 5");
  EXPECT_MICA_ERROR(ops::embedding(ones({5}), tensor({1})), "embedding", "2-d");
  EXPECT_MICA_ERROR(ops::one_hot(empty({0}, kInt64)), "one_hot", "empty");
  EXPECT_MICA_ERROR(ops::one_hot(tensor({0, 3}), 3), "one_hot", "3", "num_classes");
  EXPECT_MICA_ERROR(ops::one_hot(tensor({-1, 0}), 3), "one_hot", "-1");
  EXPECT_MICA_ERROR(ops::masked_select(x, ones({2}, kBool)), "masked_select", "[3, 4]", "[2]");
  EXPECT_MICA_ERROR(ops::masked_select(x, ones({4}, kFloat32)), "masked_select", "bool");
}

TEST(Indexing, ShapeErrors) {
  const Tensor x = iota({2, 3});
  EXPECT_MICA_ERROR(ops::cat({}), "cat", "non-empty");
  EXPECT_MICA_ERROR(ops::cat({x, iota({2, 4})}), "cat", "dimension 0", "expected size 3",
                    "got size 4", "tensor number 1");
  EXPECT_MICA_ERROR(ops::cat({x, iota({3})}), "cat", "[3]", "[2, 3]");
  EXPECT_MICA_ERROR(ops::cat({x, scalar_tensor(1.0)}), "cat", "zero-dimensional");
  EXPECT_MICA_ERROR(ops::cat({x, x}, 2), "cat", "dim 2");
  EXPECT_MICA_ERROR(ops::stack({x, iota({3, 2})}), "stack", "[2, 3]", "[3, 2]");
  EXPECT_MICA_ERROR(ops::split(x, std::vector<int64_t>{1, 1}, 1), "split", "[1, 1]", "size 3");
  EXPECT_MICA_ERROR(ops::split(x, 0, 1), "split", "split_size");
  EXPECT_MICA_ERROR(ops::chunk(x, 0), "chunk", "positive");
  EXPECT_MICA_ERROR(ops::repeat(x, {2}), "repeat", "[2]", "[2, 3]");
  EXPECT_MICA_ERROR(ops::repeat(x, {1, -1}), "repeat", "non-negative");
  EXPECT_MICA_ERROR(ops::repeat_interleave(x, tensor({1, 2, 3}), 0), "repeat_interleave", "[3]",
                    "dim 0");
  EXPECT_MICA_ERROR(ops::repeat_interleave(tensor({1, -2})), "repeat_interleave", "-2");
  EXPECT_MICA_ERROR(ops::repeat_interleave(x, -1), "repeat_interleave", "non-negative");
  EXPECT_MICA_ERROR(ops::flip(x, {1, -1}), "flip", "dim 1", "multiple");
  EXPECT_MICA_ERROR(ops::roll(x, {1, 2}, {0}), "roll", "[1, 2]", "[0]");
  EXPECT_MICA_ERROR(ops::roll(x, {1, 2}), "roll", "one element");
  EXPECT_MICA_ERROR(ops::tril(iota({3})), "tril", "2 dims", "[3]");
  EXPECT_MICA_ERROR(ops::triu(iota({3})), "triu", "2 dims");
  EXPECT_MICA_ERROR(ops::pad(x, {3, 0}, ops::PadMode::Reflect), "pad", "reflect", "(3, 0)",
                    "size 3");
  EXPECT_MICA_ERROR(ops::pad(x, {1, 1, 1, 1, 1, 1}), "pad", "[2, 3]");
  EXPECT_MICA_ERROR(ops::pad(x, {1}), "pad", "even");
  EXPECT_MICA_ERROR(ops::pad(x, {-2, -2}), "pad", "negative");
  EXPECT_MICA_ERROR(ops::pad(empty({2, 0}), {1, 1}, ops::PadMode::Replicate), "pad", "replicate");
}

}  // namespace
}  // namespace mica::test
