// Gradchecks of the spatial ops beyond the op table's samples: conv2d / conv1d /
// conv_transpose2d geometry combinations (groups with dilation and stride, output_padding past
// the stride), unbatched inputs, undefined bias, second and third order through conv2d's
// differentiable backward ops, the pooling / upsampling backward ops against hand-computed values
// and in 16-bit dtypes, and their argument errors.
#include <gtest/gtest.h>

#include <string>

#include "gradcheck_util.h"

namespace mica::gradcheck_test {
namespace {

#define EXPECT_THROW_MSG(stmt, fragment)                                              \
  do {                                                                                \
    bool thrown = false;                                                              \
    try {                                                                             \
      stmt;                                                                           \
    } catch (const Error& e) {                                                        \
      thrown = true;                                                                  \
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what(); \
    }                                                                                 \
    EXPECT_TRUE(thrown) << #stmt " did not throw";                                    \
  } while (0)

// ---- convolution ----

TEST(ConvGradcheck, Conv2dGroupsDilationStrideNoBias) {
  // groups 2, dilation [2, 1], stride [2, 3], padding [1, 2]; non-contiguous input, no bias
  auto f = [](const Ins& in) { return Outs{conv2d(in[0], in[1], {}, {2, 3}, {1, 2}, {2, 1}, 2)}; };
  const Ins ins{transposed_leaf({2, 4, 7, 6}, 1), leaf({4, 2, 2, 3}, 2)};
  EXPECT_TRUE(Gradcheck(f, ins));
  EXPECT_TRUE(Gradgradcheck(f, ins));
}

TEST(ConvGradcheck, Conv2dUnbatchedWithBias) {
  auto f = [](const Ins& in) { return Outs{conv2d(in[0], in[1], in[2], {1}, {1}, {1}, 1)}; };
  const Ins ins{leaf({2, 4, 5}, 3), strided_leaf({3, 2, 2, 2}, 4), leaf({3}, 5)};
  EXPECT_TRUE(Gradcheck(f, ins));
  EXPECT_TRUE(Gradgradcheck(f, ins));
}

TEST(ConvGradcheck, Conv2dGradientPenaltyIsSecondOrder) {
  // d/dw of |d(sum(conv2d(x, w)^2))/dx|^2: needs conv2d's backward to be differentiable in w.
  Tensor x = leaf({1, 2, 5, 5}, 6), w = leaf({3, 2, 3, 3}, 7);
  auto f = [](const Ins& in) {
    // Finite differences call this without grad mode, on plain tensors: record anyway.
    AutoGradMode on(true);
    Tensor x = in[0];
    if (!x.requires_grad()) x = make_leaf(x.detach());
    const Tensor y = conv2d(x, in[1], {}, {1}, {1});
    const Tensor gx = autograd::grad({sum(mul(y, y))}, {x}, {}, {.create_graph = true})[0];
    return Outs{sum(mul(gx, gx))};
  };
  EXPECT_TRUE(Gradcheck(f, {x, w}));
  const Tensor gw = autograd::grad(f({x, w}), {w})[0];
  EXPECT_GT(to_doubles(sum(mul(gw, gw)))[0], 0.0);
}

TEST(ConvGradcheck, Conv2dBackwardOpsThirdOrder) {
  // gradgradcheck of the backward ops = third derivatives of conv2d
  const std::vector<int64_t> in_sizes{1, 4, 5, 4};
  auto fi = [in_sizes](const Ins& in) {
    return Outs{conv2d_backward_input(in[0], in[1], in_sizes, {2, 1}, {1, 0}, {1, 2}, 2)};
  };
  const Ins ii{leaf({1, 4, 3, 2}, 8), leaf({4, 2, 3, 2}, 9)};
  EXPECT_TRUE(Gradcheck(fi, ii));
  EXPECT_TRUE(Gradgradcheck(fi, ii));
  auto fw = [](const Ins& in) {
    return Outs{conv2d_backward_weight(in[0], in[1], {4, 2, 3, 2}, {2, 1}, {1, 0}, {1, 2}, 2)};
  };
  const Ins iw{leaf({1, 4, 3, 2}, 10), transposed_leaf({1, 4, 5, 4}, 11)};
  EXPECT_TRUE(Gradcheck(fw, iw));
  EXPECT_TRUE(Gradgradcheck(fw, iw));
}

TEST(ConvGradcheck, Conv1dStrideDilationGroupsUnbatched) {
  auto f = [](const Ins& in) { return Outs{conv1d(in[0], in[1], in[2], {2}, {1}, {2}, 2)}; };
  const Ins batched{leaf({2, 4, 9}, 12), leaf({6, 2, 3}, 13), leaf({6}, 14)};
  EXPECT_TRUE(Gradcheck(f, batched));
  EXPECT_TRUE(Gradgradcheck(f, batched));
  const Ins unbatched{strided_leaf({4, 9}, 15), leaf({6, 2, 3}, 16), Tensor()};
  EXPECT_TRUE(Gradcheck(f, unbatched));
  EXPECT_TRUE(Gradgradcheck(f, unbatched));
}

TEST(ConvGradcheck, ConvTranspose2dOutputPaddingStrideGroups) {
  // output_padding [1, 2] < stride [2, 3], groups 2, bias
  auto f = [](const Ins& in) {
    return Outs{conv_transpose2d(in[0], in[1], in[2], {2, 3}, {1, 0}, {1, 2}, 2, {1, 1})};
  };
  const Ins ins{leaf({2, 4, 3, 3}, 17), transposed_leaf({4, 3, 3, 2}, 18), leaf({6}, 19)};
  EXPECT_TRUE(Gradcheck(f, ins));
  EXPECT_TRUE(Gradgradcheck(f, ins));
}

TEST(ConvGradcheck, ConvTranspose2dOutputPaddingPastStride) {
  // output_padding 2 >= stride 1 (allowed as < dilation 3): conv2d(g, w) is larger than x, so the
  // input gradient is cropped and the weight gradient pads x.
  auto f = [](const Ins& in) {
    return Outs{conv_transpose2d(in[0], in[1], {}, {1, 2}, {1, 0}, {2, 1}, 1, {3, 2})};
  };
  const Ins ins{leaf({1, 2, 3, 3}, 20), leaf({2, 2, 2, 2}, 21)};
  EXPECT_TRUE(Gradcheck(f, ins));
  EXPECT_TRUE(Gradgradcheck(f, ins));
}

TEST(ConvGradcheck, ConvTranspose2dUnbatchedNoBias) {
  auto f = [](const Ins& in) {
    return Outs{conv_transpose2d(in[0], in[1], {}, {2}, {0}, {1}, 1, {1})};
  };
  const Ins ins{strided_leaf({3, 2, 3}, 22), leaf({3, 2, 2, 2}, 23)};
  EXPECT_TRUE(Gradcheck(f, ins));
  EXPECT_TRUE(Gradgradcheck(f, ins));
}

TEST(ConvGradcheck, OnlyTheInputsThatNeedGradGetOne) {
  Tensor x = leaf({1, 2, 4, 4}, 24);
  const Tensor w = values({3, 2, 3, 3}, 25), b = values({3}, 26);
  const Tensor y = conv2d(x, w, b);
  ASSERT_TRUE(y.requires_grad());
  EXPECT_FALSE(conv2d(values({1, 2, 4, 4}, 27), w, b).requires_grad());
  const Tensor gx = autograd::grad({sum(y)}, {x})[0];
  // d sum / dx = conv2d_backward_input of ones
  const Tensor want = ops::conv2d_backward_input(ones({1, 3, 2, 2}, kFloat64), w, {1, 2, 4, 4});
  EXPECT_EQ(to_doubles(gx), to_doubles(want));
}

// ---- pooling and upsampling ----

TEST(PoolGradcheck, MaxPoolIndicesCarryNoGradAndGradgrad) {
  Tensor x = leaf({2, 2, 5, 6}, 30);
  const auto [v, indices] = max_pool2d_with_indices(x, {3, 2}, {2, 2}, {1, 1}, {1, 2}, true);
  const Tensor idx = indices;
  EXPECT_TRUE(v.requires_grad());
  EXPECT_FALSE(idx.requires_grad());
  auto f = [](const Ins& in) { return Outs{max_pool2d(in[0], {2, 2}, {1, 1})}; };
  EXPECT_TRUE(Gradcheck(f, {transposed_leaf({1, 2, 4, 5}, 31)}));
  EXPECT_TRUE(Gradgradcheck(f, {transposed_leaf({1, 2, 4, 5}, 31)}));
  // The backward op itself, to second order (its backward is a gather by the indices).
  auto fb = [idx](const Ins& in) { return Outs{max_pool2d_backward(in[0], idx, {2, 2, 5, 6})}; };
  EXPECT_TRUE(Gradcheck(fb, {leaf(idx.sizes(), 32)}));
  EXPECT_TRUE(Gradgradcheck(fb, {leaf(idx.sizes(), 32)}));
}

TEST(PoolGradcheck, BackwardOpsToSecondOrder) {
  auto avg = [](const Ins& in) {
    return Outs{avg_pool2d_backward(in[0], {2, 6, 7}, {3, 2}, {2, 2}, {1, 1}, true, false)};
  };
  EXPECT_TRUE(Gradcheck(avg, {leaf({2, 4, 4}, 33)}));
  EXPECT_TRUE(Gradgradcheck(avg, {leaf({2, 4, 4}, 33)}));
  auto adaptive = [](const Ins& in) {
    return Outs{adaptive_avg_pool2d_backward(in[0], {1, 2, 7, 5})};
  };
  EXPECT_TRUE(Gradgradcheck(adaptive, {leaf({1, 2, 3, 4}, 34)}));
  auto nearest = [](const Ins& in) {
    return Outs{upsample_nearest2d_backward(in[0], {1, 2, 3, 4}, std::vector<double>{1.5, 2.5})};
  };
  EXPECT_TRUE(Gradgradcheck(nearest, {leaf({1, 2, 4, 10}, 35)}));
  auto bilinear = [](const Ins& in) {
    return Outs{upsample_bilinear2d_backward(in[0], {1, 2, 3, 4}, false)};
  };
  EXPECT_TRUE(Gradgradcheck(bilinear, {leaf({1, 2, 5, 7}, 36)}));
}

TEST(PoolGradcheck, BackwardValuesByHand) {
  const auto f64 = TensorOptions(kFloat64);
  // k2 average pooling of ones: every input gets 1/4
  for (double v : to_doubles(ops::avg_pool2d_backward(ones({1, 1, 2, 2}, f64), {1, 1, 4, 4}, {2})))
    EXPECT_EQ(v, 0.25);
  // nearest 2x upsampling: every input pixel collects its 2x2 block
  for (double v :
       to_doubles(ops::upsample_nearest2d_backward(ones({1, 1, 4, 6}, f64), {1, 1, 2, 3})))
    EXPECT_EQ(v, 4.0);
  // global adaptive pooling of a 2x3 plane: 1/6 each
  for (double v : to_doubles(ops::adaptive_avg_pool2d_backward(ones({2, 1, 1}, f64), {2, 2, 3})))
    EXPECT_DOUBLE_EQ(v, 1.0 / 6.0);
  // bilinear (align_corners) 2 -> 3: the middle output splits half-half
  const auto b = to_doubles(ops::upsample_bilinear2d_backward(
      from_vector(std::vector<double>{1.0, 10.0, 100.0}, {1, 1, 1, 3}), {1, 1, 1, 2}, true));
  EXPECT_DOUBLE_EQ(b[0], 1.0 + 5.0);
  EXPECT_DOUBLE_EQ(b[1], 5.0 + 100.0);
  // max: each grad lands on its index, repeated indices add up
  const Tensor idx = from_vector(std::vector<int64_t>{3, 3, 0}, {1, 1, 3});
  const auto m = to_doubles(ops::max_pool2d_backward(
      from_vector(std::vector<double>{1.0, 2.0, 4.0}, {1, 1, 3}), idx, {1, 2, 2}));
  EXPECT_EQ(m, (std::vector<double>{4.0, 0.0, 0.0, 3.0}));
}

TEST(PoolGradcheck, SixteenBitBackwardMatchesFloat64) {
  // The kernels accumulate 16-bit gradients in float: compare with float64 on the same values.
  const Tensor g64 = values({2, 3, 4, 4}, 40);
  for (DType dt : {kFloat16, kBFloat16, kFloat32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor g = g64.to(dt);
    const Tensor gr = g.to(kFloat64);  // the rounded values, in float64
    const double tol = dt == kFloat32 ? 1e-6 : dt == kFloat16 ? 5e-3 : 4e-2;
    auto close = [tol](const Tensor& a, const Tensor& b) {
      const auto va = to_doubles(a), vb = to_doubles(b);
      ASSERT_EQ(va.size(), vb.size());
      for (size_t i = 0; i < va.size(); ++i) EXPECT_NEAR(va[i], vb[i], tol * (1 + std::abs(vb[i])));
    };
    close(ops::avg_pool2d_backward(g, {2, 3, 8, 8}, {3}, {2}, {1}),
          ops::avg_pool2d_backward(gr, {2, 3, 8, 8}, {3}, {2}, {1}));
    close(ops::adaptive_avg_pool2d_backward(g, {2, 3, 7, 9}),
          ops::adaptive_avg_pool2d_backward(gr, {2, 3, 7, 9}));
    close(ops::upsample_nearest2d_backward(g, {2, 3, 3, 2}),
          ops::upsample_nearest2d_backward(gr, {2, 3, 3, 2}));
    close(ops::upsample_bilinear2d_backward(g, {2, 3, 3, 3}, false),
          ops::upsample_bilinear2d_backward(gr, {2, 3, 3, 3}, false));
    const Tensor idx = ops::max_pool2d_with_indices(values({2, 3, 8, 8}, 41), {2}).second;
    close(ops::max_pool2d_backward(g, idx, {2, 3, 8, 8}),
          ops::max_pool2d_backward(gr, idx, {2, 3, 8, 8}));
    EXPECT_EQ(ops::max_pool2d_backward(g, idx, {2, 3, 8, 8}).dtype(), dt);
  }
}

TEST(PoolGradcheck, BackwardOpErrors) {
  const Tensor g = ones({1, 2, 2, 2}, TensorOptions(kFloat64));
  const Tensor bad_idx = from_vector(std::vector<int64_t>{0, 1, 2, 99, 0, 0, 0, 0}, {1, 2, 2, 2});
  EXPECT_THROW_MSG(ops::max_pool2d_backward(g, bad_idx, {1, 2, 4, 4}),
                   "max_pool2d_backward: indices must lie in [0, 16)");
  EXPECT_THROW_MSG(ops::max_pool2d_backward(g, bad_idx.to(kInt32), {1, 2, 4, 4}),
                   "expected int64 indices");
  EXPECT_THROW_MSG(ops::avg_pool2d_backward(g, {1, 2, 6, 6}, {2}),
                   "avg_pool2d_backward: grad_output [1, 2, 2, 2] does not match");
  EXPECT_THROW_MSG(ops::avg_pool2d_backward(g, {1, 3, 4, 4}, {2}), "batch / channel");
  EXPECT_THROW_MSG(ops::adaptive_avg_pool2d_backward(g, {2, 4, 4}), "both 4-d");
  EXPECT_THROW_MSG(ops::upsample_nearest2d_backward(g, {1, 2, 1, 1}, std::vector<double>{3.0}),
                   "upsample_nearest2d_backward: grad_output [1, 2, 2, 2] does not match");
  EXPECT_THROW_MSG(ops::upsample_bilinear2d_backward(g, {2, 1, 1}, false), "both 4-d");
  EXPECT_THROW_MSG(ops::upsample_nearest2d_backward(g.to(kInt64), {1, 2, 1, 1}), "floating");
  // The differentiable API reports the raw op's errors.
  EXPECT_THROW_MSG(
      conv2d_backward_input(leaf({1, 2, 2, 2}, 50), leaf({2, 3, 3, 3}, 51), {1, 3, 5, 5}),
      "conv2d_backward_input: grad_output [1, 2, 2, 2] does not match");
  EXPECT_THROW_MSG(conv_transpose2d(leaf({1, 2, 3, 3}, 52), leaf({3, 2, 2, 2}, 53)),
                   "conv_transpose2d");
}

}  // namespace
}  // namespace mica::gradcheck_test
