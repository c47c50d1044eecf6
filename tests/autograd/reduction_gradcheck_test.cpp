// Reductions, scans and sorting beyond the op table's gradcheck column: the tie rules (amax,
// max over all elements, norm inf split evenly; max along a dim, sort, topk follow the index),
// prod with zeros, hand-computed gradients, second derivatives on small inputs, and outputs that
// never require grad (indices, argmax, argsort, all, any).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gradcheck_util.h"

namespace mica::gradcheck_test {
namespace {

Tensor vec(std::vector<double> v) {
  return from_vector(v);
}

// The gradient of sum(f(x) * weights) with respect to a leaf made of v.
std::vector<double> grad_of(const std::vector<double>& v,
                            const std::function<Tensor(const Tensor&)>& f, Shape shape = {}) {
  Tensor x = vec(v);
  if (!shape.empty()) x = x.reshape(shape).contiguous();
  x.requires_grad_(true);
  sum(f(x)).backward();
  return to_doubles(x.grad());
}

void expect_values(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "element " << i;
}

// ---- tie rules ----

TEST(ReductionGradcheck, AmaxAndAminSplitTiesEvenly) {
  expect_values(grad_of({1, 3, 3, 2}, [](const Tensor& x) { return amax(x); }), {0, 0.5, 0.5, 0});
  expect_values(grad_of({-1, -1, 2, -1}, [](const Tensor& x) { return amin(x); }),
                {1. / 3, 1. / 3, 0, 1. / 3});
  // per row: [5, 5, 1] splits, [0, 4, 2] does not
  expect_values(grad_of({5, 5, 1, 0, 4, 2}, [](const Tensor& x) { return amax(x, 1); }, {2, 3}),
                {0.5, 0.5, 0, 0, 1, 0});
  // max()/min() over all elements follow amax/amin (like PyTorch)
  expect_values(grad_of({2, 7, 7, 7}, [](const Tensor& x) { return max(x); }),
                {0, 1. / 3, 1. / 3, 1. / 3});
  expect_values(grad_of({2, 0, 0, 7}, [](const Tensor& x) { return min(x); }), {0, 0.5, 0.5, 0});
}

TEST(ReductionGradcheck, MaxAlongADimFollowsTheIndex) {
  // ties: the first occurrence gets the whole gradient
  expect_values(
      grad_of({3, 3, 1, 0, 2, 2}, [](const Tensor& x) { return max(x, 1).values; }, {2, 3}),
      {1, 0, 0, 0, 1, 0});
  expect_values(grad_of({1, 4, 1}, [](const Tensor& x) { return min(x, 0, true).values; }),
                {1, 0, 0});
  Tensor x = leaf({3, 4}, 1);
  auto [v, i] = max(x, 1);
  EXPECT_TRUE(v.requires_grad());
  EXPECT_FALSE(i.requires_grad());
}

TEST(ReductionGradcheck, NormInfSplitsTiesWithTheSign) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_values(grad_of({-2, 1, 2}, [inf](const Tensor& x) { return norm(x, inf); }),
                {-0.5, 0, 0.5});
  expect_values(grad_of({-1, 3, 1}, [inf](const Tensor& x) { return norm(x, -inf); }),
                {-0.5, 0, 0.5});
}

TEST(ReductionGradcheck, SortAndTopkScatterToTheirIndices) {
  // sum(values * [10, 20, 30]) through sort
  const Tensor w = vec({10, 20, 30});
  expect_values(grad_of({3, 1, 2}, [&](const Tensor& x) { return mul(sort(x).values, w); }),
                {30, 10, 20});
  expect_values(
      grad_of({3, 1, 2}, [&](const Tensor& x) { return mul(sort(x, 0, true).values, w); }),
      {10, 30, 20});
  const Tensor w2 = vec({10, 20});
  expect_values(grad_of({3, 1, 2}, [&](const Tensor& x) { return mul(topk(x, 2).values, w2); }),
                {10, 0, 20});
  expect_values(
      grad_of({3, 1, 2}, [&](const Tensor& x) { return mul(topk(x, 2, 0, false).values, w2); }),
      {0, 10, 20});
  // along dim 0 of a matrix
  expect_values(grad_of({4, 1, 2, 3},
                        [](const Tensor& x) {
                          return mul(sort(x, 0).values, vec({1, 2}).unsqueeze(1));
                        },
                        {2, 2}),
                {2, 1, 1, 2});
}

// ---- prod with zeros ----

TEST(ReductionGradcheck, ProdWithZeros) {
  expect_values(grad_of({2, 3, 4}, [](const Tensor& x) { return prod(x); }), {12, 8, 6});
  expect_values(grad_of({2, 0, 4}, [](const Tensor& x) { return prod(x); }), {0, 8, 0});
  expect_values(grad_of({0, 5, 0}, [](const Tensor& x) { return prod(x); }), {0, 0, 0});
  // rows: one zero, none, two zeros
  expect_values(
      grad_of({0, 2, 3, 1, 2, 3, 0, 0, 5}, [](const Tensor& x) { return prod(x, 1); }, {3, 3}),
      {6, 0, 0, 6, 3, 2, 0, 0, 0});
  // gradcheck: zeros in some groups, over one dim and several
  Tensor x = values({3, 4}, 2, 0.5, 1.5);
  {
    NoGradGuard g;
    x.select(0, 0).select(0, 1).fill_(0.0);
    x.select(0, 2).select(0, 0).fill_(0.0);
    x.select(0, 2).select(0, 3).fill_(0.0);
  }
  x = make_leaf(x);
  for (bool keepdim : {false, true}) {
    EXPECT_TRUE(Gradcheck(unary_fn([=](const Tensor& t) { return prod(t, 1, keepdim); }), {x}));
    EXPECT_TRUE(Gradcheck(unary_fn([=](const Tensor& t) { return prod(t, 0, keepdim); }), {x}));
    EXPECT_TRUE(Gradcheck(unary_fn([=](const Tensor& t) { return prod(t, {}, keepdim); }), {x}));
  }
}

TEST(ReductionGradcheck, ProdSecondOrderWithAtMostOneZeroPerGroup) {
  EXPECT_TRUE(Gradgradcheck(unary_fn([](const Tensor& t) { return prod(t, 1); }),
                            {transposed_leaf({3, 4}, 3, 0.5, 1.5)}));
  Tensor x = values({3, 4}, 4, 0.5, 1.5);
  {
    NoGradGuard g;
    x.select(0, 0).select(0, 2).fill_(0.0);  // row 0: one zero; column 2: one zero
    x.select(0, 1).select(0, 1).fill_(0.0);  // row 1: one zero; column 1: one zero
  }
  x = make_leaf(x);
  EXPECT_TRUE(Gradgradcheck(unary_fn([](const Tensor& t) { return prod(t, 1); }), {x}));
  EXPECT_TRUE(Gradgradcheck(unary_fn([](const Tensor& t) { return prod(t, 0, true); }), {x}));
  // the Hessian of a * 0 * c at (2, 0, 4): [[0, c, 0], [c, 0, a], [0, a, 0]]
  Tensor y = make_leaf(vec({2, 0, 4}));
  const Tensor gy = autograd::grad({prod(y)}, {y}, {}, {.create_graph = true})[0];
  const std::vector<std::vector<double>> hessian{{0, 4, 0}, {4, 0, 2}, {0, 2, 0}};
  for (int64_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("row " + std::to_string(i));
    expect_values(to_doubles(autograd::grad({gy.select(0, i)}, {y}, {}, {.retain_graph = true})[0]),
                  hessian[static_cast<size_t>(i)]);
  }
}

// ---- hand-computed values ----

TEST(ReductionGradcheck, VarAndStdValues) {
  // d var / dx = 2 (x - mean) / (N - correction)
  expect_values(grad_of({1, 2, 3, 4}, [](const Tensor& x) { return var(x); }),
                {-1, -1. / 3, 1. / 3, 1});
  expect_values(grad_of({1, 2, 3, 4}, [](const Tensor& x) { return var(x, {}, 0); }),
                {-0.75, -0.25, 0.25, 0.75});
  // d std / dx = (x - mean) / ((N - correction) std); std of {1, 3} (correction 1) is sqrt(2)
  const double s = std::sqrt(2.0);
  expect_values(grad_of({1, 3}, [](const Tensor& x) { return mica::std(x); }), {-1 / s, 1 / s});
}

TEST(ReductionGradcheck, NormZeroCasesAndLogsumexp) {
  // p = 0 counts nonzeros: zero gradient; p = 2 of a zero vector: the subgradient 0
  expect_values(grad_of({1, -2, 0}, [](const Tensor& x) { return norm(x, 0); }), {0, 0, 0});
  expect_values(grad_of({0, 0}, [](const Tensor& x) { return norm(x); }), {0, 0});
  expect_values(grad_of({3, -4}, [](const Tensor& x) { return norm(x); }), {0.6, -0.8});
  expect_values(grad_of({3, -4, 0}, [](const Tensor& x) { return norm(x, 1); }), {1, -1, 0});
  // a zero element: p < 1 gives it no gradient (|x|^(p-1) is infinite there), like PyTorch;
  // p = 0.5: sign(x) |x|^-0.5 norm^0.5 with norm = (1 + sqrt 2)^2
  expect_values(grad_of({1, 0, 2}, [](const Tensor& x) { return norm(x, 0.5); }),
                {1 + std::sqrt(2.0), 0, (1 + std::sqrt(2.0)) / std::sqrt(2.0)});
  // p = 3: x^2 / norm^2 with norm = 9^(1/3)
  const double n3 = std::cbrt(9.0);
  expect_values(grad_of({1, 0, 2}, [](const Tensor& x) { return norm(x, 3); }),
                {1 / (n3 * n3), 0, 4 / (n3 * n3)});
  // p = -1 with a zero: the norm is 0 and so is the gradient
  expect_values(grad_of({1, 0, 2}, [](const Tensor& x) { return norm(x, -1); }), {0, 0, 0});
  expect_values(grad_of({0, 0}, [](const Tensor& x) { return norm(x, 3); }), {0, 0});
  // logsumexp: softmax of the group
  const double e = std::exp(1.0);
  expect_values(grad_of({0, 1}, [](const Tensor& x) { return logsumexp(x); }),
                {1 / (1 + e), e / (1 + e)});
}

TEST(ReductionGradcheck, Scans) {
  expect_values(grad_of({1, 2, 3}, [](const Tensor& x) { return cumsum(x, 0); }), {3, 2, 1});
  // cumprod [a, ab, abc]: d/da = 1 + b + bc, d/db = a + ac, d/dc = ab
  expect_values(grad_of({2, 3, 4}, [](const Tensor& x) { return cumprod(x, 0); }),
                {1 + 3 + 12, 2 + 8, 6});
}

TEST(ReductionGradcheck, CumprodWithZeros) {
  // [a, 0, c, d]: out = [a, 0, 0, 0]; d/da = 1, d/d0 = a + ac + acd, later elements 0
  expect_values(grad_of({2, 0, 4, 5}, [](const Tensor& x) { return cumprod(x, 0); }),
                {1, 2 + 8 + 40, 0, 0});
  // rows: no zero, one zero, two zeros, a zero first; along dim 1 and dim 0
  Tensor x = values({4, 5}, 12, 0.5, 1.5);
  {
    NoGradGuard g;
    x.select(0, 1).select(0, 2).fill_(0.0);
    x.select(0, 2).select(0, 1).fill_(0.0);
    x.select(0, 2).select(0, 3).fill_(0.0);
    x.select(0, 3).select(0, 0).fill_(0.0);
  }
  x = make_leaf(x);
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return cumprod(t, 1); }), {x}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return cumprod(t, 0); }), {x}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return cumprod(t.t(), 1); }), {x}));
}

// ---- second order on small inputs ----

TEST(ReductionGradcheck, SecondOrder) {
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor x = transposed_leaf({3, 4}, 5, -2.0, 2.0);
  const Tensor pos = leaf({3, 4}, 6, 0.5, 1.5);
  std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> cases{
      {"var", [](const Tensor& t) { return var(t, 1); }},
      {"var correction 0 keepdim", [](const Tensor& t) { return var(t, {0}, 0, true); }},
      {"std", [](const Tensor& t) { return mica::std(t, {}); }},
      {"std dim 0", [](const Tensor& t) { return mica::std(t, 0, 2); }},
      {"logsumexp", [](const Tensor& t) { return logsumexp(t, 1); }},
      {"norm 2", [](const Tensor& t) { return norm(t, 2, 1); }},
      {"norm 3", [](const Tensor& t) { return norm(t, 3, {}); }},
      {"norm 1", [](const Tensor& t) { return norm(t, 1, 0); }},
      {"norm 0.5", [](const Tensor& t) { return norm(t, 0.5, 1, true); }},
      {"norm -1", [](const Tensor& t) { return norm(t, -1, 1); }},
      {"norm inf", [inf](const Tensor& t) { return norm(t, inf, 1); }},
      {"amax", [](const Tensor& t) { return amax(t, 0); }},
      {"amin", [](const Tensor& t) { return amin(t, {}, true); }},
      {"max", [](const Tensor& t) { return max(t); }},
      {"max dim", [](const Tensor& t) { return max(t, 1).values; }},
      {"min dim keepdim", [](const Tensor& t) { return min(t, 0, true).values; }},
      {"sort", [](const Tensor& t) { return sort(t, 1).values; }},
      {"sort descending dim 0", [](const Tensor& t) { return sort(t, 0, true).values; }},
      {"topk", [](const Tensor& t) { return topk(t, 2, 1).values; }},
      {"cumsum", [](const Tensor& t) { return cumsum(t, 0); }},
      {"prod", [](const Tensor& t) { return prod(t, {}); }},
  };
  for (const auto& [name, f] : cases) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(Gradgradcheck(unary_fn(f), {name == "prod" ? pos : x}));
  }
  EXPECT_TRUE(Gradgradcheck(unary_fn([](const Tensor& t) { return cumprod(t, 1); }), {pos}));
}

// ---- outputs that never require grad ----

TEST(ReductionGradcheck, NonDifferentiableOutputs) {
  const Tensor x = leaf({3, 4}, 7);
  EXPECT_FALSE(argmax(x).requires_grad());
  EXPECT_FALSE(argmin(x, 1).requires_grad());
  EXPECT_FALSE(argsort(x, 1).requires_grad());
  EXPECT_FALSE(all(x).requires_grad());
  EXPECT_FALSE(any(x, 0).requires_grad());
  EXPECT_FALSE(sort(x).indices.requires_grad());
  EXPECT_FALSE(topk(x, 2).indices.requires_grad());
  EXPECT_TRUE(sort(x).values.requires_grad());
  EXPECT_EQ(sort(x).values.grad_fn_name(), "SortBackward");
  // the indices a backward relies on are version-checked
  auto [v, i] = max(x, 1);
  {
    NoGradGuard g;
    i.fill_(int64_t{0});
  }
  EXPECT_THROW(sum(v).backward(), Error);
}

// ---- copy_ ----

TEST(ReductionGradcheck, CopyIntoGivesTheGradientToTheSource) {
  Tensor dst_leaf = leaf({2, 3}, 8), src = leaf({3}, 9);
  Tensor dst = mul(dst_leaf, 2.0);
  dst.copy_(src);  // broadcast over dim 0
  sum(mul(dst, vec({1, 2, 3}))).backward();
  expect_values(to_doubles(src.grad()), {2, 4, 6});
  EXPECT_FALSE(dst_leaf.grad().defined());  // the overwritten value gets no gradient
}

}  // namespace
}  // namespace mica::gradcheck_test
