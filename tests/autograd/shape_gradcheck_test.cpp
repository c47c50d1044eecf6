// Gradients of the shape and indexing ops in the cases the op table does not cover: cat where
// only some inputs require grad, split/chunk pieces used partially, embedding with padding_idx and
// repeated indices, scatter / index_put with duplicate indices (the documented gradients), pad
// reflect/replicate accumulating at the edges, index_add, second derivatives, and saved index
// tensors modified in place. Expected gradients are counted by hand from the ops' definitions.
#include <gtest/gtest.h>

#include <numeric>

#include "gradcheck_util.h"

namespace mica::gradcheck_test {
namespace {

Tensor ints(std::vector<int64_t> v, const Shape& shape = {-1}) {
  return from_vector(v, shape, TensorOptions(kInt64));
}

void expect_values(const Tensor& t, const std::vector<double>& want, const char* what) {
  ASSERT_TRUE(t.defined()) << what;
  const std::vector<double> got = to_doubles(t);
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_DOUBLE_EQ(got[i], want[i]) << what << " [" << i << "]";
}

// ---- cat / stack ----
TEST(ShapeGradcheck, CatWhereOnlySomeInputsRequireGrad) {
  Tensor a = leaf({2, 3}, 1), b = values({1, 3}, 2), c = leaf({3, 3}, 3);
  Tensor w = values({6, 3}, 4);
  sum(mul(cat({a, b, c}, 0), w)).backward();
  EXPECT_FALSE(b.grad().defined());
  expect_values(a.grad(), to_doubles(w.narrow(0, 0, 2)), "a.grad");
  expect_values(c.grad(), to_doubles(w.narrow(0, 3, 3)), "c.grad");
  // the constant in the middle and an integer input (promoted) are skipped by the check
  EXPECT_TRUE(Gradcheck(
      [&](const Ins& x) {
        return Outs{cat({x[0], b, x[1]}, 0)};
      },
      {leaf({2, 3}, 5), transposed_leaf({3, 3}, 6)}));
  Tensor i = ints({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(Gradcheck([&](const Ins& x) { return Outs{cat({i, x[0]}, 1)}; }, {leaf({2, 2}, 7)}));
  // legacy empty 1-d inputs are skipped by the forward and get an empty gradient
  Tensor e = make_leaf(zeros({0}, kFloat64)), f = leaf({2}, 8);
  sum(cat({e, f})).backward();
  ASSERT_TRUE(e.grad().defined());
  EXPECT_EQ(e.grad().sizes(), Shape{0});
  expect_values(f.grad(), {1, 1}, "f.grad");
}

TEST(ShapeGradcheck, SecondOrderThroughJoinsAndTiles) {
  auto cube = [](const Tensor& t) { return mul(mul(t, t), t); };  // non-linear around the op
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& x) {
        return Outs{cube(cat({x[0], x[1]}, -1))};
      },
      {leaf({2, 2}, 10), leaf({2, 3}, 11)}));
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& x) {
        return Outs{cube(stack({x[0], x[1]}, 1))};
      },
      {leaf({2, 3}, 12), strided_leaf({2, 3}, 13)}));
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& x) {
        return Outs{cube(repeat(x[0], {2, 1, 3}))};
      },
      {leaf({2, 2}, 14)}));
  EXPECT_TRUE(Gradgradcheck([&](const Ins& x) { return Outs{cube(repeat_interleave(x[0], 2, 1))}; },
                            {leaf({2, 3}, 15)}));
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& x) {
        return Outs{cube(repeat_interleave(x[0], ints({1, 0, 2}), 1))};
      },
      {leaf({2, 3}, 16)}));
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& x) {
        return Outs{cube(roll(flip(x[0], {0}), {1, -2}, {0, 1}))};
      },
      {leaf({3, 4}, 17)}));
  EXPECT_TRUE(
      Gradgradcheck([&](const Ins& x) { return Outs{cube(tril(x[0], 1))}; }, {leaf({3, 4}, 18)}));
}

// ---- split / chunk ----
TEST(ShapeGradcheck, SplitPiecesUsedPartially) {
  Tensor x = leaf({7, 2}, 20);
  std::vector<Tensor> pieces = split(x, 3, 0);  // rows [0,3), [3,6), [6,7)
  ASSERT_EQ(pieces.size(), 3u);
  sum(mul(pieces[1], 2.0)).backward();  // the other pieces are unused
  std::vector<double> want(14, 0.0);
  for (size_t i = 6; i < 12; ++i) want[i] = 2.0;
  expect_values(x.grad(), want, "x.grad");

  // only the last chunk feeds the output; the gradient of the others is zero
  EXPECT_TRUE(Gradcheck([](const Ins& in) { return Outs{chunk(in[0], 3, 1)[2]}; },
                        {transposed_leaf({2, 7}, 21)}));
  // pieces used twice and reordered accumulate; sizes with an empty piece
  EXPECT_TRUE(Gradcheck(
      [](const Ins& in) {
        auto p = split(in[0], std::vector<int64_t>{2, 0, 3}, -1);
        return Outs{cat({mul(p[2], p[2]), p[0], p[0]}, -1)};
      },
      {leaf({3, 5}, 22)}));
  EXPECT_TRUE(Gradgradcheck(
      [](const Ins& in) {
        auto p = chunk(in[0], 2, 0);
        return Outs{mul(p[0], p[1])};
      },
      {leaf({4, 3}, 23)}));
}

TEST(ShapeGradcheck, SplitPiecesAreViews) {
  Tensor x = leaf({4, 3}, 24);
  Tensor y = mul(x, 2.0);
  auto pieces = chunk(y, 2, 0);
  EXPECT_EQ(pieces[0].sizes(), (Shape{2, 3}));
  // a piece shares y's memory, so writing into it would change y behind autograd's back
  EXPECT_THROW(pieces[1].copy_(values({2, 3}, 25)), Error);
  // without grad the pieces are plain views
  Tensor z = values({4, 3}, 26);
  auto raw_pieces = split(z, 2, 0);
  EXPECT_FALSE(raw_pieces[0].requires_grad());
  EXPECT_EQ(raw_pieces[1].storage_offset(), 6);
}

// ---- embedding ----
TEST(ShapeGradcheck, EmbeddingPaddingIdxWithRepeatedIndices) {
  const int64_t v = 5, d = 3;
  const std::vector<int64_t> idx{1, 3, 1, 1, 0, 3};
  for (int64_t padding : {int64_t{3}, int64_t{-2}}) {  // -2 is row 3 of 5
    Tensor w = leaf({v, d}, 30);
    Tensor up = values({2, 3, d}, 31);  // upstream gradient
    Tensor out = embedding(w, ints(idx, {2, 3}), padding);
    // the forward still reads the padding row
    expect_values(out.select(0, 0).select(0, 1), to_doubles(w.select(0, 3)), "padding row");
    sum(mul(out, up)).backward();
    const std::vector<double> u = to_doubles(up);
    std::vector<double> want(static_cast<size_t>(v * d), 0.0);
    for (size_t p = 0; p < idx.size(); ++p)
      if (idx[p] != 3)
        for (int64_t k = 0; k < d; ++k)
          want[static_cast<size_t>(idx[p] * d + k)] += u[p * static_cast<size_t>(d) + k];
    expect_values(w.grad(), want, "weight.grad");
  }
  // without padding_idx, repeated rows accumulate: gradcheck (and second order)
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& in) {
        Tensor e = embedding(in[0], ints(idx, {3, 2}));
        return Outs{mul(e, e)};
      },
      {leaf({v, d}, 32)}));
  EXPECT_THROW(embedding(leaf({v, d}, 33), ints(idx), 5), Error);
  EXPECT_THROW(embedding(leaf({v, d}, 33), ints(idx), -6), Error);
}

// ---- scatter / index_put with duplicate indices ----
TEST(ShapeGradcheck, ScatterWithDuplicateIndices) {
  // row 0 of the index sends src[0][0] and src[0][1] both to self[0][2]
  Tensor self = leaf({2, 4}, 40), src = leaf({2, 2}, 41);
  Tensor index = ints({2, 2, 0, 3}, {2, 2});
  Tensor up = values({2, 4}, 42);
  sum(mul(scatter(self, 1, index, src), up)).backward();
  const std::vector<double> u = to_doubles(up);
  // self: no gradient where it was overwritten (positions [0][2], [1][0], [1][3])
  expect_values(self.grad(), {u[0], u[1], 0, u[3], 0, u[5], u[6], 0}, "self.grad");
  // src: gather(grad) at every position, both duplicates included (as in PyTorch)
  expect_values(src.grad(), {u[2], u[2], u[4], u[7]}, "src.grad");

  // scatter_add sums duplicates, so its gradient is exact for them: gradcheck
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& in) {
        Tensor y = scatter_add(in[0], 1, index, in[1]);
        return Outs{mul(y, y)};
      },
      {leaf({2, 4}, 43), leaf({2, 3}, 44)}));  // src wider than the index: zero gradient there
  // scatter with a value: gradient to self only, zero at the written positions
  Tensor s2 = leaf({2, 4}, 45);
  sum(scatter(s2, 1, index, Scalar(7.0))).backward();
  expect_values(s2.grad(), {1, 1, 0, 1, 0, 1, 1, 0}, "scatter value self.grad");
}

TEST(ShapeGradcheck, IndexPutWithDuplicateIndices) {
  Tensor self = leaf({4, 2}, 50), vals = leaf({3, 2}, 51);
  Tensor index = ints({1, -3, 3});  // -3 is row 1 again
  Tensor up = values({4, 2}, 52);
  const std::vector<double> u = to_doubles(up);
  sum(mul(index_put(self, index, vals, /*accumulate=*/false), up)).backward();
  expect_values(self.grad(), {u[0], u[1], 0, 0, u[4], u[5], 0, 0}, "self.grad");
  // values: grad[index] at every position, the losing duplicate included
  expect_values(vals.grad(), {u[2], u[3], u[2], u[3], u[6], u[7]}, "values.grad");
  // accumulate: all duplicates add, the gradient is exact
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& in) {
        Tensor y = index_put(in[0], index, in[1], true);
        return Outs{mul(y, y)};
      },
      {leaf({4, 2}, 53), leaf({2}, 54)}));  // values broadcast over the indexed rows
  // a mask of the leading dims with broadcast values
  Tensor mask = from_vector(std::vector<bool>{true, false, true, true}, {4}, TensorOptions(kBool));
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& in) {
        Tensor y = index_put(in[0], mask, in[1]);
        return Outs{mul(y, y)};
      },
      {leaf({4, 2}, 55), leaf({1, 2}, 56)}));
}

TEST(ShapeGradcheck, SecondOrderThroughIndexing) {
  auto sq = [](const Tensor& t) { return mul(t, t); };
  Tensor idx = ints({2, 0, 2, 1});
  EXPECT_TRUE(Gradgradcheck([&](const Ins& in) { return Outs{sq(index_select(in[0], 1, idx))}; },
                            {transposed_leaf({2, 3}, 60)}));
  Tensor gidx = ints({0, 2, 2, 1, 1, 1}, {2, 3});
  EXPECT_TRUE(Gradgradcheck([&](const Ins& in) { return Outs{sq(gather(in[0], 1, gidx))}; },
                            {leaf({2, 4}, 61)}));
  Tensor sidx = ints({3, 0, 1, 2}, {2, 2});
  EXPECT_TRUE(Gradgradcheck([&](const Ins& in) { return Outs{sq(scatter(in[0], 1, sidx, in[1]))}; },
                            {leaf({2, 4}, 62), leaf({2, 2}, 63)}));
  Tensor mask = from_vector(std::vector<bool>{true, false, false, true, true, false}, {2, 3},
                            TensorOptions(kBool));
  EXPECT_TRUE(Gradgradcheck([&](const Ins& in) { return Outs{sq(masked_select(in[0], mask))}; },
                            {leaf({3}, 64)}));  // broadcast against the mask
}

TEST(ShapeGradcheck, IndexAdd) {
  Tensor t = values({2, 4}, 70), src = values({2, 3}, 71);
  Tensor idx = ints({3, 0, 3});
  const std::vector<double> tv = to_doubles(t), sv = to_doubles(src);
  std::vector<double> want = tv;
  for (size_t r = 0; r < 2; ++r)
    for (size_t j = 0; j < 3; ++j)
      want[r * 4 + static_cast<size_t>(to_doubles(idx)[j])] += sv[r * 3 + j];
  expect_values(index_add(t, 1, idx, src), want, "index_add");
  EXPECT_TRUE(Gradgradcheck(
      [&](const Ins& in) {
        Tensor y = index_add(in[0], 1, idx, in[1]);
        return Outs{mul(y, y)};
      },
      {leaf({2, 4}, 72), transposed_leaf({2, 3}, 73)}));
  EXPECT_THROW(index_add(t, 1, ints({0, 1}), src), Error);                 // 2 indices for 3 slices
  EXPECT_THROW(index_add(t, 0, ints({0, 1}), values({2, 3}, 74)), Error);  // other dim differs
}

// ---- pad ----
TEST(ShapeGradcheck, PadReflectAndReplicateAccumulateAtTheEdges) {
  // reflect (2, 2) of [x0 x1 x2 x3]: x2 x1 | x0 x1 x2 x3 | x2 x1
  Tensor x = leaf({4}, 80);
  sum(pad(x, {2, 2}, ops::PadMode::Reflect)).backward();
  expect_values(x.grad(), {1, 3, 3, 1}, "reflect grad");
  // replicate (2, 3): x0 x0 | x0 x1 x2 x3 | x3 x3 x3
  Tensor y = leaf({4}, 81);
  sum(pad(y, {2, 3}, ops::PadMode::Replicate)).backward();
  expect_values(y.grad(), {3, 1, 1, 4}, "replicate grad");
  // two padded dims: the corners come from both borders
  Tensor z = leaf({2, 2}, 82);
  sum(pad(z, {1, 1, 1, 0}, ops::PadMode::Replicate)).backward();  // rows (1, 0), cols (1, 1)
  // padded [3, 4]: rows r0 r0 r1, cols c0 c0 c1 c1 -> z[0][j]: 2 rows x 2 cols each
  expect_values(z.grad(), {4, 4, 2, 2}, "replicate 2-d grad");
  for (auto mode : {ops::PadMode::Reflect, ops::PadMode::Replicate})
    EXPECT_TRUE(Gradgradcheck(
        [mode](const Ins& in) {
          Tensor p = pad(in[0], {2, 1, 1, 2}, mode);
          return Outs{mul(p, p)};
        },
        {transposed_leaf({2, 3, 4}, 83)}));
  // constant with a negative pad: the cropped elements get no gradient
  Tensor c = leaf({2, 3}, 84);
  sum(pad(c, {-1, 2}, ops::PadMode::Constant, 5.0)).backward();
  expect_values(c.grad(), {0, 1, 1, 0, 1, 1}, "constant crop grad");
}

// ---- saved index tensors ----
TEST(ShapeGradcheck, IndexModifiedInPlaceAfterTheForwardIsAnError) {
  Tensor x = leaf({3, 4}, 90);
  Tensor idx = ints({0, 2, 1}, {3, 1});
  Tensor y = gather(x, 1, idx);
  idx.fill_(3);  // would change which elements the gradient goes to
  EXPECT_THROW(sum(y).backward(), Error);
}

}  // namespace
}  // namespace mica::gradcheck_test
