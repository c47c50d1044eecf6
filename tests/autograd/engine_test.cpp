// Engine tests: leaf accumulation, diamonds and shared subexpressions, retain_graph, the
// version-counter check, deep chains, hooks, retain_grad, grad(), grad modes, in-place rules,
// anomaly mode, double backward, and views/copies recording.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"

namespace mica {
namespace {

Tensor leaf(std::vector<double> v, Shape shape = {-1}) {
  Tensor t = from_vector(v, shape);  // float64
  t.requires_grad_(true);
  return t;
}

double at(const Tensor& t, int64_t i) {
  return t.reshape({-1}).select(0, i).item<double>();
}

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

TEST(Engine, SimpleChainAccumulatesIntoLeaves) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = sum(mul(x, x));  // d/dx = 2x
  y.backward();
  EXPECT_EQ(at(x.grad(), 0), 2);
  EXPECT_EQ(at(x.grad(), 2), 6);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn_name(), "SumBackward");
  // A second graph accumulates into the same .grad
  sum(x).backward();
  EXPECT_EQ(at(x.grad(), 0), 3);
}

TEST(Engine, DiamondAndSharedSubexpressions) {
  Tensor x = leaf({2.0});
  Tensor a = mul(x, 3.0);
  Tensor b = exp(a);             // shared by both branches
  Tensor y = add(mul(b, a), b);  // y = e^{3x} (3x + 1)
  y.backward();
  const double e = std::exp(6.0);
  // dy/dx = 3 e^{3x}(3x+1) + 3 e^{3x}
  EXPECT_NEAR(at(x.grad(), 0), 3 * e * 7 + 3 * e, 1e-9 * e);
}

TEST(Engine, RetainGraphAllowsASecondBackward) {
  Tensor x = leaf({1.5});
  Tensor y = mul(exp(x), x);
  y.backward(Tensor(), /*retain_graph=*/true);
  const double first = at(x.grad(), 0);
  y.backward();
  EXPECT_NEAR(at(x.grad(), 0), 2 * first, 1e-12);
  EXPECT_THROW_MSG(y.backward(), "retain_graph");
}

TEST(Engine, InPlaceChangeOfASavedTensorIsAnError) {
  Tensor x = leaf({1, 2});
  Tensor a = mul(x, 2.0);
  Tensor y = mul(a, a);  // saves a
  {
    NoGradGuard no_grad;
    ops::add_(a, 1.0);  // bumps a's version
  }
  EXPECT_THROW_MSG(sum(y).backward(), "modified by an in-place operation");
}

TEST(Engine, TenThousandDeepChainDoesNotOverflow) {
  Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 10000; ++i) y = add(y, 0.0);
  y.backward();
  EXPECT_EQ(at(x.grad(), 0), 1.0);
}

TEST(Engine, HooksInspectAndReplaceGradients) {
  Tensor x = leaf({1, 2});
  Tensor h = mul(x, 2.0);
  double seen = 0;
  h.register_hook([&](const Tensor& g) {
    seen = at(g, 0);
    return mul(g, 10.0);
  });
  x.register_hook([](const Tensor& g) { return add(g, 1.0); });
  sum(h).backward();
  EXPECT_EQ(seen, 1.0);
  EXPECT_EQ(at(x.grad(), 0), 21.0);  // 1 * 10 * 2, then +1 at the leaf
}

TEST(Engine, RetainGradKeepsANonLeafGradient) {
  Tensor x = leaf({3.0});
  Tensor h = mul(x, x);
  h.retain_grad();
  mul(h, 2.0).backward();
  ASSERT_TRUE(h.grad().defined());
  EXPECT_EQ(at(h.grad(), 0), 2.0);
  EXPECT_EQ(at(x.grad(), 0), 12.0);
}

TEST(Engine, GradReturnsGradientsWithoutTouchingDotGrad) {
  Tensor x = leaf({1, 2});
  Tensor w = leaf({3, 4});
  Tensor y = sum(mul(x, w));
  auto g = autograd::grad({y}, {x});
  EXPECT_EQ(at(g[0], 1), 4.0);
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  Tensor unused = leaf({1.0});
  EXPECT_THROW_MSG(autograd::grad({sum(mul(x, w))}, {unused}), "not used");
  auto g2 = autograd::grad({sum(mul(x, w))}, {unused}, {}, {.allow_unused = true});
  EXPECT_FALSE(g2[0].defined());
}

TEST(Engine, CreateGraphGivesSecondDerivatives) {
  Tensor x = leaf({2.0});
  Tensor y = mul(mul(x, x), x);  // x^3
  auto g = autograd::grad({y}, {x}, {}, {.create_graph = true});
  EXPECT_EQ(at(g[0], 0), 12.0);  // 3x^2
  auto gg = autograd::grad({g[0]}, {x});
  EXPECT_EQ(at(gg[0], 0), 12.0);  // 6x
}

TEST(Engine, NoGradGuardAndDetachStopRecording) {
  Tensor x = leaf({1.0});
  {
    NoGradGuard no_grad;
    Tensor y = mul(x, 2.0);
    EXPECT_FALSE(y.requires_grad());
  }
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.raw_data(), x.raw_data());
  Tensor y = mul(d, 2.0);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_THROW_MSG(y.backward(), "does not require grad");
}

TEST(Engine, InPlaceOnALeafThatRequiresGradIsRefused) {
  Tensor x = leaf({1.0, 2.0});
  EXPECT_THROW_MSG(x.fill_(0), "leaf tensor that requires grad");
  EXPECT_THROW_MSG(x.copy_(zeros({2}, kFloat64)), "leaf tensor that requires grad");
  {
    NoGradGuard no_grad;
    x.fill_(0);  // allowed, like an optimizer step
  }
  EXPECT_EQ(at(x, 1), 0.0);
  EXPECT_THROW_MSG(zeros({2}, kInt64).requires_grad_(true), "floating");
}

TEST(Engine, NonScalarBackwardNeedsAGradient) {
  Tensor x = leaf({1, 2});
  Tensor y = mul(x, 3.0);
  EXPECT_THROW_MSG(y.backward(), "one-element");
  y.backward(from_vector(std::vector<double>{1, 10}));
  EXPECT_EQ(at(x.grad(), 1), 30.0);
}

TEST(Engine, AnomalyModeNamesTheNode) {
  Tensor x = leaf({0.0});
  Tensor y = mul(log(x), 0.0);  // backward of log at 0 gives inf * 0 = nan
  autograd::DetectAnomalyGuard anomaly;
  EXPECT_THROW_MSG(y.backward(), "LogBackward");
}

TEST(Engine, BroadcastGradientsAreReducedToInputShapes) {
  Tensor a = leaf({1, 2, 3}, {3, 1});
  Tensor b = leaf({10, 20}, {1, 2});
  sum(mul(a, b)).backward();
  EXPECT_EQ(a.grad().sizes(), (Shape{3, 1}));
  EXPECT_EQ(at(a.grad(), 0), 30.0);
  EXPECT_EQ(b.grad().sizes(), (Shape{1, 2}));
  EXPECT_EQ(at(b.grad(), 1), 6.0);
}

TEST(Views, GradientsFlowThroughViewsAndCopies) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = x.t().reshape({6}).slice(0, 1, 6, 2);  // elements x[1,0], x[0,2], x[1,1]... in t order
  sum(mul(y, y)).backward();
  // t() order: x00 x10 x01 x11 x02 x12 -> slice 1::2 -> x10, x11, x12
  EXPECT_EQ(at(x.grad(), 0), 0.0);
  EXPECT_EQ(at(x.grad(), 3), 8.0);   // 2 * x10 = 2 * 4
  EXPECT_EQ(at(x.grad(), 5), 12.0);  // 2 * x12
  Tensor z = leaf({1, 2});
  Tensor w = z.to(kFloat32).unsqueeze(0).expand({3, 2}).select(1, 1);
  EXPECT_EQ(w.grad_fn_name(), "SelectBackward");
  sum(w).backward();
  EXPECT_EQ(z.grad().dtype(), kFloat64);
  EXPECT_EQ(at(z.grad(), 0), 0.0);
  EXPECT_EQ(at(z.grad(), 1), 3.0);
}

TEST(Views, CopyIntoAFreshTensorCarriesTheGradient) {
  Tensor x = leaf({1, 2});
  Tensor buf = zeros({2, 2}, kFloat64);
  buf.copy_(mul(x, 2.0));  // broadcast copy
  EXPECT_EQ(buf.grad_fn_name(), "CopyBackward");
  sum(buf).backward();
  EXPECT_EQ(at(x.grad(), 0), 4.0);
}

}  // namespace
}  // namespace mica
