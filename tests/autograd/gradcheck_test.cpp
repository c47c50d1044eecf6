// Gradchecks (central finite differences in float64) of every differentiable op in
// autograd/ops.h: pointwise ops and operators, reductions, linear algebra, nn functions. Inputs
// come contiguous, transposed, strided, 0-d and broadcast, with values kept away from the points
// where an op is not differentiable (kinks, clamp bounds, ties).
#include <gtest/gtest.h>

#include "gradcheck_util.h"

namespace mica {
namespace {

using namespace gradcheck_test;  // NOLINT(google-build-using-namespace)

// ---- gradcheck itself ----

// y = 2x with a backward that claims 3: gradcheck must notice.
struct WrongDoubleBackward : autograd::Node {
  MICA_NODE_NAME("WrongDoubleBackward")
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {mul(g[0], 3.0)}; }
};
Tensor wrong_double(const Tensor& x) {
  Tensor out = autograd::raw([&] { return ops::mul(x, 2.0); });
  if (auto node = autograd::make_node<WrongDoubleBackward>({&x})) autograd::set_history(out, node);
  return out;
}

// y = x^2 with a correct backward computed raw (not differentiable a second time).
struct RawSquareBackward : autograd::Node {
  MICA_NODE_NAME("RawSquareBackward")
  autograd::SavedVariable x;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor xv = x.unpack(*this);
    return {autograd::raw([&] { return ops::mul(ops::mul(g[0], xv), 2.0); })};
  }
  void release_saved() override { x.reset(); }
};
Tensor raw_square(const Tensor& x) {
  Tensor out = autograd::raw([&] { return ops::mul(x, x); });
  if (auto node = autograd::make_node<RawSquareBackward>({&x})) {
    node->x = autograd::SavedVariable(x, false);
    autograd::set_history(out, node);
  }
  return out;
}

TEST(Gradcheck, DetectsAWrongBackward) {
  const Tensor x = leaf({3}, 1);
  const auto r = autograd::gradcheck(unary_fn(wrong_double), {x}, kOpts);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("analytic 3"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("numerical 2"), std::string::npos) << r.message;
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mul(t, 2.0); }), {x}));
}

TEST(Gradcheck, DetectsAMissingSecondDerivative) {
  const Tensor x = leaf({3}, 2);
  EXPECT_TRUE(Gradcheck(unary_fn(raw_square), {x}));
  EXPECT_FALSE(autograd::gradgradcheck(unary_fn(raw_square), {x}, kOpts).ok);
  EXPECT_TRUE(Gradgradcheck(unary_fn([](const Tensor& t) { return mul(t, t); }), {x}));
}

TEST(Gradcheck, ChecksOnlyInputsThatRequireGradAndRefusesFloat32) {
  const Tensor a = leaf({2, 3}, 3);
  const Tensor b = values({2, 3}, 4);  // constant
  EXPECT_TRUE(
      Gradcheck(binary_fn([](const Tensor& x, const Tensor& y) { return mul(x, y); }), {a, b}));
  EXPECT_THROW(autograd::gradcheck(unary_fn([](const Tensor& t) { return mul(t, 2.0); }),
                                   {make_leaf(values({2}, 5).to(kFloat32))}),
               Error);
}

// ---- unary pointwise ops ----

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
  double lo = -1.0, hi = 1.0;
  std::function<bool(double)> keep = [](double) { return true; };
};

std::vector<UnaryCase> unary_cases() {
  const auto nonzero = away_from({0.0}, 0.1);
  return {
      {"neg", [](const Tensor& x) { return neg(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }, -2, 2},
      {"log", [](const Tensor& x) { return log(x); }, 0.2, 3},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0.2, 3},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, 0.2, 3},
      {"pow 2", [](const Tensor& x) { return pow(x, 2); }, -2, 2},
      {"pow 3", [](const Tensor& x) { return pow(x, 3.0); }, -2, 2},
      {"pow 0", [](const Tensor& x) { return pow(x, 0.0); }, -2, 2},
      {"pow 1", [](const Tensor& x) { return pow(x, 1.0); }, -2, 2},
      {"pow 0.5", [](const Tensor& x) { return pow(x, 0.5); }, 0.2, 3},
      {"pow -1.5", [](const Tensor& x) { return pow(x, -1.5); }, 0.2, 3},
      {"pow 2.7", [](const Tensor& x) { return pow(x, 2.7); }, 0.2, 3},
      {"abs", [](const Tensor& x) { return abs(x); }, -2, 2, nonzero},
      {"sin", [](const Tensor& x) { return sin(x); }, -3, 3},
      {"cos", [](const Tensor& x) { return cos(x); }, -3, 3},
      {"tanh", [](const Tensor& x) { return tanh(x); }, -3, 3},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -4, 4},
      {"erf", [](const Tensor& x) { return erf(x); }, -2, 2},
      {"relu", [](const Tensor& x) { return relu(x); }, -2, 2, nonzero},
      {"gelu", [](const Tensor& x) { return gelu(x); }, -3, 3},
      {"gelu none", [](const Tensor& x) { return gelu(x, "none"); }, -3, 3},
      {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, -3, 3},
      {"silu", [](const Tensor& x) { return silu(x); }, -4, 4},
      {"softplus", [](const Tensor& x) { return softplus(x); }, -4, 4},
      {"softplus beta 2 threshold 1 (both regions)",
       [](const Tensor& x) { return softplus(x, 2.0, 1.0); }, -2, 2, away_from({0.5})},
      {"softplus default threshold region", [](const Tensor& x) { return softplus(x); }, 15, 25,
       away_from({20.0})},
      {"softplus beta 0.5", [](const Tensor& x) { return softplus(x, 0.5); }, -4, 4},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }, -2, 2, nonzero},
      {"leaky_relu 0.2", [](const Tensor& x) { return leaky_relu(x, 0.2); }, -2, 2, nonzero},
      {"clamp min", [](const Tensor& x) { return clamp(x, -0.5, std::nullopt); }, -1.5, 1.5,
       away_from({-0.5})},
      {"clamp max", [](const Tensor& x) { return clamp(x, std::nullopt, 0.5); }, -1.5, 1.5,
       away_from({0.5})},
      {"clamp both", [](const Tensor& x) { return clamp(x, -0.5, 0.5); }, -1.5, 1.5,
       away_from({-0.5, 0.5})},
      {"clamp int bounds", [](const Tensor& x) { return clamp(x, -1, 1); }, -2, 2,
       away_from({-1.0, 1.0})},
      {"add scalar", [](const Tensor& x) { return add(x, 2.5); }},
      {"sub scalar", [](const Tensor& x) { return sub(x, 1.5); }},
      {"rsub", [](const Tensor& x) { return rsub(x, 3.0); }},
      {"mul scalar", [](const Tensor& x) { return mul(x, -2.5); }},
      {"mul int scalar", [](const Tensor& x) { return mul(x, 3); }},
      {"div scalar", [](const Tensor& x) { return div(x, 4.0); }},
      {"div int scalar", [](const Tensor& x) { return div(x, -3); }},
  };
}

TEST(GradcheckPointwise, UnaryOpsOnAllLayouts) {
  uint64_t seed = 100;
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    for (const Tensor& x : layouts(seed += 10, c.lo, c.hi, c.keep))
      EXPECT_TRUE(Gradcheck(unary_fn(c.f), {x}));
  }
}

TEST(GradcheckPointwise, UnaryOpsOfAnExpandedInput) {
  // The op sees a stride-0 (broadcast) view of a smaller leaf.
  uint64_t seed = 900;
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    const Tensor x = leaf({1, 4}, seed += 10, c.lo, c.hi, c.keep);
    EXPECT_TRUE(Gradcheck(unary_fn([&c](const Tensor& t) { return c.f(t.expand({3, 4})); }), {x}));
  }
}

// ---- binary pointwise ops ----

struct BinaryCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> f;
  double a_lo = -1, a_hi = 1, b_lo = -1, b_hi = 1;
  std::function<bool(double)> b_keep = [](double) { return true; };
};

std::vector<BinaryCase> binary_cases() {
  const auto away = away_from({0.0}, 0.4);
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"add alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); }},
      {"add int alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, -2); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"sub alpha", [](const Tensor& a, const Tensor& b) { return sub(a, b, 0.5); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, -1, 1, -2, 2, away},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.3, 2, -2, 2},
      {"operator+", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"operator-", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"operator*", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"operator/", [](const Tensor& a, const Tensor& b) { return a / b; }, -1, 1, -2, 2, away},
  };
}

TEST(GradcheckPointwise, BinaryOpsOnLayoutsAndBroadcasts) {
  uint64_t seed = 2000;
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{}, {3, 4}}, {{2, 3, 4}, {}}};
  for (const BinaryCase& c : binary_cases()) {
    SCOPED_TRACE(c.name);
    const TensorFn fn = binary_fn(c.f);
    for (const auto& [sa, sb] : shapes) {
      seed += 10;
      EXPECT_TRUE(Gradcheck(
          fn, {leaf(sa, seed, c.a_lo, c.a_hi), leaf(sb, seed + 1, c.b_lo, c.b_hi, c.b_keep)}));
    }
    // non-contiguous operands
    EXPECT_TRUE(Gradcheck(fn, {transposed_leaf({3, 4}, seed + 2, c.a_lo, c.a_hi),
                               strided_leaf({3, 4}, seed + 3, c.b_lo, c.b_hi, c.b_keep)}));
    EXPECT_TRUE(Gradcheck(fn, {transposed_leaf({2, 3}, seed + 4, c.a_lo, c.a_hi),
                               strided_leaf({1, 3}, seed + 5, c.b_lo, c.b_hi, c.b_keep)}));
    // only one side requires grad (the other is a constant)
    EXPECT_TRUE(Gradcheck(fn, {leaf({3, 4}, seed + 6, c.a_lo, c.a_hi),
                               values({4}, seed + 7, c.b_lo, c.b_hi, c.b_keep)}));
    EXPECT_TRUE(Gradcheck(fn, {values({3, 1}, seed + 8, c.a_lo, c.a_hi),
                               leaf({3, 4}, seed + 9, c.b_lo, c.b_hi, c.b_keep)}));
  }
}

TEST(GradcheckPointwise, SameTensorOnBothSides) {
  const Tensor x = leaf({3, 4}, 2500, 0.5, 2);
  for (const BinaryCase& c : binary_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Gradcheck(unary_fn([&c](const Tensor& t) { return c.f(t, t); }), {x}));
  }
}

TEST(GradcheckPointwise, ScalarOperators) {
  const auto nonzero = away_from({0.0}, 0.4);
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"t + s", [](const Tensor& t) { return t + 1.5; }},
      {"t - s", [](const Tensor& t) { return t - 1.5; }},
      {"t * s", [](const Tensor& t) { return t * -2.0; }},
      {"t / s", [](const Tensor& t) { return t / 4.0; }},
      {"s + t", [](const Tensor& t) { return 1.5 + t; }},
      {"s - t", [](const Tensor& t) { return 1.5 - t; }},
      {"s * t", [](const Tensor& t) { return 3 * t; }},
      {"s / t", [](const Tensor& t) { return 2.0 / t; }},
      {"int s / t", [](const Tensor& t) { return -3 / t; }},
      {"-t", [](const Tensor& t) { return -t; }},
      {"mixed", [](const Tensor& t) { return (2.0 - t * t) / (1.0 + t * t) - t / 3.0; }},
  };
  uint64_t seed = 3000;
  for (const auto& [name, f] : cases) {
    SCOPED_TRACE(name);
    for (const Tensor& x : layouts(seed += 10, -2, 2, nonzero))
      EXPECT_TRUE(Gradcheck(unary_fn(f), {x}));
  }
}

TEST(GradcheckPointwise, PowTensorExponentOnly) {
  // Only the exponent requires grad; the base is a constant (positive, and zero with e > 0).
  const Tensor base = from_vector(std::vector<double>{0.5, 1.5, 2.0, 0.0, 3.0, 0.7}, {2, 3});
  const Tensor e = leaf({2, 3}, 3100, 0.5, 2);
  EXPECT_TRUE(
      Gradcheck(binary_fn([](const Tensor& a, const Tensor& b) { return pow(a, b); }), {base, e}));
}

TEST(GradcheckPointwise, MinimumMaximum) {
  // Operands at least 0.1 apart: no ties.
  uint64_t seed = 4000;
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{}, {3, 4}}};
  for (bool is_max : {false, true}) {
    SCOPED_TRACE(is_max ? "maximum" : "minimum");
    const TensorFn fn = [is_max](const Ins& x) -> Outs {
      return {is_max ? maximum(x[0], x[1]) : minimum(x[0], x[1])};
    };
    for (const auto& [sa, sb] : shapes) {
      seed += 10;
      // a in [-1, 1] away from the grid points k/5; b on the grid: never within 0.05 of a
      const auto off_grid = [](double v) {
        const double r = std::fabs(v * 5.0 - std::round(v * 5.0));
        return r > 0.25;
      };
      const Tensor a = leaf(sa, seed, -1, 1, off_grid);
      Tensor b = values(sb, seed + 1, -1, 1);
      b = make_leaf(autograd::raw([&] { return ops::div(ops::round(ops::mul(b, 5.0)), 5.0); }));
      EXPECT_TRUE(Gradcheck(fn, {a, b}));
    }
    EXPECT_TRUE(Gradcheck(
        fn, {transposed_leaf({3, 4}, seed + 5, -1, -0.1), strided_leaf({3, 4}, seed + 6, 0.1, 1)}));
    EXPECT_TRUE(Gradcheck(fn, {leaf({3, 4}, seed + 7, 0.1, 1), values({4}, seed + 8, -1, -0.1)}));
  }
}

TEST(GradcheckPointwise, MinimumMaximumTiesSplitTheGradient) {
  Tensor x = make_leaf(from_vector(std::vector<double>{1.0, -2.0}));
  Tensor y = make_leaf(from_vector(std::vector<double>{1.0, 3.0}));
  sum(add(minimum(x, y), mul(maximum(x, y), 10.0))).backward();
  EXPECT_DOUBLE_EQ(x.grad().select(0, 0).item<double>(), 5.5);  // tie: half of 1 and of 10
  EXPECT_DOUBLE_EQ(y.grad().select(0, 0).item<double>(), 5.5);
  EXPECT_DOUBLE_EQ(x.grad().select(0, 1).item<double>(), 1.0);  // x is the minimum
  EXPECT_DOUBLE_EQ(y.grad().select(0, 1).item<double>(), 10.0);
}

TEST(GradcheckPointwise, WhereAndMaskedFill) {
  const Tensor cond = autograd::raw([] { return ops::gt(values({3, 1}, 4100), 0.0); });
  const Tensor cond_full = autograd::raw([] { return ops::gt(values({3, 4}, 4101), 0.0); });
  const TensorFn w = [](const Ins& x) -> Outs { return {where(x[2], x[0], x[1])}; };
  EXPECT_TRUE(Gradcheck(w, {leaf({3, 4}, 4102), leaf({3, 4}, 4103), cond_full}));
  EXPECT_TRUE(Gradcheck(w, {leaf({3, 4}, 4104), leaf({4}, 4105), cond}));
  EXPECT_TRUE(Gradcheck(w, {leaf({1, 4}, 4106), leaf({}, 4107), cond}));
  EXPECT_TRUE(Gradcheck(w, {transposed_leaf({3, 4}, 4108), values({3, 4}, 4109), cond_full}));
  EXPECT_TRUE(Gradcheck(w, {values({3, 4}, 4110), strided_leaf({3, 4}, 4111), cond_full}));

  const TensorFn mf = [](const Ins& x) -> Outs { return {masked_fill(x[0], x[1], -7.5)}; };
  EXPECT_TRUE(Gradcheck(mf, {leaf({3, 4}, 4112), cond_full}));
  EXPECT_TRUE(Gradcheck(mf, {transposed_leaf({3, 4}, 4113), cond}));
  const Tensor row_mask = autograd::raw([] { return ops::gt(values({1, 4}, 4114), 0.0); });
  EXPECT_TRUE(Gradcheck(mf, {strided_leaf({3, 4}, 4115), row_mask}));
  // masked positions get no gradient
  Tensor x = leaf({3, 4}, 4116);
  sum(masked_fill(x, cond_full, 2.0)).backward();
  const std::vector<double> expected =
      to_doubles(autograd::raw([&] { return ops::logical_not(cond_full).to(kFloat64); }));
  EXPECT_EQ(to_doubles(x.grad()), expected);
}

// ---- reductions ----

TEST(GradcheckReduction, SumAndMeanOverDims) {
  const std::vector<ops::Dims> dim_sets = {{}, {0}, {1}, {-1}, {0, 2}, {2, 0}, {-1, -3}, {0, 1, 2}};
  const std::vector<Tensor> inputs = {leaf({2, 3, 4}, 5000),
                                      make_leaf(values({4, 3, 2}, 5001).permute({2, 1, 0})),
                                      strided_leaf({2, 3, 4}, 5002)};
  for (bool is_mean : {false, true}) {
    for (const ops::Dims& dims : dim_sets) {
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(std::string(is_mean ? "mean" : "sum") + " dims " +
                     shape_str(Shape(dims.vec().begin(), dims.vec().end())) +
                     (keepdim ? " keepdim" : ""));
        const TensorFn fn = [&](const Ins& x) -> Outs {
          return {is_mean ? mica::mean(x[0], dims, keepdim) : mica::sum(x[0], dims, keepdim)};
        };
        for (const Tensor& x : inputs) EXPECT_TRUE(Gradcheck(fn, {x}));
      }
    }
  }
}

TEST(GradcheckReduction, AllDimsZeroDimAndBroadcastInputs) {
  const Tensor x = leaf({3, 4}, 5100);
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return sum(t); }), {x}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mean(t); }), {x}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return sum(t, {}, true); }), {x}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mean(t, {}, true); }), {x}));
  const Tensor s = leaf({}, 5101);
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return sum(t); }), {s}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mean(t); }), {s}));
  // a 0-d tensor reduced over dim 0 / -1 (as in PyTorch)
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mica::sum(t, 0); }), {s}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mica::mean(t, -1, true); }), {s}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) {
                          return mean(t.expand({2, 3}), 1);
                        }),
                        {leaf({1}, 5102)}));
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) {
                          return sum(t.expand({2, 3, 4}), {0, 2});
                        }),
                        {leaf({3, 1}, 5103)}));
  // a reduction of a reduction
  EXPECT_TRUE(Gradcheck(unary_fn([](const Tensor& t) { return mean(sum(mul(t, t), 1), 0); }),
                        {leaf({2, 3, 4}, 5104)}));
}

TEST(GradcheckReduction, SumTo) {
  const std::vector<Shape> targets = {{3, 1}, {4}, {1, 1, 4}, {2, 1, 1},
                                      {},     {1}, {2, 3, 4}, {3, 4}};
  const std::vector<Tensor> inputs = {leaf({2, 3, 4}, 5200), strided_leaf({2, 3, 4}, 5201)};
  for (const Shape& target : targets) {
    SCOPED_TRACE("sum_to " + shape_str(target));
    for (const Tensor& x : inputs) {
      const TensorFn fn = [&](const Ins& in) -> Outs {
        Tensor out = sum_to(in[0], target);
        EXPECT_EQ(out.sizes(), target);
        return {out};
      };
      EXPECT_TRUE(Gradcheck(fn, {x}));
    }
  }
}

// ---- linear algebra ----

TEST(GradcheckLinalg, MatmulShapeCases) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4}, {4}},                 // dot
      {{4}, {4, 3}},              // vector @ matrix
      {{3, 4}, {4}},              // matrix @ vector
      {{3, 4}, {4, 2}},           // mm
      {{2, 3, 4}, {2, 4, 5}},     // bmm
      {{2, 3, 4}, {4, 5}},        // batched @ matrix
      {{3, 4}, {2, 4, 5}},        // matrix @ batched
      {{2, 1, 3, 4}, {3, 4, 2}},  // broadcast batch dims
      {{1, 3, 4}, {2, 1, 4, 2}},  // broadcast both ways
      {{4}, {2, 4, 3}},           // vector @ batched
      {{2, 3, 4}, {4}},           // batched @ vector
      {{2, 2, 3, 4}, {4}},        // 4-d @ vector
  };
  uint64_t seed = 6000;
  const TensorFn fn = binary_fn([](const Tensor& a, const Tensor& b) { return matmul(a, b); });
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE("matmul " + shape_str(sa) + " x " + shape_str(sb));
    seed += 10;
    EXPECT_TRUE(Gradcheck(fn, {leaf(sa, seed), leaf(sb, seed + 1)}));
    EXPECT_TRUE(Gradcheck(fn, {leaf(sa, seed + 2), values(sb, seed + 3)}));
    EXPECT_TRUE(Gradcheck(fn, {values(sa, seed + 4), leaf(sb, seed + 5)}));
    if (sa.size() >= 2 && sb.size() >= 2) {
      EXPECT_TRUE(Gradcheck(fn, {transposed_leaf(sa, seed + 6), strided_leaf(sb, seed + 7)}));
    }
  }
  EXPECT_TRUE(Gradcheck(fn, {strided_leaf({4}, seed + 20), transposed_leaf({4, 3}, seed + 21)}));
}

TEST(GradcheckLinalg, MmAndBmm) {
  const TensorFn mm_fn = binary_fn([](const Tensor& a, const Tensor& b) { return mm(a, b); });
  const TensorFn bmm_fn = binary_fn([](const Tensor& a, const Tensor& b) { return bmm(a, b); });
  EXPECT_TRUE(Gradcheck(mm_fn, {leaf({3, 4}, 6500), leaf({4, 2}, 6501)}));
  EXPECT_TRUE(Gradcheck(mm_fn, {transposed_leaf({3, 4}, 6502), strided_leaf({4, 2}, 6503)}));
  EXPECT_TRUE(Gradcheck(mm_fn, {values({3, 4}, 6504), leaf({4, 2}, 6505)}));
  EXPECT_TRUE(Gradcheck(bmm_fn, {leaf({2, 3, 4}, 6506), leaf({2, 4, 2}, 6507)}));
  EXPECT_TRUE(Gradcheck(bmm_fn, {transposed_leaf({2, 3, 4}, 6508), strided_leaf({2, 4, 2}, 6509)}));
  EXPECT_TRUE(Gradcheck(bmm_fn, {leaf({2, 3, 4}, 6510), values({2, 4, 2}, 6511)}));
}

TEST(GradcheckLinalg, Linear) {
  const TensorFn with_bias = [](const Ins& x) -> Outs { return {linear(x[0], x[1], x[2])}; };
  const TensorFn no_bias = [](const Ins& x) -> Outs { return {linear(x[0], x[1])}; };
  const std::vector<Shape> x_shapes = {{5, 4}, {2, 3, 4}, {4}, {2, 1, 3, 4}};
  uint64_t seed = 7000;
  for (const Shape& xs : x_shapes) {
    SCOPED_TRACE("linear x " + shape_str(xs));
    seed += 10;
    EXPECT_TRUE(
        Gradcheck(with_bias, {leaf(xs, seed), leaf({3, 4}, seed + 1), leaf({3}, seed + 2)}));
    EXPECT_TRUE(Gradcheck(no_bias, {leaf(xs, seed + 3), leaf({3, 4}, seed + 4)}));
    // only some inputs require grad
    EXPECT_TRUE(Gradcheck(with_bias,
                          {values(xs, seed + 5), leaf({3, 4}, seed + 6), values({3}, seed + 7)}));
    EXPECT_TRUE(
        Gradcheck(with_bias, {leaf(xs, seed + 8), values({3, 4}, seed + 9), leaf({3}, seed + 10)}));
  }
  // non-contiguous input and weight (a weight stored transposed, as in tied embeddings)
  EXPECT_TRUE(Gradcheck(with_bias, {transposed_leaf({2, 5, 4}, 7100), transposed_leaf({3, 4}, 7101),
                                    strided_leaf({3}, 7102)}));
}

// ---- nn ----

TEST(GradcheckNN, SoftmaxAndLogSoftmax) {
  const std::vector<Tensor> inputs = {leaf({2, 3, 4}, 8000, -2, 2),
                                      make_leaf(values({4, 3, 2}, 8001, -2, 2).permute({2, 1, 0})),
                                      strided_leaf({2, 3, 4}, 8002, -2, 2)};
  for (bool log : {false, true}) {
    for (int64_t dim : {0, 1, 2, -1, -2}) {
      SCOPED_TRACE(std::string(log ? "log_softmax" : "softmax") + " dim " + std::to_string(dim));
      const TensorFn fn = [=](const Ins& x) -> Outs {
        return {log ? log_softmax(x[0], dim) : softmax(x[0], dim)};
      };
      for (const Tensor& x : inputs) EXPECT_TRUE(Gradcheck(fn, {x}));
    }
    const TensorFn fn1 = [=](const Ins& x) -> Outs {
      return {log ? log_softmax(x[0], 0) : softmax(x[0], 0)};
    };
    EXPECT_TRUE(Gradcheck(fn1, {leaf({5}, 8003, -2, 2)}));
    EXPECT_TRUE(Gradcheck(fn1, {leaf({}, 8004)}));
    // of a broadcast input
    const TensorFn fnb = [=](const Ins& x) -> Outs {
      return {log ? log_softmax(x[0].expand({3, 4}), 0) : softmax(x[0].expand({3, 4}), 1)};
    };
    EXPECT_TRUE(Gradcheck(fnb, {leaf({1, 4}, 8005, -2, 2)}));
  }
}

Tensor targets(std::vector<int64_t> v, const Shape& shape) {
  return from_vector(v, shape);
}

TEST(GradcheckNN, CrossEntropy) {
  using R = ops::Reduction;
  const Tensor t2 = targets({0, 4, 2, 1, 3, 2}, {6});
  const Tensor t2_ignored = targets({0, -100, 2, 1, -100, 4}, {6});
  const Tensor t2_ignore2 = targets({0, 2, 2, 1, 3, 4}, {6});
  const Tensor t3 = targets({0, 3, 1, 2, 2, 1, 0, 3}, {2, 4});
  const Tensor t3_ignored = targets({0, -1, 1, 2, -1, 1, 0, 3}, {2, 4});
  const Tensor t4 = targets({0, 2, 1, 2, 2, 1, 0, 1, 1, 0, 2, 2}, {2, 2, 3});
  struct Case {
    std::string name;
    Tensor logits, target;
    int64_t ignore_index = -100;
    double smoothing = 0.0;
  };
  const std::vector<Case> cases = {
      {"[N, C]", leaf({6, 5}, 9000, -2, 2), t2},
      {"[N, C] transposed", transposed_leaf({6, 5}, 9001, -2, 2), t2},
      {"[N, C] ignore -100", leaf({6, 5}, 9002, -2, 2), t2_ignored},
      {"[N, C] ignore_index 2", leaf({6, 5}, 9003, -2, 2), t2_ignore2, 2},
      {"[N, C] smoothing", leaf({6, 5}, 9004, -2, 2), t2, -100, 0.1},
      {"[N, C] smoothing + ignore", strided_leaf({6, 5}, 9005, -2, 2), t2_ignored, -100, 0.25},
      {"[N, C, d]", leaf({2, 4, 4}, 9006, -2, 2), t3},
      {"[N, C, d] ignore -1 + smoothing", leaf({2, 4, 4}, 9007, -2, 2), t3_ignored, -1, 0.2},
      {"[N, C, d] permuted", make_leaf(values({4, 4, 2}, 9008, -2, 2).permute({2, 1, 0})), t3},
      {"[N, C, d1, d2]", leaf({2, 3, 2, 3}, 9009, -2, 2), t4, -100, 0.1},
  };
  for (const Case& c : cases) {
    for (R r : {R::Mean, R::Sum, R::None}) {
      SCOPED_TRACE(c.name + (r == R::Mean ? " mean" : r == R::Sum ? " sum" : " none"));
      const TensorFn fn = [&c, r](const Ins& x) -> Outs {
        return {cross_entropy(x[0], c.target, r, c.ignore_index, c.smoothing)};
      };
      EXPECT_TRUE(Gradcheck(fn, {c.logits}));
    }
  }
  // Unbatched: logits [C], a 0-d target.
  for (R r : {R::Mean, R::Sum, R::None}) {
    const Tensor t0 = from_vector(std::vector<int64_t>{3}, Shape{});
    const TensorFn fn = [&t0, r](const Ins& x) -> Outs {
      return {cross_entropy(x[0], t0, r, -100, 0.1)};
    };
    EXPECT_TRUE(Gradcheck(fn, {leaf({5}, 9010, -2, 2)}));
  }
  // Logits that are themselves computed (the loss of a linear layer).
  const TensorFn lin = [&](const Ins& x) -> Outs {
    return {cross_entropy(linear(x[0], x[1]), t2, R::Mean, -100, 0.1)};
  };
  EXPECT_TRUE(Gradcheck(lin, {leaf({6, 3}, 9020), leaf({5, 3}, 9021)}));
}

TEST(GradcheckNN, MseLoss) {
  using R = ops::Reduction;
  for (R r : {R::Mean, R::Sum, R::None}) {
    SCOPED_TRACE(r == R::Mean ? "mean" : r == R::Sum ? "sum" : "none");
    const TensorFn fn = [r](const Ins& x) -> Outs { return {mse_loss(x[0], x[1], r)}; };
    EXPECT_TRUE(Gradcheck(fn, {leaf({3, 4}, 9100), leaf({3, 4}, 9101)}));
    EXPECT_TRUE(Gradcheck(fn, {transposed_leaf({3, 4}, 9102), values({3, 4}, 9103)}));
    EXPECT_TRUE(Gradcheck(fn, {values({2, 3}, 9104), strided_leaf({2, 3}, 9105)}));
    EXPECT_TRUE(Gradcheck(fn, {leaf({}, 9106), leaf({}, 9107)}));
  }
}

}  // namespace
}  // namespace mica
