// nn::init against PyTorch (tests/fixtures/nn/init.json): exact gains and fans; each
// initializer must draw exactly uniform_(-bound, bound) / normal_(0, std) with the bound or std
// torch uses (same-seeded generators give the same numbers); statistics of trunc_normal_ and
// orthogonality of orthogonal_; errors.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::load_fixture;
using test::to_doubles;

TEST(Init, GainsAndFansMatchTorch) {
  const auto doc = load_fixture("init");
  for (const auto& g : doc.at("gains")) {
    std::optional<double> param;
    if (!g.at("param").is_null()) param = g.at("param").get<double>();
    const std::string nl = g.at("nonlinearity").get<std::string>();
    EXPECT_NEAR(init::calculate_gain(nl, param), g.at("gain").get<double>(), 1e-15) << nl;
  }
  for (const auto& f : doc.at("fans")) {
    const auto [fan_in, fan_out] =
        init::calculate_fan_in_and_fan_out(empty(f.at("shape").get<Shape>()));
    EXPECT_EQ(fan_in, f.at("fan_in").get<int64_t>());
    EXPECT_EQ(fan_out, f.at("fan_out").get<int64_t>());
  }
  EXPECT_THROW(init::calculate_gain("swish"), Error);
  EXPECT_THROW(init::calculate_fan_in_and_fan_out(empty({5})), Error);
  EXPECT_THROW(init::kaiming_uniform_(empty({3, 3}), 0, "fan_avg"), Error);
}

TEST(Init, InitializersDrawWithTorchBoundsAndStds) {
  const auto doc = load_fixture("init");
  for (const auto& c : doc.at("inits")) {
    const std::string fn = c.at("fn").get<std::string>();
    const auto& kw = c.at("kwargs");
    SCOPED_TRACE(fn + " " + kw.dump());
    const Shape shape = c.at("shape").get<Shape>();
    Generator g1(7), g2(7);
    Tensor t = empty(shape);
    const double a = kw.value("a", 0.0);
    const std::string mode = kw.value("mode", "fan_in");
    const std::string nl = kw.value("nonlinearity", "leaky_relu");
    const double gain = kw.value("gain", 1.0);
    if (fn == "xavier_uniform_") init::xavier_uniform_(t, gain, &g1);
    if (fn == "xavier_normal_") init::xavier_normal_(t, gain, &g1);
    if (fn == "kaiming_uniform_") init::kaiming_uniform_(t, a, mode, nl, &g1);
    if (fn == "kaiming_normal_") init::kaiming_normal_(t, a, mode, nl, &g1);
    Tensor ref = empty(shape);
    if (c.at("draw") == "uniform") {
      const double bound = c.at("bound").get<double>();
      ops::uniform_(ref, -bound, bound, &g2);
    } else {
      ops::normal_(ref, 0.0, c.at("std").get<double>(), &g2);
    }
    EXPECT_TRUE(close(t, ref, 1e-6, 1e-7));
  }
}

TEST(Init, UniformNormalAndConstantsStatistics) {
  Tensor t = empty({200, 500});
  init::uniform_(t, -3, 1);
  const auto v = to_doubles(t);
  double lo = 1e9, hi = -1e9, mean = 0;
  for (double x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    mean += x / static_cast<double>(v.size());
  }
  EXPECT_GE(lo, -3);
  EXPECT_LT(hi, 1);
  EXPECT_NEAR(mean, -1, 0.01);
  init::normal_(t, 2, 0.5);
  double m = 0, s = 0;
  for (double x : to_doubles(t)) m += x / 1e5;
  for (double x : to_doubles(t)) s += (x - m) * (x - m) / 1e5;
  EXPECT_NEAR(m, 2, 0.01);
  EXPECT_NEAR(std::sqrt(s), 0.5, 0.01);
  EXPECT_EQ(to_doubles(init::constant_(empty({3}), 2.5)), std::vector<double>(3, 2.5));
  EXPECT_EQ(to_doubles(init::zeros_(empty({2}))), std::vector<double>(2, 0.0));
  EXPECT_EQ(to_doubles(init::ones_(empty({2}))), std::vector<double>(2, 1.0));
  EXPECT_EQ(to_doubles(init::eye_(empty({2, 3}))), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  // Parameters that require grad are initialized in place without recording history.
  Tensor p = empty({4, 4}).requires_grad_();
  Tensor same = init::kaiming_normal_(p);
  EXPECT_TRUE(same.is_same(p));
  EXPECT_TRUE(p.is_leaf());
  EXPECT_THROW(init::normal_(empty({2}, TensorOptions(kInt64))), Error);
}

TEST(Init, TruncNormalMatchesTorchStatistics) {
  const auto doc = load_fixture("init");
  for (const auto& c : doc.at("trunc_normal")) {
    const double mean = c.at("mean").get<double>(), std = c.at("std").get<double>();
    const double a = c.at("a").get<double>(), b = c.at("b").get<double>();
    SCOPED_TRACE(c.dump());
    Tensor t = init::trunc_normal_(empty({1000000}, TensorOptions(kFloat64)), mean, std, a, b);
    const auto v = to_doubles(t);
    double m = 0, lo = 1e9, hi = -1e9;
    for (double x : v) {
      m += x / static_cast<double>(v.size());
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    double s = 0;
    for (double x : v) s += (x - m) * (x - m) / static_cast<double>(v.size() - 1);
    EXPECT_GE(lo, a);
    EXPECT_LE(hi, b);
    // 1e6 samples: the standard error of the mean is < 0.002 * std; allow 5 of them.
    const double sm = c.at("sample_mean").get<double>(), ss = c.at("sample_std").get<double>();
    EXPECT_NEAR(m, sm, 0.01 * ss);
    EXPECT_NEAR(std::sqrt(s), ss, 0.01 * ss);
    EXPECT_NEAR(lo, c.at("min").get<double>(), 0.01 * (b - a));
    EXPECT_NEAR(hi, c.at("max").get<double>(), 0.01 * (b - a));
  }
}

TEST(Init, OrthogonalIsOrthogonalAndDeterministic) {
  for (const Shape& shape : {Shape{6, 4}, Shape{3, 8}, Shape{4, 2, 3}}) {
    SCOPED_TRACE(shape_str(shape));
    Generator g1(5), g2(5);
    Tensor t = init::orthogonal_(empty(shape), 2.0, &g1);
    const int64_t rows = shape[0], cols = t.numel() / rows;
    Tensor q = t.reshape({rows, cols}).to(kFloat64);
    // Tall: Q^T Q = gain^2 I; wide: Q Q^T = gain^2 I.
    Tensor gram = rows >= cols ? ops::matmul(q.t(), q) : ops::matmul(q, q.t());
    const int64_t k = std::min(rows, cols);
    EXPECT_TRUE(close(gram, ops::mul(eye(k, std::nullopt, TensorOptions(kFloat64)), 4.0), 0, 1e-5));
    EXPECT_TRUE(close(init::orthogonal_(empty(shape), 2.0, &g2), t, 0, 0));
  }
  EXPECT_THROW(init::orthogonal_(empty({4})), Error);
}

}  // namespace
}  // namespace mica::nn
