// Second derivatives (gradgradcheck: the backward of the backward, with create_graph) of the ops
// a gradient penalty goes through: pointwise ops, matmul/mm/bmm/linear, sum/mean/sum_to,
// softmax/log_softmax, mse_loss and the view methods whose backward is written with
// differentiable ops. (cross_entropy's and as_strided's backward are raw: first order only.)
#include <gtest/gtest.h>

#include "gradcheck_util.h"

namespace mica {
namespace {

using namespace gradcheck_test;  // NOLINT(google-build-using-namespace)

struct Case {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
  double lo = -1.0, hi = 1.0;
  std::function<bool(double)> keep = [](double) { return true; };
};

TEST(Gradgradcheck, UnaryPointwise) {
  const auto nonzero = away_from({0.0}, 0.1);
  const std::vector<Case> cases = {
      {"neg", [](const Tensor& x) { return neg(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }, -2, 2},
      {"log", [](const Tensor& x) { return log(x); }, 0.3, 3},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0.3, 3},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, 0.3, 3},
      {"pow 2", [](const Tensor& x) { return pow(x, 2.0); }, -2, 2},
      {"pow 3", [](const Tensor& x) { return pow(x, 3); }, -2, 2},
      {"pow -1.5", [](const Tensor& x) { return pow(x, -1.5); }, 0.3, 3},
      {"pow 0.5", [](const Tensor& x) { return pow(x, 0.5); }, 0.3, 3},
      {"abs", [](const Tensor& x) { return abs(x); }, -2, 2, nonzero},
      {"sin", [](const Tensor& x) { return sin(x); }, -3, 3},
      {"cos", [](const Tensor& x) { return cos(x); }, -3, 3},
      {"tanh", [](const Tensor& x) { return tanh(x); }, -2, 2},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -3, 3},
      {"erf", [](const Tensor& x) { return erf(x); }, -2, 2},
      {"relu", [](const Tensor& x) { return relu(x); }, -2, 2, nonzero},
      {"gelu", [](const Tensor& x) { return gelu(x); }, -3, 3},
      {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, -3, 3},
      {"silu", [](const Tensor& x) { return silu(x); }, -3, 3},
      {"softplus", [](const Tensor& x) { return softplus(x); }, -3, 3},
      {"softplus beta 2 threshold 1", [](const Tensor& x) { return softplus(x, 2.0, 1.0); }, -2, 2,
       away_from({0.5})},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); }, -2, 2, nonzero},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.5); }, -1.5, 1.5,
       away_from({-0.5, 0.5})},
      {"scalar ops",
       [](const Tensor& x) { return rsub(div(sub(add(mul(x, 3.0), 1.0), 0.5), 2.0), 1.0); }},
      {"scalar / tensor", [](const Tensor& x) { return 2.0 / x; }, 0.3, 2},
      {"x * x / (1 + x^2)", [](const Tensor& x) { return x * x / (1.0 + x * x); }, -2, 2},
  };
  uint64_t seed = 20000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Gradgradcheck(unary_fn(c.f), {leaf({2, 3}, seed += 10, c.lo, c.hi, c.keep)}));
    EXPECT_TRUE(
        Gradgradcheck(unary_fn(c.f), {transposed_leaf({2, 3}, seed += 10, c.lo, c.hi, c.keep)}));
  }
}

TEST(Gradgradcheck, BinaryPointwise) {
  const auto away = away_from({0.0}, 0.4);
  struct BCase {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> f;
    double a_lo = -1, a_hi = 1, b_lo = -1, b_hi = 1;
    std::function<bool(double)> b_keep = [](double) { return true; };
  };
  const std::vector<BCase> cases = {
      {"add alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 1.5); }},
      {"sub alpha", [](const Tensor& a, const Tensor& b) { return sub(a, b, -2.0); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, -1, 1, -2, 2, away},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.3, 2, -2, 2},
      {"where",
       [](const Tensor& a, const Tensor& b) {
         const Tensor cond = autograd::raw([&] { return ops::gt(values({2, 3}, 7), 0.0); });
         return mul(where(cond, a, b), add(a, b));
       }},
      {"masked_fill",
       [](const Tensor& a, const Tensor& b) {
         const Tensor mask = autograd::raw([&] { return ops::gt(values({1, 3}, 8), 0.0); });
         return mul(masked_fill(a, mask, 2.0), b);
       }},
  };
  uint64_t seed = 21000;
  for (const BCase& c : cases) {
    SCOPED_TRACE(c.name);
    const TensorFn fn = binary_fn(c.f);
    EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3}, seed += 10, c.a_lo, c.a_hi),
                                   leaf({2, 3}, seed + 1, c.b_lo, c.b_hi, c.b_keep)}));
    EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 1}, seed += 10, c.a_lo, c.a_hi),
                                   strided_leaf({1, 3}, seed + 1, c.b_lo, c.b_hi, c.b_keep)}));
  }
  // minimum / maximum: operands well apart (a < 0 < b); the product keeps second derivatives
  for (bool is_max : {false, true}) {
    SCOPED_TRACE(is_max ? "maximum" : "minimum");
    const TensorFn fn = [is_max](const Ins& x) -> Outs {
      const Tensor m = is_max ? maximum(x[0], x[1]) : minimum(x[0], x[1]);
      return {mul(m, m)};
    };
    EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3}, 21500, -1, -0.1), leaf({3}, 21501, 0.1, 1)}));
  }
}

TEST(Gradgradcheck, Reductions) {
  uint64_t seed = 22000;
  const std::vector<ops::Dims> dim_sets = {{}, {0}, {-1}, {0, 2}};
  for (bool is_mean : {false, true})
    for (const ops::Dims& dims : dim_sets)
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(std::string(is_mean ? "mean" : "sum") + (keepdim ? " keepdim" : ""));
        // squared so that the second derivative is not zero
        const TensorFn fn = [&](const Ins& x) -> Outs {
          const Tensor r =
              is_mean ? mica::mean(x[0], dims, keepdim) : mica::sum(x[0], dims, keepdim);
          return {mul(r, r)};
        };
        EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3, 2}, seed += 10)}));
      }
  const TensorFn st = [](const Ins& x) -> Outs {
    const Tensor r = sum_to(mul(x[0], x[0]), {3, 1});
    return {mul(r, x[1])};
  };
  EXPECT_TRUE(Gradgradcheck(st, {leaf({2, 3, 2}, seed + 1), leaf({3, 1}, seed + 2)}));
}

TEST(Gradgradcheck, Linalg) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3}, {3}},       {{3}, {3, 2}},       {{2, 3}, {3}},
      {{2, 3}, {3, 2}}, {{2, 2, 3}, {3, 2}}, {{2, 1, 2, 3}, {2, 3, 2}},
  };
  const TensorFn fn = binary_fn([](const Tensor& a, const Tensor& b) { return matmul(a, b); });
  uint64_t seed = 23000;
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE("matmul " + shape_str(sa) + " x " + shape_str(sb));
    EXPECT_TRUE(Gradgradcheck(fn, {leaf(sa, seed += 10), leaf(sb, seed + 1)}));
  }
  EXPECT_TRUE(Gradgradcheck(fn, {transposed_leaf({2, 3}, 23500), strided_leaf({3, 2}, 23501)}));
  EXPECT_TRUE(Gradgradcheck(binary_fn([](const Tensor& a, const Tensor& b) { return mm(a, b); }),
                            {leaf({2, 3}, 23502), leaf({3, 2}, 23503)}));
  EXPECT_TRUE(Gradgradcheck(binary_fn([](const Tensor& a, const Tensor& b) { return bmm(a, b); }),
                            {leaf({2, 2, 3}, 23504), leaf({2, 3, 2}, 23505)}));
  const TensorFn lin = [](const Ins& x) -> Outs { return {tanh(linear(x[0], x[1], x[2]))}; };
  EXPECT_TRUE(Gradgradcheck(lin, {leaf({2, 3}, 23506), leaf({2, 3}, 23507), leaf({2}, 23508)}));
  EXPECT_TRUE(Gradgradcheck(lin, {leaf({2, 2, 3}, 23509), leaf({2, 3}, 23510), leaf({2}, 23511)}));
}

TEST(Gradgradcheck, SoftmaxLogSoftmaxAndMse) {
  uint64_t seed = 24000;
  for (bool log : {false, true})
    for (int64_t dim : {0, 1, -1}) {
      SCOPED_TRACE(std::string(log ? "log_softmax" : "softmax") + " dim " + std::to_string(dim));
      const TensorFn fn = [=](const Ins& x) -> Outs {
        return {log ? log_softmax(x[0], dim) : softmax(x[0], dim)};
      };
      EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3, 2}, seed += 10, -2, 2)}));
      EXPECT_TRUE(Gradgradcheck(fn, {transposed_leaf({2, 3}, seed += 10, -2, 2)}));
    }
  using R = ops::Reduction;
  for (R r : {R::Mean, R::Sum, R::None}) {
    const TensorFn fn = [r](const Ins& x) -> Outs { return {mse_loss(tanh(x[0]), x[1], r)}; };
    EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3}, seed += 10), leaf({2, 3}, seed + 1)}));
  }
}

TEST(Gradgradcheck, Views) {
  const std::vector<Case> cases = {
      {"reshape",
       [](const Tensor& t) {
         return t.reshape({3, 2});
       }},
      {"reshape (copy)", [](const Tensor& t) { return t.t().reshape({-1}); }},
      {"permute",
       [](const Tensor& t) {
         return t.permute({1, 0});
       }},
      {"expand",
       [](const Tensor& t) {
         return t.unsqueeze(0).expand({2, 2, 3});
       }},
      {"squeeze", [](const Tensor& t) { return t.unsqueeze(1).squeeze(1); }},
      {"slice step 2", [](const Tensor& t) { return t.slice(1, 0, 3, 2); }},
      {"narrow", [](const Tensor& t) { return t.narrow(1, 1, 2); }},
      {"select", [](const Tensor& t) { return t.select(1, 2); }},
      {"diagonal", [](const Tensor& t) { return t.diagonal(1); }},
      {"clone", [](const Tensor& t) { return t.clone(); }},
      {"contiguous of transpose", [](const Tensor& t) { return t.t().contiguous(); }},
      {"copy_",
       [](const Tensor& t) {
         Tensor buf = zeros({2, 2, 3}, kFloat64);
         buf.copy_(t);
         return buf;
       }},
  };
  uint64_t seed = 25000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const TensorFn fn = [&c](const Ins& x) -> Outs {
      const Tensor v = c.f(x[0]);
      return {mul(v, v)};
    };
    EXPECT_TRUE(Gradgradcheck(fn, {leaf({2, 3}, seed += 10)}));
  }
}

TEST(Gradgradcheck, GradientPenaltyOfASmallNetwork) {
  // || d critic(x) / dx ||^2 as in WGAN-GP, differentiated w.r.t. the weights by gradcheck.
  const Tensor x = values({3, 4}, 26000);
  const TensorFn penalty = [&x](const Ins& w) -> Outs {
    AutoGradMode on(true);  // gradcheck's numerical pass runs under no_grad
    Tensor xin = x.detach();
    xin.requires_grad_(true);
    const Tensor h = gelu(linear(xin, w[0], w[1]));
    const Tensor score = sum(matmul(softmax(h, -1), w[2]));
    const Tensor gx = autograd::grad({score}, {xin}, {}, {.create_graph = true})[0];
    return {mean(pow(sub(sqrt(add(sum(mul(gx, gx), 1), 1e-6)), 1.0), 2))};
  };
  EXPECT_TRUE(Gradcheck(penalty, {leaf({5, 4}, 26001), leaf({5}, 26002), leaf({5}, 26003)}));
}

}  // namespace
}  // namespace mica
