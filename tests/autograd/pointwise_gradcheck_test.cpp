// Gradients of the pointwise and linear-algebra ops beyond the op table's rows: second
// derivatives of the fused ops (lerp, addcmul, addcdiv, clamp with tensor bounds, log1p, expm1,
// pow with a scalar base, addmm, outer, dot, einsum), PyTorch's conventions at special points
// (pow's zero base, clamp with min > max, addmm with beta 0, masked_fill's tensor value), the
// no-gradient rounding ops, and einsum's harder equations (uppercase labels, "...", a label
// repeated three times, one tensor passed twice).
#include <gtest/gtest.h>

#include <limits>

#include "gradcheck_util.h"

namespace mica {
namespace {

using namespace gradcheck_test;  // NOLINT(google-build-using-namespace)

// A float64 tensor of the given values and shape (no grad).
Tensor vec(std::vector<double> v, const Shape& shape) {
  return from_vector(v, shape);
}

TEST(PointwiseGradgradcheck, UnaryOps) {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    double lo, hi;
  };
  const std::vector<Case> cases = {
      {"log1p", [](const Tensor& x) { return log1p(x); }, -0.5, 2},
      {"expm1", [](const Tensor& x) { return expm1(x); }, -2, 2},
      {"pow 1.5 ** x", [](const Tensor& x) { return pow(1.5, x); }, -2, 2},
      {"pow 0.5 ** x", [](const Tensor& x) { return pow(Scalar(0.5), x); }, -2, 2},
  };
  uint64_t seed = 41000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Gradcheck(unary_fn(c.f), {transposed_leaf({2, 3}, seed += 10, c.lo, c.hi)}));
    EXPECT_TRUE(Gradgradcheck(unary_fn(c.f), {leaf({2, 3}, seed += 10, c.lo, c.hi)}));
  }
}

TEST(PointwiseGradgradcheck, FusedOps) {
  const TensorFn lerp_t = [](const Ins& x) -> Outs {
    return {mul(lerp(x[0], x[1], x[2]), x[0])};  // times x[0]: nonzero second derivatives
  };
  const TensorFn lerp_s = [](const Ins& x) -> Outs { return {mul(lerp(x[0], x[1], 0.3), x[1])}; };
  const TensorFn addcmul_f = [](const Ins& x) -> Outs { return {addcmul(x[0], x[1], x[2], -1.5)}; };
  const TensorFn addcdiv_f = [](const Ins& x) -> Outs { return {addcdiv(x[0], x[1], x[2], 0.5)}; };
  const TensorFn clamp_f = [](const Ins& x) -> Outs {
    const Tensor c = clamp(x[0], std::optional<Tensor>(x[1]), std::optional<Tensor>(x[2]));
    return {mul(c, c)};
  };
  EXPECT_TRUE(Gradgradcheck(
      lerp_t, {leaf({2, 3}, 42001), leaf({3}, 42002), leaf({2, 1}, 42003, -0.5, 1.5)}));
  EXPECT_TRUE(Gradgradcheck(lerp_s, {leaf({2, 3}, 42004), transposed_leaf({2, 3}, 42005)}));
  EXPECT_TRUE(Gradgradcheck(addcmul_f,
                            {leaf({3}, 42006), leaf({2, 3}, 42007), strided_leaf({2, 3}, 42008)}));
  EXPECT_TRUE(Gradgradcheck(addcdiv_f,
                            {leaf({}, 42009), leaf({2, 3}, 42010), leaf({2, 3}, 42011, 0.5, 2)}));
  // x in [-2, 2], bounds [-1, -0.2] and [0.2, 1]: every case of the clamp occurs, no ties
  EXPECT_TRUE(Gradgradcheck(clamp_f, {leaf({4, 5}, 42012, -2, 2, away_from({-1, -0.2, 0.2, 1})),
                                      leaf({5}, 42013, -1, -0.2), leaf({4, 1}, 42014, 0.2, 1)}));
}

TEST(PointwiseGrad, ClampTensorBoundsFollowPyTorch) {
  // min > max: every result is max, so max gets all the gradient; NaN gets none
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = make_leaf(vec({-3.0, 0.5, 3.0, nan}, {4}));
  Tensor lo = make_leaf(vec({1.0, 1.0, -1.0, 0.0}, {4}));
  Tensor hi = make_leaf(vec({-1.0, -1.0, 1.0, 1.0}, {4}));
  sum(clamp(x, std::optional<Tensor>(lo), std::optional<Tensor>(hi))).backward();
  EXPECT_EQ(to_doubles(x.grad()), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(to_doubles(lo.grad()), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(to_doubles(hi.grad()), (std::vector<double>{1, 1, 1, 0}));
  // one-sided, broadcast bound: its gradient sums over the broadcast
  Tensor y = make_leaf(vec({-1.0, 2.0, -3.0, 4.0}, {2, 2}));
  Tensor m = make_leaf(vec({0.0, 0.0}, {2}));
  sum(clamp_min(y, m)).backward();
  EXPECT_EQ(to_doubles(y.grad()), (std::vector<double>{0, 1, 0, 1}));
  EXPECT_EQ(to_doubles(m.grad()), (std::vector<double>{2, 0}));
}

TEST(PointwiseGrad, PowZeroBaseHasZeroGradientForNonNegativeExponents) {
  // d/de 0^e = 0^e log 0: PyTorch defines it as 0 where e >= 0 (and 0^e = 0 there)
  Tensor e = make_leaf(vec({0.0, 1.0, 2.5}, {3}));
  sum(pow(0.0, e)).backward();
  EXPECT_EQ(to_doubles(e.grad()), (std::vector<double>{0, 0, 0}));
  Tensor e2 = make_leaf(vec({1.0, 2.0}, {2}));
  sum(pow(2.0, e2)).backward();
  const auto g = to_doubles(e2.grad());
  EXPECT_NEAR(g[0], 2 * std::log(2.0), 1e-12);
  EXPECT_NEAR(g[1], 4 * std::log(2.0), 1e-12);
}

TEST(PointwiseGrad, MaskedFillWithATensorValue) {
  const Tensor mask = autograd::raw([] { return ops::gt(values({2, 3}, 43001), 0.0); });
  const TensorFn fn = [mask](const Ins& x) -> Outs {
    return {mul(masked_fill(x[0], mask, x[1]), x[2])};
  };
  EXPECT_TRUE(Gradcheck(fn, {leaf({2, 3}, 43002), leaf({}, 43003), leaf({3}, 43004)}));
  EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3}, 43005), leaf({}, 43006), leaf({3}, 43007)}));
  // the value's gradient is the sum of the upstream gradient under the mask
  Tensor v = make_leaf(full({}, 2.0, TensorOptions(kFloat64)));
  const Tensor t = vec({1.0, 2.0, 3.0}, {3});
  const Tensor mk = autograd::raw([] { return ops::gt(vec({1.0, 0.0, 1.0}, {3}), 0.5); });
  sum(mul(masked_fill(t, mk, v), vec({10.0, 20.0, 30.0}, {3}))).backward();
  EXPECT_EQ(to_doubles(v.grad()), (std::vector<double>{40}));
}

TEST(PointwiseGrad, RoundingOpsGiveResultsWithoutGradient) {
  Tensor x = leaf({2, 3}, 44001, -3, 3);
  Tensor y = leaf({2, 3}, 44002, 0.5, 2);
  for (const Tensor& r :
       {sign(x), floor(x), ceil(x), round(x), trunc(x), div(x, y, "floor"), div(x, y, "trunc"),
        div(x, 2.0, std::optional<std::string_view>("floor"))}) {
    EXPECT_FALSE(r.requires_grad());
  }
  EXPECT_EQ(to_doubles(floor(x)), to_doubles(autograd::raw([&] { return ops::floor(x); })));
  // rounding_mode nullopt is true division, differentiable
  EXPECT_TRUE(div(x, y, std::nullopt).requires_grad());
  EXPECT_TRUE(
      Gradcheck(binary_fn([](const Tensor& a, const Tensor& b) { return div(a, b, std::nullopt); }),
                {leaf({2, 3}, 44003), leaf({2, 3}, 44004, 0.5, 2)}));
}

TEST(LinalgGradgradcheck, AddmmOuterDot) {
  const TensorFn addmm_f = [](const Ins& x) -> Outs {
    const Tensor r = addmm(x[0], x[1], x[2], 0.5, -2.0);
    return {mul(r, r)};
  };
  EXPECT_TRUE(Gradcheck(
      addmm_f, {leaf({3}, 45001), transposed_leaf({2, 4}, 45002), strided_leaf({4, 3}, 45003)}));
  EXPECT_TRUE(
      Gradgradcheck(addmm_f, {leaf({2, 1}, 45004), leaf({2, 4}, 45005), leaf({4, 3}, 45006)}));
  const TensorFn outer_f = [](const Ins& x) -> Outs { return {tanh(outer(x[0], x[1]))}; };
  EXPECT_TRUE(Gradgradcheck(outer_f, {leaf({3}, 45007), strided_leaf({4}, 45008)}));
  const TensorFn dot_f = [](const Ins& x) -> Outs {
    const Tensor d = dot(x[0], x[1]);
    return {mul(d, d)};
  };
  EXPECT_TRUE(Gradgradcheck(dot_f, {leaf({5}, 45009), strided_leaf({5}, 45010)}));
}

TEST(LinalgGrad, AddmmWithBetaZeroIgnoresTheInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor input = make_leaf(full({2, 2}, nan, TensorOptions(kFloat64)));
  Tensor m1 = leaf({2, 3}, 45101), m2 = leaf({3, 2}, 45102);
  sum(addmm(input, m1, m2, 0.0, 1.0)).backward();
  EXPECT_EQ(to_doubles(input.grad()), (std::vector<double>{0, 0, 0, 0}));
  for (double g : to_doubles(m1.grad())) EXPECT_TRUE(std::isfinite(g));
}

TEST(LinalgGrad, OuterOfMixedDtypes) {
  Tensor a = make_leaf(vec({1.0, 2.0}, {2}).to(kFloat32));
  Tensor b = make_leaf(vec({3.0, 4.0, 5.0}, {3}));
  sum(outer(a, b)).backward();
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(to_doubles(a.grad()), (std::vector<double>{12, 12}));
  EXPECT_EQ(to_doubles(b.grad()), (std::vector<double>{3, 3, 3}));
}

TEST(LinalgGrad, EinsumEquations) {
  struct Case {
    std::string eq;
    std::vector<Shape> shapes;
  };
  const std::vector<Case> cases = {
      {"Ij,jK->IK", {{2, 3}, {3, 4}}},      // uppercase labels
      {"...i,i->...", {{2, 3, 4}, {4}}},    // "..." on one side only
      {"a...,...b->ab", {{2, 3}, {3, 4}}},  // "..." summed away
      {"iii->i", {{3, 3, 3}}},              // a label three times
      {"iij,j", {{3, 3, 2}, {2}}},          // diagonal with implicit output
      {"ij,k->ijk", {{2, 3}, {2}}},         // no contraction
      {"ij->", {{0, 3}}},                   // zero-size
      {"bij,bj->bi", {{1, 2, 3}, {4, 3}}},  // size-1 label broadcast
  };
  uint64_t seed = 46000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.eq);
    Ins ins;
    for (const Shape& s : c.shapes) ins.push_back(leaf(s, seed += 10));
    const TensorFn fn = [eq = c.eq](const Ins& x) -> Outs { return {einsum(eq, x)}; };
    EXPECT_TRUE(Gradcheck(fn, ins));
  }
  // one tensor passed twice: its gradients add up (d/dx x.x = 2x)
  Tensor x = leaf({4}, 46500);
  einsum("i,i->", {x, x}).backward();
  const auto xv = to_doubles(x), gx = to_doubles(x.grad());
  for (size_t i = 0; i < xv.size(); ++i) EXPECT_NEAR(gx[i], 2 * xv[i], 1e-12);
  // second order through the einsum gradients (attention-like contraction)
  const TensorFn attn = [](const Ins& v) -> Outs {
    return {tanh(einsum("bqd,bkd->bqk", {v[0], v[1]}))};
  };
  EXPECT_TRUE(Gradgradcheck(attn, {leaf({2, 2, 3}, 46501), transposed_leaf({2, 3, 3}, 46502)}));
}

}  // namespace
}  // namespace mica
