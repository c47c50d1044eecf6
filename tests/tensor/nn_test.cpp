// Semantics of the non-spatial nn ops the op table cannot express: result dtypes, extreme
// values, in-place running-stat updates, consistency between ops, thread-count determinism and
// the error messages of common mistakes.
#include <cmath>
#include <limits>

#include "tensor/kernels/nn.h"
#include "test_util.h"

namespace mica::test {
namespace {

using ops::Reduction;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- shared math ----
TEST(NnKernels, VectorizableExpMatchesStdExp) {
  double worst = 0;
  for (float x = -110.0f; x < 90.0f; x += 0.00731f) {
    const double want = std::exp(static_cast<double>(x));
    if (want < 1.2e-38 || want > 3.4e38) continue;  // normal results only
    worst = std::max(worst, std::fabs(kernels::exp_f32(x) - want) / want);
  }
  EXPECT_LT(worst, 2.5 * 5.97e-8);  // 2.5 ulp
  EXPECT_EQ(kernels::exp_f32(0.0f), 1.0f);
  EXPECT_EQ(kernels::exp_f32(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(kernels::exp_f32(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  EXPECT_EQ(kernels::exp_f32(89.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(kernels::exp_f32(-200.0f), 0.0f);
  EXPECT_TRUE(std::isnan(kernels::exp_f32(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_NEAR(kernels::exp_f32(-100.0f), std::exp(-100.0), 1e-45);  // denormal range
}

// ---- softmax ----
TEST(NnSoftmax, DtypesAndDtypeArgument) {
  std::mt19937_64 rng(1);
  const Tensor x = rand_tensor({3, 4}, kBFloat16, rng);
  EXPECT_EQ(ops::softmax(x, 1).dtype(), kBFloat16);
  EXPECT_EQ(ops::log_softmax(x, 0).dtype(), kBFloat16);
  const Tensor up = ops::softmax(x, 1, kFloat64);
  EXPECT_EQ(up.dtype(), kFloat64);
  EXPECT_TRUE(all_close(up, ops::softmax(x.to(kFloat64), 1), {0, 0}));
  const Tensor ints = rand_tensor({2, 3}, kInt64, rng, 0, 5);
  EXPECT_MICA_ERROR(ops::softmax(ints, 1), "softmax", "int64 [2, 3]");
  EXPECT_EQ(ops::log_softmax(ints, 1, kFloat32).dtype(), kFloat32);
  EXPECT_MICA_ERROR(ops::softmax(x, 1, kInt32), "softmax", "int32");
  EXPECT_MICA_ERROR(ops::log_softmax(x, 2), "log_softmax", "dim 2");
  EXPECT_MICA_ERROR(ops::softmax(Tensor(), 0), "softmax", "undefined");
}

TEST(NnSoftmax, ExtremeValuesDoNotOverflow) {
  // float16 holds 60000 but not exp(60000): max subtraction keeps this finite
  const Tensor h = from_values({3}, {60000, 0, -60000}, kFloat16);
  EXPECT_TRUE(all_close(ops::softmax(h, 0), from_values({3}, {1, 0, 0}), {0, 0}));
  // log_softmax's last value (-120000) is below float16's range; check the first two
  const auto lh = values(ops::log_softmax(h, 0));
  EXPECT_EQ(lh[0], 0);
  EXPECT_EQ(lh[1], -60000);
  const Tensor f = from_values({1, 2}, {1e30, -1e30}, kFloat32);
  EXPECT_TRUE(all_close(ops::softmax(f, 1), from_values({1, 2}, {1, 0}), {0, 0}));
}

TEST(NnSoftmax, InfinitiesLikeTorch) {
  const Tensor x = from_values({2, 2}, {-kInf, 0, -kInf, -kInf}, kFloat32);
  const auto s = values(ops::softmax(x, 1));
  EXPECT_EQ(s[0], 0);
  EXPECT_EQ(s[1], 1);
  EXPECT_TRUE(std::isnan(s[2]) && std::isnan(s[3]));  // an all -inf row is NaN, as in torch
  const auto l = values(ops::log_softmax(x, 1));
  EXPECT_EQ(l[0], -kInf);
  EXPECT_EQ(l[1], 0);
  // a masked block of more than one running-lse block (256) before the finite values
  std::vector<double> row(600, -kInf);
  row[590] = 2;
  row[595] = 2;
  const auto m = values(ops::softmax(from_values({1, 600}, row, kFloat32), 1));
  EXPECT_EQ(m[0], 0);
  EXPECT_DOUBLE_EQ(m[590], 0.5);
  EXPECT_DOUBLE_EQ(m[595], 0.5);
  // a NaN anywhere makes the row NaN (like torch), also when a whole block before is NaN
  std::vector<double> nan_row(600, std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 300; i < 600; ++i) nan_row[i] = 1;
  for (const auto& v : {values(ops::softmax(from_values({1, 600}, nan_row, kFloat32), 1)),
                        values(ops::log_softmax(from_values({600}, nan_row, kFloat32), 0))})
    EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[599]));
  const Tensor lg = from_values({1, 600}, nan_row, kFloat32);
  EXPECT_TRUE(std::isnan(ops::cross_entropy(lg, from_values({1}, {400}, kInt64)).item<double>()));
}

TEST(NnSoftmax, NonLastDimRowsSumToOne) {
  std::mt19937_64 rng(2);
  const Tensor x = rand_tensor({3, 80, 130}, kFloat32, rng, -10, 10);
  for (int64_t dim : {0, 1, 2}) {
    const Tensor s = ops::softmax(x, dim);
    Shape rest = x.sizes();
    rest.erase(rest.begin() + dim);
    for (int64_t r = 0; r < shape_numel(rest); r += 37) {
      std::vector<int64_t> idx = unravel(r, rest);
      idx.insert(idx.begin() + dim, 0);
      double sum = 0;
      for (int64_t k = 0; k < x.size(dim); ++k) {
        idx[static_cast<size_t>(dim)] = k;
        sum += at(s, idx);
      }
      EXPECT_NEAR(sum, 1.0, 1e-5) << "dim " << dim << " row " << r;
    }
  }
}

TEST(NnSoftmax, ZeroDim) {
  const Tensor x = from_values({}, {3.5}, kFloat32);
  EXPECT_EQ(ops::softmax(x, 0).item<double>(), 1.0);
  EXPECT_EQ(ops::log_softmax(x, -1).item<double>(), 0.0);
  EXPECT_MICA_ERROR(ops::softmax(x, 1), "softmax", "dim 1");
}

// ---- normalization ----
TEST(NnNorm, LayerNormStatsDtypeAndShape) {
  std::mt19937_64 rng(3);
  const Tensor x = rand_tensor({2, 3, 4}, kBFloat16, rng);
  const auto f = ops::layer_norm_forward(x, {4});
  EXPECT_EQ(f.out.dtype(), kBFloat16);
  EXPECT_EQ(f.mean.dtype(), kFloat32);
  EXPECT_EQ(f.rstd.dtype(), kFloat32);
  EXPECT_EQ(f.mean.sizes(), (Shape{2, 3, 1}));
  const auto g = ops::layer_norm_forward(x.to(kFloat64), {3, 4});
  EXPECT_EQ(g.mean.dtype(), kFloat64);
  EXPECT_EQ(g.rstd.sizes(), (Shape{2, 1, 1}));
  // plain layer_norm is the forward's output
  EXPECT_TRUE(all_close(ops::layer_norm(x, {4}), f.out, {0, 0}));
}

TEST(NnNorm, LayerNormErrors) {
  std::mt19937_64 rng(4);
  const Tensor x = rand_tensor({2, 3, 4}, kFloat32, rng);
  EXPECT_MICA_ERROR(ops::layer_norm(x, {5}), "layer_norm", "[5]", "[2, 3, 4]", "[*, 5]");
  EXPECT_MICA_ERROR(ops::layer_norm(x, {2, 3, 4, 1}), "layer_norm", "[2, 3, 4, 1]");
  EXPECT_MICA_ERROR(ops::layer_norm(x, {}), "layer_norm", "normalized_shape");
  EXPECT_MICA_ERROR(ops::layer_norm(x, {4}, rand_tensor({3}, kFloat32, rng)), "layer_norm",
                    "weight", "[4]", "float32 [3]");
  EXPECT_MICA_ERROR(ops::layer_norm(x, {4}, Tensor(), rand_tensor({4}, kInt64, rng)), "layer_norm",
                    "bias", "int64 [4]");
  EXPECT_MICA_ERROR(ops::layer_norm(rand_tensor({2, 4}, kInt32, rng), {4}), "layer_norm",
                    "int32 [2, 4]");
}

TEST(NnNorm, RmsNormDefaultEpsAndZeros) {
  const Tensor z = zeros({2, 3});
  const auto f = ops::rms_norm_forward(z, {3});
  EXPECT_TRUE(all_close(f.out, zeros({2, 3}), {0, 0}));  // no 0/0
  const double want = 1.0 / std::sqrt(static_cast<double>(std::numeric_limits<float>::epsilon()));
  EXPECT_NEAR(values(f.rstd)[0], want, want * 1e-6);
  EXPECT_EQ(f.rstd.sizes(), (Shape{2, 1}));
  const auto d = ops::rms_norm_forward(zeros({2, 3}, kFloat64), {3});
  EXPECT_NEAR(values(d.rstd)[0], 1.0 / std::sqrt(std::numeric_limits<double>::epsilon()), 1);
  EXPECT_MICA_ERROR(ops::rms_norm(z, {3}, ones({2})), "rms_norm", "weight", "[3]", "[2]");
}

TEST(NnNorm, GroupNormErrors) {
  std::mt19937_64 rng(5);
  const Tensor x = rand_tensor({2, 6, 4}, kFloat32, rng);
  EXPECT_MICA_ERROR(ops::group_norm(x, 4), "group_norm", "[2, 6, 4]", "num_groups=4");
  EXPECT_MICA_ERROR(ops::group_norm(x, 0), "group_norm", "num_groups");
  EXPECT_MICA_ERROR(ops::group_norm(rand_tensor({6}, kFloat32, rng), 2), "group_norm", "[6]");
  EXPECT_MICA_ERROR(ops::group_norm(x, 3, ones({3})), "group_norm", "weight", "[6]", "[3]");
  const auto f = ops::group_norm_forward(x.to(kFloat16), 3);
  EXPECT_EQ(f.mean.sizes(), (Shape{2, 3}));
  EXPECT_EQ(f.mean.dtype(), kFloat32);
}

TEST(NnNorm, BatchNormUpdatesRunningStatsInPlace) {
  std::mt19937_64 rng(6);
  const Tensor x = rand_tensor({4, 2, 3}, kFloat32, rng, -1, 3);
  Tensor rm = from_values({2}, {0.5, -0.5}, kFloat32);
  Tensor rv = from_values({2}, {1.0, 2.0}, kFloat32);
  const uint64_t v0 = rm.version();
  const auto f = ops::batch_norm_forward(x, rm, rv, Tensor(), Tensor(), true, 0.25, 1e-5);
  EXPECT_GT(rm.version(), v0);
  const auto xv = values(x);
  for (int64_t c = 0; c < 2; ++c) {
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t k = 0; k < 3; ++k) sum += xv[static_cast<size_t>((n * 2 + c) * 3 + k)];
    const double mean = sum / 12;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t k = 0; k < 3; ++k) {
        const double d = xv[static_cast<size_t>((n * 2 + c) * 3 + k)] - mean;
        sq += d * d;
      }
    const double rm0 = c == 0 ? 0.5 : -0.5, rv0 = c == 0 ? 1.0 : 2.0;
    EXPECT_NEAR(values(rm)[static_cast<size_t>(c)], 0.75 * rm0 + 0.25 * mean, 1e-6);
    EXPECT_NEAR(values(rv)[static_cast<size_t>(c)], 0.75 * rv0 + 0.25 * sq / 11, 1e-6);  // unbiased
    EXPECT_NEAR(values(f.save_mean)[static_cast<size_t>(c)], mean, 1e-6);
    EXPECT_NEAR(values(f.save_invstd)[static_cast<size_t>(c)], 1 / std::sqrt(sq / 12 + 1e-5),
                1e-5);  // biased
  }
  // momentum 0 leaves the running stats as they are; eval mode never touches them
  const auto before = values(rm);
  ops::batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.0);
  EXPECT_EQ(values(rm), before);
  const uint64_t v1 = rm.version();
  const Tensor e = ops::batch_norm(x, rm, rv, Tensor(), Tensor(), false);
  EXPECT_EQ(rm.version(), v1);
  EXPECT_EQ(values(rm), before);
  // eval normalizes with the running stats
  const double want = (values(x)[0] - before[0]) / std::sqrt(values(rv)[0] + 1e-5);
  EXPECT_NEAR(values(e)[0], want, 1e-5);
}

TEST(NnNorm, BatchNormMixedDtypesAndNoRunningStats) {
  std::mt19937_64 rng(7);
  const Tensor x = rand_tensor({8, 3, 2}, kBFloat16, rng);
  Tensor rm = zeros({3}), rv = ones({3});
  const auto f = ops::batch_norm_forward(x, rm, rv, ones({3}, kBFloat16), zeros({3}), true);
  EXPECT_EQ(f.out.dtype(), kBFloat16);
  EXPECT_EQ(f.save_mean.dtype(), kFloat32);
  EXPECT_EQ(rm.dtype(), kFloat32);
  EXPECT_NE(values(rm)[0], 0.0);
  const auto g = ops::batch_norm_forward(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  EXPECT_TRUE(all_close(g.out, f.out, {0, 0}));
}

TEST(NnNorm, BatchNormErrors) {
  std::mt19937_64 rng(8);
  const Tensor x = rand_tensor({4, 3}, kFloat32, rng);
  Tensor rm = zeros({3}), rv = ones({3});
  EXPECT_MICA_ERROR(ops::batch_norm(x, Tensor(), Tensor()), "batch_norm", "running_mean",
                    "evaluation");
  EXPECT_MICA_ERROR(
      ops::batch_norm(rand_tensor({1, 3}, kFloat32, rng), rm, rv, Tensor(), Tensor(), true),
      "batch_norm", "more than 1 value per channel", "[1, 3]");
  EXPECT_MICA_ERROR(ops::batch_norm(x, zeros({4}), rv), "batch_norm", "running_mean", "[3]", "[4]");
  EXPECT_MICA_ERROR(ops::batch_norm(x, rm, rv, ones({2})), "batch_norm", "weight", "[3]");
  EXPECT_MICA_ERROR(ops::batch_norm(rand_tensor({3}, kFloat32, rng), rm, rv), "batch_norm",
                    "[N, C, *]", "[3]");
  const Tensor expanded = zeros({1}).expand({3});
  EXPECT_MICA_ERROR(ops::batch_norm(x, expanded, rv, Tensor(), Tensor(), true), "batch_norm",
                    "expanded");
}

// ---- losses ----
TEST(NnLoss, TargetOutOfRangeNamesValueAndClasses) {
  std::mt19937_64 rng(9);
  const Tensor x = rand_tensor({3, 5}, kFloat32, rng);
  EXPECT_MICA_ERROR(ops::cross_entropy(x, from_values({3}, {1, 7, 2}, kInt64)), "cross_entropy",
                    "target value 7", "5 classes");
  EXPECT_MICA_ERROR(ops::nll_loss(x, from_values({3}, {1, -1, 2}, kInt64)), "nll_loss",
                    "target value -1", "5 classes");
  EXPECT_MICA_ERROR(ops::nll_loss(x, from_values({3}, {1, 5, 2}, kInt64)), "nll_loss",
                    "target value 5");
  // the ignore_index is allowed anywhere, even outside [0, C)
  EXPECT_NO_THROW(ops::nll_loss(x, from_values({3}, {1, -100, 2}, kInt64)));
  EXPECT_NO_THROW(
      ops::cross_entropy(x, from_values({3}, {1, 9, 2}, kInt64), Tensor(), Reduction::Mean, 9));
  // with a custom ignore_index, -100 is an ordinary (invalid) class
  EXPECT_MICA_ERROR(
      ops::cross_entropy(x, from_values({3}, {1, -100, 2}, kInt64), Tensor(), Reduction::Mean, 9),
      "target value -100");
}

TEST(NnLoss, ShapeAndDtypeErrors) {
  std::mt19937_64 rng(10);
  const Tensor x = rand_tensor({3, 5}, kFloat32, rng);
  const Tensor t = from_values({3}, {1, 2, 3}, kInt64);
  EXPECT_MICA_ERROR(ops::nll_loss(x, t.to(kInt32)), "nll_loss", "int64", "int32 [3]");
  EXPECT_MICA_ERROR(ops::cross_entropy(x, t.to(kInt32)), "cross_entropy", "int64", "probabilities",
                    "int32 [3]");
  EXPECT_MICA_ERROR(ops::cross_entropy(x, from_values({4}, {1, 2, 3, 0}, kInt64)), "cross_entropy",
                    "target shape [4]", "[3, 5]", "expected target shape [3]");
  EXPECT_MICA_ERROR(ops::nll_loss(rand_tensor({2, 5, 4}, kFloat32, rng),
                                  from_values({2, 5}, std::vector<double>(10, 0), kInt64)),
                    "nll_loss", "[2, 5]", "[2, 4]");
  EXPECT_MICA_ERROR(ops::cross_entropy(x, t, ones({4})), "cross_entropy", "weight", "[5]",
                    "float32 [4]");
  EXPECT_MICA_ERROR(ops::cross_entropy(x, t, Tensor(), Reduction::Mean, -100, 1.5), "cross_entropy",
                    "label_smoothing", "1.5");
  EXPECT_MICA_ERROR(ops::cross_entropy(x, rand_tensor({3, 4}, kFloat32, rng)), "cross_entropy",
                    "[3, 5]", "float32 [3, 4]");
  EXPECT_MICA_ERROR(ops::nll_loss(from_values({}, {1.0}), from_values({}, {0}, kInt64)), "nll_loss",
                    "[C], [N, C]");
  EXPECT_MICA_ERROR(ops::nll_loss(t, t), "nll_loss", "floating", "int64 [3]");
}

TEST(NnLoss, CrossEntropyEqualsNllOfLogSoftmax) {
  std::mt19937_64 rng(11);
  const Tensor x = rand_tensor({4, 6, 3}, kFloat64, rng, -5, 5);
  Tensor t = rand_tensor({4, 3}, kInt64, rng, 0, 6);
  const Tensor w = rand_tensor({6}, kFloat64, rng, 0.1, 2);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const auto ce = ops::cross_entropy_forward(x, t, w, r);
    const auto nll = ops::nll_loss_forward(ops::log_softmax(x, 1), t, w, r);
    EXPECT_TRUE(all_close(ce.loss, nll.loss, {1e-12, 1e-12}));
    EXPECT_TRUE(all_close(ce.total_weight, nll.total_weight, {1e-12, 1e-12}));
    EXPECT_FALSE(nll.lse.defined());
  }
}

TEST(NnLoss, OneHotProbabilitiesMatchIndices) {
  std::mt19937_64 rng(12);
  const Tensor x = rand_tensor({5, 4}, kFloat32, rng, -3, 3);
  const std::vector<double> idx{0, 3, 1, 1, 2};
  std::vector<double> onehot(20, 0);
  for (size_t i = 0; i < idx.size(); ++i) onehot[i * 4 + static_cast<size_t>(idx[i])] = 1;
  const Tensor t = from_values({5}, idx, kInt64), q = from_values({5, 4}, onehot, kFloat32);
  const Tensor w = from_values({4}, {0.5, 1, 2, 1.5}, kFloat32);
  for (double ls : {0.0, 0.2}) {
    // Sum: same; Mean differs by design (sum of target weights vs number of rows)
    EXPECT_TRUE(all_close(ops::cross_entropy(x, q, w, Reduction::Sum, -100, ls),
                          ops::cross_entropy(x, t, w, Reduction::Sum, -100, ls), {1e-5, 1e-5}));
    EXPECT_TRUE(all_close(ops::cross_entropy(x, q, Tensor(), Reduction::Mean, -100, ls),
                          ops::cross_entropy(x, t, Tensor(), Reduction::Mean, -100, ls),
                          {1e-5, 1e-5}));
  }
  // float64 probabilities with float32 logits are converted
  EXPECT_EQ(ops::cross_entropy(x, q.to(kFloat64)).dtype(), kFloat32);
}

TEST(NnLoss, IgnoredTargetsAndEmptyBatches) {
  const Tensor x = from_values({3, 2}, {1, 2, 3, 4, 5, 6}, kFloat32);
  const Tensor t = from_values({3}, {1, -100, 0}, kInt64);
  // mean over the two non-ignored rows only
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0)) - 2;
  const double l2 = std::log(std::exp(5.0) + std::exp(6.0)) - 5;
  EXPECT_NEAR(ops::cross_entropy(x, t).item<double>(), (l0 + l2) / 2, 1e-6);
  const auto none = values(ops::cross_entropy(x, t, Tensor(), Reduction::None));
  EXPECT_EQ(none[1], 0.0);
  EXPECT_TRUE(
      std::isnan(ops::nll_loss(x, from_values({3}, {-100, -100, -100}, kInt64)).item<double>()));
  const Tensor e = zeros({0, 5});
  const Tensor et = zeros({0}, kInt64);
  EXPECT_TRUE(std::isnan(ops::cross_entropy(e, et).item<double>()));
  EXPECT_EQ(ops::cross_entropy(e, et, Tensor(), Reduction::Sum).item<double>(), 0.0);
  EXPECT_EQ(ops::cross_entropy(e, et, Tensor(), Reduction::None).sizes(), (Shape{0}));
}

TEST(NnLoss, LargeVocabularyIsThreadCountIndependentAndShiftInvariant) {
  std::mt19937_64 rng(13);
  const Tensor x = rand_tensor({256, 3000}, kFloat32, rng, -8, 8);
  const Tensor t = rand_tensor({256}, kInt64, rng, 0, 3000);
  const int threads = get_num_threads();
  set_num_threads(1);
  const auto one = ops::cross_entropy_forward(x, t, Tensor(), Reduction::Mean, -100, 0.1);
  const Tensor s1 = ops::softmax(x, 1);
  set_num_threads(4);
  const auto four = ops::cross_entropy_forward(x, t, Tensor(), Reduction::Mean, -100, 0.1);
  const Tensor s4 = ops::softmax(x, 1);
  set_num_threads(threads);
  EXPECT_TRUE(all_close(one.loss, four.loss, {0, 0}));
  EXPECT_TRUE(all_close(one.lse, four.lse, {0, 0}));
  EXPECT_TRUE(all_close(s1, s4, {0, 0}));
  // logits shifted by 1000 give the same loss (up to float rounding of the shifted logits)
  const auto shifted =
      ops::cross_entropy(ops::add(x, 1000.0), t, Tensor(), Reduction::Mean, -100, 0.1);
  EXPECT_TRUE(std::isfinite(shifted.item<double>()));
  EXPECT_NEAR(shifted.item<double>(), one.loss.item<double>(), 2e-3);
  EXPECT_NEAR(values(one.lse)[0] + 1000,
              values(ops::cross_entropy_forward(ops::add(x, 1000.0), t).lse)[0], 2e-3);
}

}  // namespace
}  // namespace mica::test
