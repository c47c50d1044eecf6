// Backward of normalization, dropout and the weighted / probability / NLL losses beyond the op
// table: batch_norm's running statistics (updated once per forward, never part of the graph),
// eval mode, rms_norm's default eps, cross-entropy with weights + ignore_index + smoothing and
// probability targets (values and gradients against naive loops), nll_loss reductions, dropout's
// identity and scaling cases, second order through create_graph, and errors.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "gradcheck_util.h"

namespace mica::gradcheck_test {
namespace {

using R = ops::Reduction;

Tensor grad_of(const Tensor& out, const Tensor& wrt) {
  return autograd::grad({out}, {wrt})[0];
}

// Naive log_softmax of row r of a [N, C] tensor.
std::vector<double> naive_log_softmax(const std::vector<double>& x, int64_t c, int64_t r) {
  double m = -INFINITY, s = 0;
  for (int64_t k = 0; k < c; ++k) m = std::max(m, x[static_cast<size_t>(r * c + k)]);
  for (int64_t k = 0; k < c; ++k) s += std::exp(x[static_cast<size_t>(r * c + k)] - m);
  std::vector<double> out(static_cast<size_t>(c));
  for (int64_t k = 0; k < c; ++k)
    out[static_cast<size_t>(k)] = x[static_cast<size_t>(r * c + k)] - m - std::log(s);
  return out;
}

// ---- batch_norm ----

TEST(NormGradcheck, BatchNormTrainingUpdatesRunningStatsOncePerForward) {
  Tensor x = leaf({4, 3, 2}, 1, -2.0, 2.0);
  Tensor w = leaf({3}, 2, 0.5, 1.5), b = leaf({3}, 3);
  Tensor rm = values({3}, 4), rv = values({3}, 5, 0.5, 2.0);
  const std::vector<double> rm0 = to_doubles(rm), rv0 = to_doubles(rv), xv = to_doubles(x);
  const uint64_t vm = rm.version(), vv = rv.version();
  Tensor y = batch_norm(x, rm, rv, w, b, /*training=*/true, /*momentum=*/0.25, 1e-5);
  EXPECT_EQ(rm.version(), vm + 1);
  EXPECT_EQ(rv.version(), vv + 1);
  EXPECT_FALSE(rm.requires_grad());
  EXPECT_FALSE(rv.requires_grad());
  EXPECT_TRUE(y.requires_grad());
  // r = 0.75 r + 0.25 batch stat (unbiased variance for running_var)
  for (int64_t c = 0; c < 3; ++c) {
    double mu = 0, sq = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t k = 0; k < 2; ++k) mu += xv[static_cast<size_t>((n * 3 + c) * 2 + k)];
    mu /= 8;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t k = 0; k < 2; ++k) {
        const double d = xv[static_cast<size_t>((n * 3 + c) * 2 + k)] - mu;
        sq += d * d;
      }
    EXPECT_NEAR(to_doubles(rm)[static_cast<size_t>(c)],
                0.75 * rm0[static_cast<size_t>(c)] + 0.25 * mu, 1e-12);
    EXPECT_NEAR(to_doubles(rv)[static_cast<size_t>(c)],
                0.75 * rv0[static_cast<size_t>(c)] + 0.25 * sq / 7, 1e-12);
  }
  // backward (also with create_graph) does not touch them again
  const std::vector<double> rm1 = to_doubles(rm);
  const auto g = autograd::grad({sum(mul(y, y))}, {x, w, b}, {}, {.create_graph = true});
  sum(mul(g[0], g[0])).backward();
  EXPECT_EQ(rm.version(), vm + 1);
  EXPECT_EQ(rv.version(), vv + 1);
  EXPECT_EQ(to_doubles(rm), rm1);
  EXPECT_FALSE(rm.requires_grad());
}

TEST(NormGradcheck, BatchNormTrainingGradcheckWithoutRunningStats) {
  EXPECT_TRUE(Gradgradcheck(
      [](const Ins& in) {
        return Outs{batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1, 1e-5)};
      },
      {transposed_leaf({3, 4, 2}, 6), leaf({4}, 7, 0.5, 1.5), leaf({4}, 8)}));
}

TEST(NormGradcheck, BatchNormEvalUsesRunningStatsAsConstants) {
  Tensor x = leaf({3, 2, 2}, 9, -2.0, 2.0);
  Tensor w = leaf({2}, 10, 0.5, 1.5), b = leaf({2}, 11);
  Tensor rm = values({2}, 12), rv = values({2}, 13, 0.5, 2.0);
  rm.requires_grad_(true);  // even when asked for, running statistics get no gradient
  const std::vector<double> rmv = to_doubles(rm), rvv = to_doubles(rv), wv = to_doubles(w);
  Tensor y = batch_norm(x, rm, rv, w, b, /*training=*/false, 0.1, 1e-5);
  EXPECT_EQ(to_doubles(rm), rmv);  // eval: no update
  EXPECT_EQ(to_doubles(rv), rvv);
  const auto g = autograd::grad({sum(y)}, {x, rm}, {}, {.allow_unused = true});
  EXPECT_FALSE(g[1].defined());
  // d sum(y) / dx = w / sqrt(rv + eps), per channel
  const std::vector<double> gx = to_doubles(g[0]);
  for (size_t i = 0; i < gx.size(); ++i) {
    const size_t c = (i / 2) % 2;
    EXPECT_NEAR(gx[i], wv[c] / std::sqrt(rvv[c] + 1e-5), 1e-12);
  }
  Tensor rmc = rm.detach();
  EXPECT_TRUE(Gradgradcheck(
      [rmc, rv](const Ins& in) {
        return Outs{batch_norm(in[0], rmc, rv, in[1], in[2], false, 0.1, 1e-5)};
      },
      {strided_leaf({3, 2, 2}, 14), leaf({2}, 15, 0.5, 1.5), leaf({2}, 16)}));
}

// ---- layer / group / rms norm ----

TEST(NormGradcheck, RmsNormDefaultEpsIsMachineEpsilon) {
  // mean(x^2) ~ 1e-16 is comparable with DBL_EPSILON: the default eps shows in the value
  Tensor x = leaf({2, 3}, 17, 1e-8, 2e-8);
  const std::vector<double> xv = to_doubles(x);
  const std::vector<double> y = to_doubles(rms_norm(x, {3}));
  for (int64_t r = 0; r < 2; ++r) {
    double ms = 0;
    for (int64_t k = 0; k < 3; ++k)
      ms += xv[static_cast<size_t>(r * 3 + k)] * xv[static_cast<size_t>(r * 3 + k)];
    ms /= 3;
    for (int64_t k = 0; k < 3; ++k)
      EXPECT_NEAR(y[static_cast<size_t>(r * 3 + k)],
                  xv[static_cast<size_t>(r * 3 + k)] / std::sqrt(ms + DBL_EPSILON), 1e-9);
  }
  // float32 defaults to FLT_EPSILON
  Tensor xf = from_vector(std::vector<float>{1e-4f, 2e-4f});
  const double msf = (1e-8 + 4e-8) / 2;
  EXPECT_NEAR(to_doubles(rms_norm(xf, {2}))[0], 1e-4 / std::sqrt(msf + FLT_EPSILON), 1e-5);
  // the backward uses the same eps (values of order 1 keep gradcheck well conditioned)
  EXPECT_TRUE(Gradgradcheck([](const Ins& in) { return Outs{rms_norm(in[0], {4}, in[1])}; },
                            {transposed_leaf({3, 4}, 18), leaf({4}, 19, 0.5, 1.5)}));
}

TEST(NormGradcheck, LayerNormSecondOrderGradientPenalty) {
  // A gradient penalty P(x, w) = || d sum(u * layer_norm(x; w, b)) / dx ||^2: its gradients
  // w.r.t. x and the weight (through create_graph) against central differences of P.
  Tensor b = values({5}, 22);
  Tensor u = values({2, 5}, 23);
  auto penalty = [&](const Tensor& x, const Tensor& w) {
    Tensor y = layer_norm(x, {5}, w, b);
    Tensor g = autograd::grad({sum(mul(y, u))}, {x}, {}, {.create_graph = true})[0];
    EXPECT_TRUE(g.requires_grad());
    return sum(mul(g, g));
  };
  Tensor x = leaf({2, 5}, 20, -2.0, 2.0), w = leaf({5}, 21, 0.5, 1.5);
  const auto grads = autograd::grad({penalty(x, w)}, {x, w});
  const std::vector<double> x0 = to_doubles(x), w0 = to_doubles(w);
  const double eps = 1e-6;
  for (size_t k = 0; k < 2; ++k) {
    const std::vector<double> analytic = to_doubles(grads[k]);
    const std::vector<double>& base = k == 0 ? x0 : w0;
    for (size_t j = 0; j < base.size(); ++j) {
      auto at = [&](double delta) {
        std::vector<double> v = base;
        v[j] += delta;
        Tensor p = make_leaf(from_vector(v, k == 0 ? Shape{2, 5} : Shape{5}));
        return (k == 0 ? penalty(p, make_leaf(from_vector(w0)))
                       : penalty(make_leaf(from_vector(x0, {2, 5})), p))
            .item<double>();
      };
      const double numeric = (at(eps) - at(-eps)) / (2 * eps);
      EXPECT_NEAR(analytic[j], numeric, 1e-5 + 1e-3 * std::fabs(numeric)) << k << ", " << j;
    }
  }
}

TEST(NormGradcheck, GroupNormAndLayerNormMatchFloat64InFloat32) {
  // the float32 backward (forward statistics reused) agrees with float64
  Tensor x64 = leaf({2, 4, 3}, 24, -2.0, 2.0), w64 = leaf({4}, 25, 0.5, 1.5);
  Tensor x32 = x64.detach().to(kFloat32), w32 = w64.detach().to(kFloat32);
  x32.requires_grad_(true);
  w32.requires_grad_(true);
  Tensor up = values({2, 4, 3}, 26);
  const auto g64 = autograd::grad({sum(mul(group_norm(x64, 2, w64), up))}, {x64, w64});
  const auto g32 = autograd::grad({sum(mul(group_norm(x32, 2, w32), up.to(kFloat32)))}, {x32, w32});
  EXPECT_EQ(g32[0].dtype(), kFloat32);
  for (size_t k = 0; k < 2; ++k) {
    const auto a = to_doubles(g64[k]), c = to_doubles(g32[k]);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], c[i], 1e-4);
  }
  Tensor bf = x64.detach().to(kBFloat16);
  bf.requires_grad_(true);
  const Tensor gb = grad_of(sum(layer_norm(bf, {3}, Tensor(), Tensor())), bf);
  EXPECT_EQ(gb.dtype(), kBFloat16);
  for (double v : to_doubles(gb)) EXPECT_NEAR(v, 0.0, 0.05);  // d sum(x_hat) / dx = 0
}

// ---- nll_loss / cross_entropy ----

TEST(NormGradcheck, NllLossReductionsAndGradients) {
  // log-probs [4, 3], targets with one ignored, class weights
  Tensor lp = leaf({4, 3}, 30, -3.0, -0.1);
  Tensor t = from_vector(std::vector<int64_t>{2, 0, -100, 1});
  Tensor w = values({3}, 31, 0.5, 2.0);
  const auto lpv = to_doubles(lp), wv = to_doubles(w);
  const int64_t tv[4] = {2, 0, -100, 1};
  double total = 0, sum_loss = 0;
  for (int64_t i = 0; i < 4; ++i) {
    if (tv[i] < 0) continue;
    total += wv[static_cast<size_t>(tv[i])];
    sum_loss -= wv[static_cast<size_t>(tv[i])] * lpv[static_cast<size_t>(i * 3 + tv[i])];
  }
  EXPECT_NEAR(mica::nll_loss(lp, t, w, R::Sum).item<double>(), sum_loss, 1e-12);
  EXPECT_NEAR(mica::nll_loss(lp, t, w, R::Mean).item<double>(), sum_loss / total, 1e-12);
  const auto g = to_doubles(grad_of(mica::nll_loss(lp, t, w, R::Mean), lp));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t c = 0; c < 3; ++c) {
      const double want = tv[i] == c ? -wv[static_cast<size_t>(c)] / total : 0.0;
      EXPECT_NEAR(g[static_cast<size_t>(i * 3 + c)], want, 1e-12) << i << ", " << c;
    }
  for (R r : {R::None, R::Mean, R::Sum})
    EXPECT_TRUE(Gradgradcheck(
        [t, w, r](const Ins& in) { return Outs{mica::nll_loss(in[0], t, w, r, -100)}; },
        {transposed_leaf({4, 3}, 32, -3.0, -0.1)}));
  // the class weights get no gradient
  Tensor wl = leaf({3}, 33, 0.5, 2.0);
  const auto gw = autograd::grad({mica::nll_loss(lp, t, wl)}, {lp, wl}, {}, {.allow_unused = true});
  EXPECT_FALSE(gw[1].defined());
}

TEST(NormGradcheck, CrossEntropyWeightsIgnoreIndexSmoothing) {
  const int64_t n = 5, c = 4;
  const double s = 0.2;
  Tensor x = leaf({n, c}, 40, -3.0, 3.0);
  Tensor t = from_vector(std::vector<int64_t>{3, -1, 0, 2, 1});
  Tensor w = values({c}, 41, 0.5, 2.0);
  const auto xv = to_doubles(x), wv = to_doubles(w);
  // torch's formula: loss_i = (1 - s) w[t] nll_i + s / C sum_k -w[k] lp_ik; Mean divides by
  // the summed w[t] of the non-ignored rows. d loss / d x_ik by hand: with a_k = w_k q_k,
  // -a_k + softmax_k * sum_j a_j.
  double sum_loss = 0, total = 0;
  std::vector<double> want(static_cast<size_t>(n * c), 0.0);
  const int64_t tv[n] = {3, -1, 0, 2, 1};
  for (int64_t i = 0; i < n; ++i) {
    if (tv[i] == -1) continue;
    const auto lp = naive_log_softmax(xv, c, i);
    double li = 0, big_a = 0;
    std::vector<double> a(static_cast<size_t>(c));
    for (int64_t k = 0; k < c; ++k) {
      const double q = (k == tv[i] ? 1 - s : 0.0) + s / c;
      a[static_cast<size_t>(k)] = wv[static_cast<size_t>(k)] * q;
      big_a += a[static_cast<size_t>(k)];
      li -= a[static_cast<size_t>(k)] * lp[static_cast<size_t>(k)];
    }
    sum_loss += li;
    total += wv[static_cast<size_t>(tv[i])];
    for (int64_t k = 0; k < c; ++k)
      want[static_cast<size_t>(i * c + k)] =
          std::exp(lp[static_cast<size_t>(k)]) * big_a - a[static_cast<size_t>(k)];
  }
  Tensor loss = mica::cross_entropy(x, t, w, R::Mean, -1, s);
  EXPECT_NEAR(loss.item<double>(), sum_loss / total, 1e-12);
  const auto g = to_doubles(grad_of(loss, x));
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i] / total, 1e-12) << i;
  // second order (create_graph recomputes softmax differentiably), every reduction
  for (R r : {R::None, R::Mean, R::Sum})
    EXPECT_TRUE(Gradgradcheck(
        [t, w, r, s](const Ins& in) { return Outs{mica::cross_entropy(in[0], t, w, r, -1, s)}; },
        {strided_leaf({n, c}, 42, -3.0, 3.0)}));
  // the weight-less overload is the weighted one without weights
  EXPECT_NEAR(mica::cross_entropy(x, t, R::Sum, -1, s).item<double>(),
              mica::cross_entropy(x, t, Tensor(), R::Sum, -1, s).item<double>(), 1e-14);
}

TEST(NormGradcheck, CrossEntropyAllIgnoredGivesNanLossAndZeroGradient) {
  Tensor x = leaf({3, 4}, 43);
  Tensor t = from_vector(std::vector<int64_t>{-100, -100, -100});
  Tensor loss = mica::cross_entropy(x, t);
  EXPECT_TRUE(std::isnan(loss.item<double>()));
  for (double v : to_doubles(grad_of(loss, x))) EXPECT_EQ(v, 0.0);  // like torch
  Tensor lp = leaf({3, 4}, 44, -3.0, -0.1);
  Tensor nl = mica::nll_loss(lp, t);
  EXPECT_TRUE(std::isnan(nl.item<double>()));
  for (double v : to_doubles(grad_of(nl, lp))) EXPECT_EQ(v, 0.0);
}

TEST(NormGradcheck, CrossEntropyProbabilityTargets) {
  const int64_t n = 3, c = 4;
  const double s = 0.1;
  Tensor x = leaf({n, c}, 50, -3.0, 3.0);
  Tensor q = leaf({n, c}, 51, 0.0, 1.0);  // need not sum to 1
  Tensor w = values({c}, 52, 0.5, 2.0);
  const auto xv = to_doubles(x), qv = to_doubles(q), wv = to_doubles(w);
  double sum_loss = 0;
  std::vector<double> want_t(static_cast<size_t>(n * c));
  for (int64_t i = 0; i < n; ++i) {
    const auto lp = naive_log_softmax(xv, c, i);
    for (int64_t k = 0; k < c; ++k) {
      const size_t j = static_cast<size_t>(i * c + k);
      sum_loss -=
          wv[static_cast<size_t>(k)] * ((1 - s) * qv[j] + s / c) * lp[static_cast<size_t>(k)];
      // d/dtarget = -(1 - s) w log_softmax, over the number of rows for Mean
      want_t[j] = -(1 - s) * wv[static_cast<size_t>(k)] * lp[static_cast<size_t>(k)] / n;
    }
  }
  Tensor loss = mica::cross_entropy(x, q, w, R::Mean, -100, s);
  EXPECT_NEAR(loss.item<double>(), sum_loss / n, 1e-12);
  const auto g = autograd::grad({loss}, {x, q});
  const auto gt = to_doubles(g[1]);
  for (size_t i = 0; i < gt.size(); ++i) EXPECT_NEAR(gt[i], want_t[i], 1e-12);
  for (R r : {R::None, R::Mean, R::Sum})
    EXPECT_TRUE(Gradgradcheck(
        [w, r, s](const Ins& in) { return Outs{mica::cross_entropy(in[0], in[1], w, r, -100, s)}; },
        {transposed_leaf({n, c}, 53, -3.0, 3.0), leaf({n, c}, 54, 0.0, 1.0)}));
  // probabilities through the weight-less overload, spatial [N, C, d]
  EXPECT_TRUE(Gradcheck([](const Ins& in) { return Outs{mica::cross_entropy(in[0], in[1])}; },
                        {leaf({2, 3, 2}, 55, -2.0, 2.0), leaf({2, 3, 2}, 56, 0.0, 1.0)}));
}

// ---- dropout ----

TEST(NormGradcheck, DropoutIdentityCasesAndScaling) {
  Tensor x = leaf({4, 5}, 60, -2.0, 2.0);
  // eval and p = 0: x itself, gradient the identity
  EXPECT_TRUE(dropout(x, 0.5, /*training=*/false).is_same(x));
  EXPECT_TRUE(dropout(x, 0.0, true).is_same(x));
  // p = 1: zeros, zero gradient
  Tensor y1 = dropout(x, 1.0, true);
  for (double v : to_doubles(y1)) EXPECT_EQ(v, 0.0);
  for (double v : to_doubles(grad_of(sum(y1), x))) EXPECT_EQ(v, 0.0);
  // p = 0.3: kept elements are x / 0.7 and get gradient 1 / 0.7; dropped ones 0 and 0
  Generator gen(123);
  Tensor big = leaf({200, 50}, 61, 0.5, 2.0);  // nonzero, so a kept element is nonzero
  Tensor y = dropout(big, 0.3, true, &gen);
  const auto yv = to_doubles(y), xv = to_doubles(big), gv = to_doubles(grad_of(sum(y), big));
  int64_t kept = 0;
  for (size_t i = 0; i < yv.size(); ++i) {
    if (yv[i] != 0) {
      ++kept;
      EXPECT_NEAR(yv[i], xv[i] / 0.7, 1e-12);
      EXPECT_NEAR(gv[i], 1 / 0.7, 1e-12);
    } else {
      EXPECT_EQ(gv[i], 0.0);
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / 10000.0, 0.7, 0.03);
  // the same generator state draws the same mask: gradcheck is deterministic
  EXPECT_TRUE(Gradgradcheck(
      [](const Ins& in) {
        Generator g(7);
        return Outs{dropout(in[0], 0.4, true, &g)};
      },
      {transposed_leaf({3, 4}, 62)}));
}

TEST(NormGradcheck, DropoutErrors) {
  Tensor x = leaf({3}, 63);
  for (bool training : {true, false}) {
    EXPECT_THROW(dropout(x, -0.1, training), Error);
    EXPECT_THROW(dropout(x, 1.5, training), Error);
    EXPECT_THROW(dropout(zeros({3}, kInt64), 0.5, training), Error);
  }
}

// ---- errors ----

TEST(NormGradcheck, ErrorsNameTheOp) {
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Tensor x = leaf({2, 6}, 70);
  EXPECT_NE(message([&] { layer_norm(x, {5}); }).find("layer_norm"), std::string::npos);
  EXPECT_NE(message([&] { rms_norm(x, {6}, leaf({5}, 71)); }).find("rms_norm"), std::string::npos);
  EXPECT_NE(message([&] { group_norm(x, 4); }).find("group_norm"), std::string::npos);
  EXPECT_NE(message([&] { batch_norm(x, Tensor(), Tensor()); }).find("batch_norm"),
            std::string::npos);
  EXPECT_NE(message([&] {
              batch_norm(leaf({1, 6}, 72), Tensor(), Tensor(), {}, {}, true);
            }).find("batch_norm"),
            std::string::npos);
  Tensor t = from_vector(std::vector<int64_t>{0, 1, 2});
  EXPECT_NE(message([&] { mica::nll_loss(x, t); }).find("nll_loss"), std::string::npos);
  EXPECT_NE(message([&] { mica::cross_entropy(x, t, Tensor()); }).find("cross_entropy"),
            std::string::npos);
  EXPECT_NE(message([&] {
              mica::cross_entropy(x, leaf({2, 5}, 73));
            }).find("cross_entropy"),
            std::string::npos);
}

}  // namespace
}  // namespace mica::gradcheck_test
