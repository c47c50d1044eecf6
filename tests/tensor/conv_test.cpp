// Spatial-op semantics the op table cannot express: result dtypes, the batch-parallel and
// serial code paths agreeing, NaN in max pooling, conv2d's backward ops as adjoints of conv2d,
// and the error messages of common mistakes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "test_util.h"

namespace mica::test {
namespace {

// Restores the thread count when a test changes it.
struct ThreadGuard {
  int saved = get_num_threads();
  ~ThreadGuard() { set_num_threads(saved); }
};

TEST(Conv, ResultDTypesFollowTheInput) {
  std::mt19937_64 rng(1);
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    const Tensor x = rand_tensor({1, 2, 5, 5}, dt, rng), w = rand_tensor({3, 2, 3, 3}, dt, rng);
    EXPECT_EQ(ops::conv2d(x, w).dtype(), dt);
    EXPECT_EQ(ops::conv_transpose2d(x, rand_tensor({2, 3, 3, 3}, dt, rng)).dtype(), dt);
    auto [v, i] = ops::max_pool2d_with_indices(x, {2});
    EXPECT_EQ(v.dtype(), dt);
    EXPECT_EQ(i.dtype(), kInt64);
    EXPECT_EQ(ops::avg_pool2d(x, {2}).dtype(), dt);
    EXPECT_EQ(ops::adaptive_avg_pool2d(x, {2}).dtype(), dt);
    EXPECT_EQ(ops::upsample_nearest2d(x, std::vector<int64_t>{7, 7}).dtype(), dt);
    EXPECT_EQ(ops::upsample_bilinear2d(x, std::nullopt, true, std::vector<double>{2.0}).dtype(),
              dt);
  }
}

// With the batch at least the thread count, the batch is split across threads (each with its
// own column buffer, the weight gradient summed from per-chunk partials); otherwise samples run
// in sequence. Both must give the same numbers.
TEST(Conv, BatchParallelAndSerialPathsAgree) {
  ThreadGuard guard;
  std::mt19937_64 rng(2);
  const Tensor x = rand_tensor({6, 4, 9, 8}, kFloat64, rng);
  const Tensor w = rand_tensor({6, 2, 3, 3}, kFloat64, rng);
  const Tensor b = rand_tensor({6}, kFloat64, rng);
  const Tensor wt = rand_tensor({4, 3, 4, 4}, kFloat64, rng);
  auto run = [&] {
    const Tensor y = ops::conv2d(x, w, b, {2, 1}, {1}, {1, 2}, 2);
    return std::vector<Tensor>{
        y, ops::conv_transpose2d(x, wt, Tensor(), {2}, {1}),
        ops::conv2d_backward_input(y, w, x.sizes(), {2, 1}, {1}, {1, 2}, 2),
        ops::conv2d_backward_weight(y, x, w.sizes(), {2, 1}, {1}, {1, 2}, 2)};
  };
  set_num_threads(1);
  const auto serial = run();
  set_num_threads(3);  // 6 samples >= 3 threads: batch-parallel, 3 chunks
  const auto parallel = run();
  set_num_threads(16);  // 6 samples < 16 threads: serial batch, threaded inner loops
  const auto inner = run();
  for (size_t k = 0; k < serial.size(); ++k) {
    EXPECT_TRUE(all_close(parallel[k], serial[k], {1e-12, 1e-12})) << "output " << k;
    EXPECT_TRUE(all_close(inner[k], serial[k], {1e-12, 1e-12})) << "output " << k;
  }
}

// <ops::conv2d(x, w), g> = <x, backward_input(g, w)> = <w, backward_weight(g, x)>.
TEST(Conv, BackwardOpsAreAdjointsOfConv2d) {
  std::mt19937_64 rng(3);
  const Tensor x = rand_tensor({2, 4, 7, 6}, kFloat64, rng);
  const Tensor w = rand_tensor({6, 2, 3, 2}, kFloat64, rng);
  const Tensor y = ops::conv2d(x, w, Tensor(), {2, 1}, {1, 2}, {1, 2}, 2);
  const Tensor g = rand_tensor(y.sizes(), kFloat64, rng);
  auto dot = [](const Tensor& a, const Tensor& b) {
    const auto va = values(a), vb = values(b);
    double s = 0;
    for (size_t i = 0; i < va.size(); ++i) s += va[i] * vb[i];
    return s;
  };
  const double lhs = dot(y, g);
  EXPECT_NEAR(dot(x, ops::conv2d_backward_input(g, w, x.sizes(), {2, 1}, {1, 2}, {1, 2}, 2)), lhs,
              1e-9 * std::abs(lhs) + 1e-9);
  EXPECT_NEAR(dot(w, ops::conv2d_backward_weight(g, x, w.sizes(), {2, 1}, {1, 2}, {1, 2}, 2)), lhs,
              1e-9 * std::abs(lhs) + 1e-9);
}

// Geometry of one conv2d case for the naive reference below.
struct ConvCase {
  Shape x, w;  // x: [N, C_in, H, W], w: [C_out, C_in/groups, kH, kW]
  std::vector<int64_t> stride, pad, dil;
  int64_t groups;
};

// Naive conv2d and its two backward passes, in double, by the definition:
// out[n, co, oy, ox] = sum_{ci, ki, kj} x[n, g * cin_g + ci, oy sH - pH + ki dH, ...] w[co, ci, ki,
// kj].
struct ConvRef {
  const ConvCase& c;
  int64_t n, cin, h, wd, cout, cin_g, kh, kw, oh, ow, cout_g;
  explicit ConvRef(const ConvCase& cc)
      : c(cc),
        n(cc.x[0]),
        cin(cc.x[1]),
        h(cc.x[2]),
        wd(cc.x[3]),
        cout(cc.w[0]),
        cin_g(cc.w[1]),
        kh(cc.w[2]),
        kw(cc.w[3]),
        oh((h + 2 * cc.pad[0] - cc.dil[0] * (kh - 1) - 1) / cc.stride[0] + 1),
        ow((wd + 2 * cc.pad[1] - cc.dil[1] * (kw - 1) - 1) / cc.stride[1] + 1),
        cout_g(cout / cc.groups) {}
  Shape out_shape() const { return {n, cout, oh, ow}; }
  // Calls f(x index, w index, out index) for every multiply-add of the convolution.
  template <class F>
  void each(const F& f) const {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t co = 0; co < cout; ++co)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox)
            for (int64_t ci = 0; ci < cin_g; ++ci)
              for (int64_t ki = 0; ki < kh; ++ki)
                for (int64_t kj = 0; kj < kw; ++kj) {
                  const int64_t y = oy * c.stride[0] - c.pad[0] + ki * c.dil[0];
                  const int64_t x = ox * c.stride[1] - c.pad[1] + kj * c.dil[1];
                  if (y < 0 || y >= h || x < 0 || x >= wd) continue;
                  const int64_t chan = co / cout_g * cin_g + ci;
                  f(((b * cin + chan) * h + y) * wd + x, ((co * cin_g + ci) * kh + ki) * kw + kj,
                    ((b * cout + co) * oh + oy) * ow + ox);
                }
  }
};

// The CPU kernels (multi-sample column tiles for small outputs, one GEMM over the batch for a
// kernel covering the whole input, per-sample row tiles for large outputs) against the naive
// definition: forward with bias, both backward passes, conv_transpose2d with bias, in float64
// and float32, with 1, 2 and 3 threads (different batch chunks, so tiles of different sizes).
TEST(Conv, KernelsMatchNaiveReference) {
  ThreadGuard guard;
  const std::vector<ConvCase> cases = {
      {{8, 4, 10, 10}, {6, 4, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},  // tiles of 2-3 samples
      {{7, 4, 21, 19}, {6, 2, 3, 3}, {2, 2}, {1, 1}, {2, 2}, 2},  // groups, stride, dilation
      {{9, 3, 12, 11}, {5, 3, 3, 2}, {2, 1}, {0, 2}, {1, 1}, 1},  // asymmetric, extra input row
      {{5, 3, 4, 5}, {4, 3, 4, 5}, {1, 1}, {0, 0}, {1, 1}, 1},    // kernel = whole input: 1x1 out
      {{5, 6, 4, 5}, {6, 2, 4, 5}, {2, 3}, {0, 0}, {1, 1}, 3},    // ... with groups and stride
      {{5, 3, 4, 5}, {4, 3, 2, 5}, {2, 1}, {0, 0}, {1, 1}, 1},    // covers all columns, 2 rows
      {{1, 3, 6, 6}, {2, 3, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},    // N = 1
      {{9, 5, 4, 4}, {3, 5, 1, 1}, {1, 1}, {0, 0}, {1, 1}, 1},    // pointwise, small planes
      {{4, 3, 13, 14}, {4, 3, 3, 4}, {3, 3}, {2, 1}, {1, 2}, 1},  // stride 3: 9 phase planes
      {{3, 2, 20, 20}, {3, 2, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},  // large plane: per sample
      {{40, 2, 7, 7}, {3, 2, 4, 4}, {2, 2}, {1, 1}, {1, 1}, 1},   // ncol 16: many samples a tile
  };
  std::mt19937_64 rng(7);
  for (size_t k = 0; k < cases.size(); ++k) {
    const ConvCase& c = cases[k];
    const ConvRef ref(c);
    const Tensor x = rand_tensor(c.x, kFloat64, rng), w = rand_tensor(c.w, kFloat64, rng);
    const Tensor b = rand_tensor({ref.cout}, kFloat64, rng),
                 bt = rand_tensor({ref.cin}, kFloat64, rng);
    const Tensor go = rand_tensor(ref.out_shape(), kFloat64, rng);
    const auto xv = values(x), wv = values(w), bv = values(b), btv = values(bt), gv = values(go);
    std::vector<double> out(static_cast<size_t>(shape_numel(ref.out_shape()))), gx(xv.size()),
        gw(wv.size()), xt(xv.size());
    for (int64_t i = 0; i < static_cast<int64_t>(out.size()); ++i)
      out[static_cast<size_t>(i)] = bv[static_cast<size_t>(i / (ref.oh * ref.ow) % ref.cout)];
    for (int64_t i = 0; i < static_cast<int64_t>(xt.size()); ++i)
      xt[static_cast<size_t>(i)] = btv[static_cast<size_t>(i / (ref.h * ref.wd) % ref.cin)];
    ref.each([&](int64_t xi, int64_t wi, int64_t oi) {
      const auto [x_, w_, o_] =
          std::tuple{static_cast<size_t>(xi), static_cast<size_t>(wi), static_cast<size_t>(oi)};
      out[o_] += xv[x_] * wv[w_];
      gx[x_] += gv[o_] * wv[w_];
      gw[w_] += gv[o_] * xv[x_];
      xt[x_] += gv[o_] * wv[w_];
    });
    // conv_transpose2d(go, w) with stride/padding/dilation of c is conv2d's backward input
    // (plus its bias); output_padding picks up an input size the output size does not fix.
    const std::vector<int64_t> out_pad = {
        ref.h - ((ref.oh - 1) * c.stride[0] - 2 * c.pad[0] + c.dil[0] * (ref.kh - 1) + 1),
        ref.wd - ((ref.ow - 1) * c.stride[1] - 2 * c.pad[1] + c.dil[1] * (ref.kw - 1) + 1)};
    for (DType dt : {kFloat64, kFloat32}) {
      const Tol tol = dt == kFloat64 ? Tol{1e-11, 1e-11} : Tol{2e-4, 2e-4};
      const Tensor xd = x.to(dt), wd = w.to(dt), bd = b.to(dt), btd = bt.to(dt), god = go.to(dt);
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        SCOPED_TRACE("case " + std::to_string(k) + " " + dtype_name(dt) + " threads " +
                     std::to_string(threads));
        EXPECT_TRUE(all_close(ops::conv2d(xd, wd, bd, c.stride, c.pad, c.dil, c.groups),
                              from_values(ref.out_shape(), out), tol));
        EXPECT_TRUE(
            all_close(ops::conv2d_backward_input(god, wd, c.x, c.stride, c.pad, c.dil, c.groups),
                      from_values(c.x, gx), tol));
        EXPECT_TRUE(
            all_close(ops::conv2d_backward_weight(god, xd, c.w, c.stride, c.pad, c.dil, c.groups),
                      from_values(c.w, gw), tol));
        EXPECT_TRUE(all_close(
            ops::conv_transpose2d(god, wd, btd, c.stride, c.pad, out_pad, c.groups, c.dil),
            from_values(c.x, xt), tol));
      }
    }
  }
}

TEST(Conv, Conv1dMatchesConv2dOfHeightOne) {
  std::mt19937_64 rng(4);
  const Tensor x = rand_tensor({2, 3, 11}, kFloat64, rng),
               w = rand_tensor({4, 3, 3}, kFloat64, rng);
  const Tensor a = ops::conv1d(x, w, Tensor(), {2}, {1}, {2});
  const Tensor b = ops::conv2d(x.unsqueeze(2), w.unsqueeze(2), Tensor(), {1, 2}, {0, 1}, {1, 2});
  EXPECT_EQ(a.sizes(), (Shape{2, 4, 5}));
  EXPECT_TRUE(all_close(a, b.squeeze(2), {0, 0}));
}

TEST(Pool, MaxPoolPropagatesNaNAndPointsAtIt) {
  Tensor x = zeros({1, 1, 2, 4});
  x.data_ptr<float>()[5] = std::numeric_limits<float>::quiet_NaN();  // (1, 1)
  auto [v, i] = ops::max_pool2d_with_indices(x, {2});
  const auto vv = values(v), iv = values(i);
  EXPECT_TRUE(std::isnan(vv[0]));
  EXPECT_EQ(iv[0], 5);
  EXPECT_EQ(vv[1], 0);
  EXPECT_EQ(iv[1], 2);  // ties: the first position of the window
}

TEST(Pool, MaxPoolOfMinusInfinityPointsInsideTheInput) {
  const Tensor x = full({1, 1, 3, 3}, -std::numeric_limits<double>::infinity(), kFloat64);
  auto [v, i] = ops::max_pool2d_with_indices(x, {2}, {2}, {1});
  EXPECT_EQ(values(i), (std::vector<double>{0, 1, 3, 4}));
}

TEST(Conv, ErrorMessages) {
  const Tensor x = zeros({1, 4, 5, 5}), w = zeros({8, 3, 3, 3});
  EXPECT_MICA_ERROR(ops::conv2d(x, w, Tensor(), {1}, {0}, {1}, 2), "conv2d", "[1, 4, 5, 5]",
                    "[8, 3, 3, 3]", "groups=2", "6");
  EXPECT_MICA_ERROR(
      ops::conv2d(zeros({1, 6, 5, 5}), zeros({7, 3, 3, 3}), Tensor(), {1}, {0}, {1}, 2), "conv2d",
      "[7, 3, 3, 3]", "not divisible by groups=2");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 2, 2}), zeros({2, 3, 3, 3})), "conv2d", "[1, 3, 2, 2]",
                    "[2, 3, 3, 3]", "kernel size [3, 3]", "padded input size [2, 2]");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 6, 6}), zeros({2, 3, 3, 3}), Tensor(), {1}, {0}, {3}),
                    "conv2d", "kernel size [7, 7]");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({3, 5, 5, 5, 5}), w), "conv2d", "[3, 5, 5, 5, 5]");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3})), "conv2d", "weight",
                    "[2, 3, 3]");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), zeros({3})), "conv2d",
                    "bias", "[2]", "[3]");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), Tensor(), {0}), "conv2d",
                    "stride", "positive");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), Tensor(), {1}, {-1}),
                    "conv2d", "padding", "non-negative");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), Tensor(), {1, 2, 3}),
                    "conv2d", "stride", "1 or 2 elements");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}, kFloat64)), "conv2d",
                    "float32", "float64", "same dtype");
  EXPECT_MICA_ERROR(ops::conv2d(zeros({1, 3, 5, 5}, kInt64), zeros({2, 3, 3, 3}, kInt64)), "conv2d",
                    "floating", "int64");
  EXPECT_MICA_ERROR(ops::conv2d(x, zeros({8, 2, 3, 3}), Tensor(), {1}, {0}, {1}, 0), "conv2d",
                    "groups");
  EXPECT_MICA_ERROR(ops::conv1d(zeros({1, 3, 2}), zeros({2, 3, 3})), "conv1d", "[1, 3, 2]",
                    "[2, 3, 3]");
  EXPECT_MICA_ERROR(ops::conv1d(zeros({1, 3, 5}), zeros({2, 3, 3}), Tensor(), {1, 1}), "conv1d",
                    "stride", "1 element");
}

TEST(ConvTranspose, ErrorMessages) {
  const Tensor x = zeros({1, 4, 5, 5});
  EXPECT_MICA_ERROR(ops::conv_transpose2d(x, zeros({3, 2, 3, 3})), "conv_transpose2d",
                    "[1, 4, 5, 5]", "[3, 2, 3, 3]", "channels");
  EXPECT_MICA_ERROR(ops::conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), {2}, {0}, {2}),
                    "conv_transpose2d", "output_padding [2, 2]", "stride [2, 2]");
  EXPECT_MICA_ERROR(
      ops::conv_transpose2d(zeros({1, 4, 1, 1}), zeros({4, 2, 1, 1}), Tensor(), {1}, {1}),
      "conv_transpose2d", "output size [-1, -1]", "[1, 4, 1, 1]");
  EXPECT_MICA_ERROR(ops::conv_transpose2d(x, zeros({4, 2, 3, 3}), zeros({4})), "conv_transpose2d",
                    "bias", "[2]");
  EXPECT_MICA_ERROR(ops::conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), {1}, {0}, {0}, 3),
                    "conv_transpose2d", "not divisible by groups=3");
}

TEST(ConvBackward, ErrorMessages) {
  const Tensor w = zeros({2, 3, 3, 3});
  EXPECT_MICA_ERROR(ops::conv2d_backward_input(zeros({1, 2, 4, 4}), w, {1, 3, 5, 5}),
                    "conv2d_backward_input", "[1, 2, 4, 4]", "[1, 2, 3, 3]");
  EXPECT_MICA_ERROR(
      ops::conv2d_backward_weight(zeros({1, 2, 3, 3}), zeros({1, 3, 5, 5}), {2, 3, 3}),
      "conv2d_backward_weight", "weight_sizes", "[2, 3, 3]");
}

TEST(Pool, ErrorMessages) {
  const Tensor x = zeros({1, 2, 5, 5});
  EXPECT_MICA_ERROR(ops::max_pool2d(x, {3}, {}, {2}), "max_pool2d", "padding [2, 2]",
                    "half of kernel_size [3, 3]");
  EXPECT_MICA_ERROR(ops::max_pool2d(zeros({1, 2, 2, 2}), {3}), "max_pool2d", "[1, 2, 2, 2]",
                    "too small");
  EXPECT_MICA_ERROR(ops::max_pool2d(zeros({5, 5}), {2}), "max_pool2d", "[5, 5]", "4-d");
  EXPECT_MICA_ERROR(ops::max_pool2d(zeros({1, 0, 5, 5}), {2}), "max_pool2d", "[1, 0, 5, 5]");
  EXPECT_MICA_ERROR(ops::max_pool2d(x, {0}), "max_pool2d", "kernel_size", "positive");
  EXPECT_MICA_ERROR(ops::max_pool2d(zeros({1, 2, 5, 5}, kInt64), {2}), "max_pool2d", "floating");
  EXPECT_MICA_ERROR(ops::avg_pool2d(x, {2}, {}, {0}, false, true, 0), "avg_pool2d",
                    "divisor_override");
  EXPECT_MICA_ERROR(ops::avg_pool2d(x, {2}, {}, {2}), "avg_pool2d", "padding [2, 2]");
  EXPECT_MICA_ERROR(ops::adaptive_avg_pool2d(x, {-1, 2}), "adaptive_avg_pool2d", "output_size");
}

TEST(Upsample, ErrorMessages) {
  const Tensor x = zeros({1, 2, 4, 4});
  EXPECT_MICA_ERROR(ops::upsample_nearest2d(zeros({2, 4, 4}), std::vector<int64_t>{8, 8}),
                    "upsample_nearest2d", "4-d", "[2, 4, 4]");
  EXPECT_MICA_ERROR(ops::upsample_nearest2d(x, std::nullopt, std::nullopt), "upsample_nearest2d",
                    "exactly one");
  EXPECT_MICA_ERROR(
      ops::upsample_bilinear2d(x, std::vector<int64_t>{8, 8}, false, std::vector<double>{2.0}),
      "upsample_bilinear2d", "exactly one");
  EXPECT_MICA_ERROR(ops::upsample_bilinear2d(x, std::nullopt, false, std::vector<double>{0.1}),
                    "upsample_bilinear2d", "empty output", "[1, 2, 4, 4]");
  EXPECT_MICA_ERROR(ops::upsample_nearest2d(x, std::vector<int64_t>{0, 3}), "upsample_nearest2d",
                    "output_size", "positive");
}

TEST(Upsample, NearestDoubleSizeRepeatsEachPixel) {
  std::mt19937_64 rng(5);
  const Tensor x = rand_tensor({1, 1, 2, 3}, kFloat32, rng);
  const auto in = values(x),
             out = values(ops::upsample_nearest2d(x, std::nullopt, std::vector<double>{2.0}));
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t c = 0; c < 6; ++c)
      EXPECT_EQ(out[static_cast<size_t>(y * 6 + c)], in[static_cast<size_t>((y / 2) * 3 + c / 2)]);
}

}  // namespace
}  // namespace mica::test
