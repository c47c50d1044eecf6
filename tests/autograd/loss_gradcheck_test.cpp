// Gradchecks (and second-order checks) of the composed losses in autograd/functions/loss.cpp,
// plus their values against hand-computed references.
#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck_util.h"

namespace mica::gradcheck_test {
namespace {

using R = ops::Reduction;

TEST(LossGradcheck, L1AndSmoothL1) {
  for (R r : {R::None, R::Mean, R::Sum}) {
    // inputs keep |x - t| away from the kinks (0, and beta for smooth L1)
    EXPECT_TRUE(Gradcheck([r](const Ins& in) { return Outs{l1_loss(in[0], in[1], r)}; },
                          {transposed_leaf({3, 4}, 3, 2.0, 3.0), values({3, 4}, 4)}));
    EXPECT_TRUE(Gradcheck([r](const Ins& in) { return Outs{smooth_l1_loss(in[0], in[1], r, 0.5)}; },
                          {leaf({3, 4}, 5, 0.6, 2.0), values({3, 4}, 6, -2.0, -1.0)}));
    EXPECT_TRUE(Gradcheck([r](const Ins& in) { return Outs{smooth_l1_loss(in[0], in[1], r, 5.0)}; },
                          {leaf({3, 4}, 7, -1.0, 1.0), values({3, 4}, 8, -1.0, 1.0)}));
  }
  // value: |d| < beta -> 0.5 d^2 / beta, else |d| - 0.5 beta
  Tensor a = from_vector(std::vector<double>{0.2, 3.0}),
         b = from_vector(std::vector<double>{0.0, 0.0});
  EXPECT_NEAR(smooth_l1_loss(a, b, R::Sum, 1.0).item<double>(), 0.5 * 0.04 + 2.5, 1e-12);
}

TEST(LossGradcheck, BinaryCrossEntropyOnProbabilities) {
  for (R r : {R::None, R::Mean, R::Sum})
    EXPECT_TRUE(
        Gradcheck([r](const Ins& in) { return Outs{binary_cross_entropy(in[0], in[1], r)}; },
                  {leaf({3, 4}, 11, 0.1, 0.9), values({3, 4}, 12, 0.0, 1.0)}));
  Tensor p = from_vector(std::vector<double>{0.25}), t = from_vector(std::vector<double>{1.0});
  EXPECT_NEAR(binary_cross_entropy(p, t).item<double>(), -std::log(0.25), 1e-12);
  // p = 0 with target 1: the log is clamped at -100, as in PyTorch
  EXPECT_NEAR(binary_cross_entropy(from_vector(std::vector<double>{0.0}), t).item<double>(), 100.0,
              1e-9);
}

TEST(LossGradcheck, BinaryCrossEntropyWithLogitsAndPosWeight) {
  for (R r : {R::None, R::Mean, R::Sum}) {
    EXPECT_TRUE(Gradcheck(
        [r](const Ins& in) { return Outs{binary_cross_entropy_with_logits(in[0], in[1], r)}; },
        {strided_leaf({3, 4}, 13, -3.0, 3.0), values({3, 4}, 14, 0.0, 1.0)}));
    EXPECT_TRUE(Gradcheck(
        [r](const Ins& in) {
          return Outs{binary_cross_entropy_with_logits(in[0], in[1], r, in[2])};
        },
        {leaf({3, 4}, 15, -3.0, 3.0), values({3, 4}, 16, 0.0, 1.0), leaf({4}, 17, 0.5, 2.0)}));
  }
  // Stable at large logits and equal to BCE of the sigmoid where that is accurate.
  Tensor x = from_vector(std::vector<double>{-50.0, 0.3, 40.0}),
         t = from_vector(std::vector<double>{1.0, 0.0, 1.0});
  const double got = binary_cross_entropy_with_logits(x, t, R::Sum).item<double>();
  const double want =
      50.0 + std::log1p(std::exp(-50.0)) + std::log1p(std::exp(0.3)) + std::log1p(std::exp(-40.0));
  EXPECT_NEAR(got, want, 1e-9);
  EXPECT_TRUE(Gradgradcheck(
      [](const Ins& in) { return Outs{binary_cross_entropy_with_logits(in[0], in[1], R::Sum)}; },
      {leaf({2, 3}, 18, -2.0, 2.0), values({2, 3}, 19, 0.0, 1.0)}));
}

TEST(LossGradcheck, KlDivergence) {
  for (R r : {R::None, R::Mean, R::Sum}) {
    EXPECT_TRUE(Gradcheck([r](const Ins& in) { return Outs{kl_div(in[0], in[1], r)}; },
                          {leaf({3, 4}, 21, -3.0, -0.1), values({3, 4}, 22, 0.05, 1.0)}));
    EXPECT_TRUE(
        Gradcheck([r](const Ins& in) { return Outs{kl_div(in[0], in[1], r, /*log_target=*/true)}; },
                  {leaf({3, 4}, 23, -3.0, -0.1), leaf({3, 4}, 24, -3.0, -0.1)}));
  }
  // p = 0 contributes 0 (not NaN)
  Tensor logq = from_vector(std::vector<double>{std::log(0.5), std::log(0.5)});
  Tensor p = from_vector(std::vector<double>{1.0, 0.0});
  EXPECT_NEAR(kl_div(logq, p, R::Sum).item<double>(), std::log(2.0), 1e-12);
}

TEST(LossGradcheck, ShapeMismatchIsAnError) {
  EXPECT_THROW(l1_loss(zeros({2, 3}, kFloat64), zeros({3, 2}, kFloat64)), Error);
  EXPECT_THROW(kl_div(zeros({2}, kFloat64), zeros({3}, kFloat64)), Error);
}

}  // namespace
}  // namespace mica::gradcheck_test
