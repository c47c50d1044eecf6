// Pointwise semantics the op table cannot express: result dtypes of mixed-dtype promotion,
// in-place behaviour (views, aliasing, version counter, result casts, dtype and shape errors),
// PyTorch's conventions at edge values, and the error messages of common mistakes.
#include <cmath>
#include <limits>

#include "test_util.h"

namespace mica::test {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor vec(std::vector<double> v, DType dt = kFloat32) {
  const int64_t n = static_cast<int64_t>(v.size());
  return from_values({n}, v, dt);
}
Tensor scalar(double v, DType dt) {
  return from_values({}, {v}, dt);
}
::testing::AssertionResult values_are(const Tensor& t, const std::vector<double>& want) {
  return all_close(t, from_values(t.sizes(), want), {1e-6, 1e-6});
}

// ---- type promotion ----
TEST(PointwisePromotion, TensorTensor) {
  EXPECT_EQ(ops::add(vec({1, 2}, kInt32), vec({1, 2}, kFloat16)).dtype(), kFloat16);
  EXPECT_EQ(ops::add(vec({1, 2}, kUInt8), vec({1, 2}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(ops::add(vec({1, 2}, kFloat16), vec({1, 2}, kBFloat16)).dtype(), kFloat32);
  EXPECT_EQ(ops::mul(vec({1, 2}, kInt64), vec({1, 0}, kBool)).dtype(), kInt64);
  EXPECT_EQ(ops::minimum(vec({1, 2}, kInt32), vec({1, 2}, kFloat64)).dtype(), kFloat64);
  Tensor b = ops::add(vec({1, 0, 1, 0}, kBool), vec({1, 1, 0, 0}, kBool));
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_TRUE(values_are(b, {1, 1, 1, 0}));  // bool + bool is logical or
  EXPECT_EQ(ops::eq(vec({1, 2}, kInt32), vec({1, 2}, kFloat32)).dtype(), kBool);
  EXPECT_EQ(ops::logical_and(vec({1, 0}, kInt64), vec({0.5, 1})).dtype(), kBool);
}

TEST(PointwisePromotion, ZeroDimTensorsCountLikeScalars) {
  // a 0-d tensor only promotes a dimmed one across categories (bool < integer < floating)
  EXPECT_EQ(ops::add(vec({1, 2}, kFloat16), scalar(1, kFloat32)).dtype(), kFloat16);
  EXPECT_EQ(ops::add(vec({1, 2}, kUInt8), scalar(1, kInt64)).dtype(), kUInt8);
  EXPECT_EQ(ops::add(vec({1, 2}, kInt32), scalar(1, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(ops::add(vec({1, 0}, kBool), scalar(1, kInt32)).dtype(), kInt32);
  // two 0-d tensors promote normally
  EXPECT_EQ(ops::add(scalar(1, kFloat16), scalar(1, kFloat32)).dtype(), kFloat32);
}

TEST(PointwisePromotion, TensorScalar) {
  Tensor i = vec({1, 2, 3}, kInt64);
  Tensor r = ops::add(i, 1.5);
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(values_are(r, {2.5, 3.5, 4.5}));
  EXPECT_EQ(ops::add(vec({1}, kInt32), 2).dtype(), kInt32);
  EXPECT_EQ(ops::add(vec({1}, kFloat16), 2.0).dtype(), kFloat16);
  EXPECT_EQ(ops::add(vec({1, 0}, kBool), 1).dtype(), kInt64);
  EXPECT_EQ(ops::mul(vec({1, 0}, kBool), 2.5).dtype(), kFloat32);
  EXPECT_EQ(ops::mul(vec({1, 0}, kBool), true).dtype(), kBool);
  // the scalar takes the tensor's integer dtype: uint8 + (-3) wraps, as in PyTorch
  EXPECT_TRUE(values_are(ops::add(vec({1, 5}, kUInt8), -3), {254, 2}));
  // true division keeps the scalar's value
  EXPECT_TRUE(values_are(ops::div(vec({3, 6}, kUInt8), -3), {-1, -2}));
  EXPECT_EQ(ops::lt(vec({1, 2}, kInt32), 1.5).dtype(), kBool);
  EXPECT_TRUE(values_are(ops::lt(vec({1, 2}, kInt32), 1.5), {1, 0}));
}

TEST(PointwisePromotion, FloatMathOnIntegers) {
  for (DType dt : {kInt64, kInt32, kUInt8, kBool}) {
    EXPECT_EQ(ops::exp(vec({0, 1}, dt)).dtype(), kFloat32) << dtype_name(dt);
    EXPECT_EQ(ops::sigmoid(vec({0, 1}, dt)).dtype(), kFloat32) << dtype_name(dt);
    EXPECT_EQ(ops::div(vec({1, 1}, dt), vec({1, 1}, dt)).dtype(), kFloat32) << dtype_name(dt);
  }
  EXPECT_TRUE(values_are(ops::sqrt(vec({1, 0}, kBool)), {1, 0}));
  EXPECT_TRUE(values_are(ops::div(vec({7}, kInt64), vec({2}, kInt64)), {3.5}));
  EXPECT_EQ(ops::div(vec({7}, kInt64), vec({2}, kInt64), "floor").dtype(), kInt64);
  EXPECT_EQ(ops::relu(vec({-1, 2}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(ops::floor(vec({-1, 2}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(ops::sign(vec({1, 0}, kBool)).dtype(), kBool);
}

TEST(PointwisePromotion, PowClampWhereAddcmul) {
  Tensor i = vec({1, 2, 3}, kInt64);
  EXPECT_EQ(ops::pow(i, 2.0).dtype(), kFloat32);
  EXPECT_EQ(ops::pow(i, 2).dtype(), kInt64);
  EXPECT_EQ(ops::pow(2, vec({1, 2}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(ops::pow(2.5, i).dtype(), kFloat32);
  EXPECT_TRUE(values_are(ops::pow(2.5, i), {2.5, 6.25, 15.625}));
  EXPECT_EQ(ops::pow(vec({1, 0}, kBool), 2).dtype(), kInt64);
  EXPECT_EQ(ops::clamp(i, 1.5).dtype(), kFloat32);
  EXPECT_TRUE(values_are(ops::clamp(i, 1.5), {1.5, 2, 3}));
  EXPECT_EQ(ops::clamp(i, 2).dtype(), kInt64);
  EXPECT_EQ(ops::clamp(i, std::optional<Tensor>(vec({1.5}))).dtype(), kFloat32);
  Tensor cond = vec({1, 0, 1}, kBool);
  EXPECT_EQ(ops::where(cond, vec({1, 2, 3}, kInt32), 2.5).dtype(), kFloat32);
  EXPECT_EQ(ops::where(cond, 1, 2.5).dtype(), kFloat32);
  EXPECT_EQ(ops::where(cond, 1, 2).dtype(), kInt64);
  EXPECT_TRUE(values_are(ops::where(cond, 1, 2), {1, 2, 1}));
  EXPECT_EQ(ops::where(cond, vec({1}, kFloat16), scalar(2, kFloat64)).dtype(), kFloat16);
  EXPECT_EQ(ops::where(cond, scalar(1, kInt32), vec({2}, kFloat16)).dtype(), kFloat16);
  EXPECT_EQ(ops::where(cond, vec({1}, kUInt8), vec({2}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(ops::addcmul(vec({1}, kInt32), scalar(2, kFloat32), vec({3}, kInt32)).dtype(),
            kFloat32);
  EXPECT_EQ(ops::addcmul(vec({1}, kInt32), vec({2}, kInt32), vec({3}, kInt32), 2).dtype(), kInt32);
  // masked_fill keeps self's dtype: a float value is truncated into an integer tensor
  Tensor m = ops::masked_fill(i, vec({1, 0, 1}, kBool), 7.9);
  EXPECT_EQ(m.dtype(), kInt64);
  EXPECT_TRUE(values_are(m, {7, 2, 7}));
}

// ---- in place ----
struct InPlaceCase {
  const char* name;
  std::function<Tensor&(Tensor&)> in_place;
  std::function<Tensor(const Tensor&)> out_of_place;
};

TEST(PointwiseInPlace, MatchesOutOfPlaceThroughViews) {
  std::mt19937_64 rng(7);
  const Tensor other = rand_tensor({3, 4}, kFloat32, rng, 0.5, 2);
  const Tensor row = rand_tensor({4}, kFloat32, rng, 0.5, 2);
  const Tensor mask = rand_tensor({3, 1}, kBool, rng);
  using ops::PointwiseArgs;
  const std::vector<InPlaceCase> cases{
      {"add_", [&](Tensor& a) -> Tensor& { return ops::add_(a, other, 2); },
       [&](const Tensor& a) { return ops::add(a, other, 2); }},
      {"add_ scalar", [&](Tensor& a) -> Tensor& { return ops::add_(a, 1.5); },
       [&](const Tensor& a) { return ops::add(a, 1.5); }},
      {"sub_", [&](Tensor& a) -> Tensor& { return ops::sub_(a, row, 0.5); },
       [&](const Tensor& a) { return ops::sub(a, row, 0.5); }},
      {"mul_", [&](Tensor& a) -> Tensor& { return ops::mul_(a, row); },
       [&](const Tensor& a) { return ops::mul(a, row); }},
      {"div_", [&](Tensor& a) -> Tensor& { return ops::div_(a, other); },
       [&](const Tensor& a) { return ops::div(a, other); }},
      {"div_ floor", [&](Tensor& a) -> Tensor& { return ops::div_(a, 0.3, "floor"); },
       [&](const Tensor& a) { return ops::div(a, 0.3, "floor"); }},
      {"pow_", [&](Tensor& a) -> Tensor& { return ops::pow_(a, other); },
       [&](const Tensor& a) { return ops::pow(a, other); }},
      {"pow_ scalar", [&](Tensor& a) -> Tensor& { return ops::pow_(a, 3); },
       [&](const Tensor& a) { return ops::pow(a, 3); }},
      {"neg_", ops::neg_, [](const Tensor& a) { return ops::neg(a); }},
      {"abs_", ops::abs_, [](const Tensor& a) { return ops::abs(a); }},
      {"sign_", ops::sign_, [](const Tensor& a) { return ops::sign(a); }},
      {"exp_", ops::exp_, [](const Tensor& a) { return ops::exp(a); }},
      {"log_", ops::log_, [](const Tensor& a) { return ops::log(a); }},
      {"sqrt_", ops::sqrt_, [](const Tensor& a) { return ops::sqrt(a); }},
      {"sin_", ops::sin_, [](const Tensor& a) { return ops::sin(a); }},
      {"tanh_", ops::tanh_, [](const Tensor& a) { return ops::tanh(a); }},
      {"sigmoid_", ops::sigmoid_, [](const Tensor& a) { return ops::sigmoid(a); }},
      {"erf_", ops::erf_, [](const Tensor& a) { return ops::erf(a); }},
      {"relu_", ops::relu_, [](const Tensor& a) { return ops::relu(a); }},
      {"gelu_", [](Tensor& a) -> Tensor& { return ops::gelu_(a); },
       [](const Tensor& a) { return ops::gelu(a); }},
      {"gelu_ tanh", [](Tensor& a) -> Tensor& { return ops::gelu_(a, "tanh"); },
       [](const Tensor& a) { return ops::gelu(a, "tanh"); }},
      {"silu_", ops::silu_, [](const Tensor& a) { return ops::silu(a); }},
      {"softplus_", [](Tensor& a) -> Tensor& { return ops::softplus_(a, 2, 1); },
       [](const Tensor& a) { return ops::softplus(a, 2, 1); }},
      {"leaky_relu_", [](Tensor& a) -> Tensor& { return ops::leaky_relu_(a, 0.2); },
       [](const Tensor& a) { return ops::leaky_relu(a, 0.2); }},
      {"clamp_", [](Tensor& a) -> Tensor& { return ops::clamp_(a, -0.5, 0.5); },
       [](const Tensor& a) { return ops::clamp(a, -0.5, 0.5); }},
      {"clamp_ tensors",
       [&](Tensor& a) -> Tensor& {
         return ops::clamp_(a, std::optional<Tensor>(ops::neg(row)), std::optional<Tensor>(other));
       },
       [&](const Tensor& a) {
         return ops::clamp(a, std::optional<Tensor>(ops::neg(row)), std::optional<Tensor>(other));
       }},
      {"clamp_min_", [](Tensor& a) -> Tensor& { return ops::clamp_min_(a, 0.1); },
       [](const Tensor& a) { return ops::clamp_min(a, 0.1); }},
      {"floor_", ops::floor_, [](const Tensor& a) { return ops::floor(a); }},
      {"round_", ops::round_, [](const Tensor& a) { return ops::round(a); }},
      {"masked_fill_", [&](Tensor& a) -> Tensor& { return ops::masked_fill_(a, mask, -7.0); },
       [&](const Tensor& a) { return ops::masked_fill(a, mask, -7.0); }},
      {"lerp_", [&](Tensor& a) -> Tensor& { return ops::lerp_(a, other, 0.75); },
       [&](const Tensor& a) { return ops::lerp(a, other, 0.75); }},
      {"lerp_ tensor", [&](Tensor& a) -> Tensor& { return ops::lerp_(a, other, row); },
       [&](const Tensor& a) { return ops::lerp(a, other, row); }},
      {"addcmul_", [&](Tensor& a) -> Tensor& { return ops::addcmul_(a, other, row, 0.5); },
       [&](const Tensor& a) { return ops::addcmul(a, other, row, 0.5); }},
      {"addcdiv_", [&](Tensor& a) -> Tensor& { return ops::addcdiv_(a, other, row, -2); },
       [&](const Tensor& a) { return ops::addcdiv(a, other, row, -2); }},
      {"gt_", [&](Tensor& a) -> Tensor& { return ops::gt_(a, other); },
       [&](const Tensor& a) { return ops::gt(a, other).to(kFloat32); }},
  };
  for (const InPlaceCase& c : cases) {
    SCOPED_TRACE(c.name);
    // self is a transposed view into base, so the kernel must write through strides
    Tensor base = rand_tensor({4, 3}, kFloat32, rng, -2, 2);
    if (std::string(c.name) == "log_" || std::string(c.name) == "sqrt_" ||
        std::string(c.name).rfind("pow_", 0) == 0)
      base = ops::add(ops::abs(base), 0.1);
    Tensor self = base.transpose(0, 1);
    const Tensor want = c.out_of_place(self.clone());
    const uint64_t version = self.version();
    Tensor& ret = c.in_place(self);
    EXPECT_EQ(&ret, &self);
    EXPECT_GT(self.version(), version);
    EXPECT_TRUE(all_close(self, want, {1e-6, 1e-6}));
    EXPECT_TRUE(all_close(base.transpose(0, 1), want, {1e-6, 1e-6}));
  }
}

TEST(PointwiseInPlace, ResultIsCastToSelf) {
  Tensor i = vec({1, 2, 3}, kInt64);
  ops::eq_(i, vec({1, 0, 3}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_TRUE(values_are(i, {1, 0, 1}));
  Tensor h = vec({1, 2}, kFloat16);
  ops::add_(h, vec({0.5, 0.25}, kFloat32));  // computed in float32, stored as float16
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_TRUE(values_are(h, {1.5, 2.25}));
  Tensor f = vec({1, 2});
  ops::add_(f, vec({1, 1}, kInt32));
  EXPECT_TRUE(values_are(f, {2, 3}));
  Tensor k = vec({4, 5}, kInt32);
  ops::add_(k, vec({1, 0}, kBool));
  EXPECT_TRUE(values_are(k, {5, 5}));
}

TEST(PointwiseInPlace, OverlappingOperandsReadOriginalValues) {
  Tensor a = from_values({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, kFloat32);
  const Tensor want = ops::add(a, a.t());
  ops::add_(a, a.t());
  EXPECT_TRUE(all_close(a, want, {0, 0}));
  Tensor v = vec({1, 2, 3, 4, 5});
  Tensor head = v.slice(0, 1, 5), tail = v.slice(0, 0, 4);
  ops::mul_(head, tail);  // v[1:] *= v[:-1] with the old values of v[:-1]
  EXPECT_TRUE(values_are(v, {1, 2, 6, 12, 20}));
  Tensor m = vec({0, 1, 0, 1}, kBool);
  ops::masked_fill_(m, m.slice(0, 0, 4).flatten(), true);
  EXPECT_TRUE(values_are(m, {0, 1, 0, 1}));
}

TEST(PointwiseInPlace, DTypeErrors) {
  Tensor i = vec({1, 2}, kInt64);
  EXPECT_MICA_ERROR(ops::exp_(i), "exp_", "float32", "int64");
  EXPECT_MICA_ERROR(ops::sigmoid_(i), "sigmoid_", "float32", "int64");
  EXPECT_MICA_ERROR(ops::add_(i, 1.5), "add_", "float32", "int64");
  EXPECT_MICA_ERROR(ops::div_(i, vec({1, 2}, kInt64)), "div_", "float32", "int64");
  EXPECT_MICA_ERROR(ops::clamp_(i, 0.5), "clamp_", "float32", "int64");
  EXPECT_MICA_ERROR(ops::addcmul_(i, vec({1, 2}), vec({1, 2})), "addcmul_", "float32", "int64");
  Tensor b = vec({1, 0}, kBool);
  EXPECT_MICA_ERROR(ops::add_(b, 1), "add_", "int64", "bool");
  EXPECT_MICA_ERROR(ops::relu_(b), "relu_", "bool");
  EXPECT_TRUE(values_are(i, {1, 2}));  // failed ops leave self untouched
}

TEST(PointwiseInPlace, ShapeErrors) {
  Tensor a = vec({1, 2, 3});
  EXPECT_MICA_ERROR(ops::add_(a, from_values({2, 3}, {1, 2, 3, 4, 5, 6}, kFloat32)), "add_",
                    "[2, 3]", "[3]");
  EXPECT_MICA_ERROR(ops::masked_fill_(a, from_values({2, 3}, {1, 0, 1, 0, 1, 0}, kBool), 1.0),
                    "masked_fill_", "[2, 3]", "[3]");
  EXPECT_MICA_ERROR(ops::addcmul_(a, vec({1, 2, 3}), from_values({2, 1}, {1, 2}, kFloat32)),
                    "addcmul_", "[2, 3]", "[3]");
  EXPECT_MICA_ERROR(ops::lerp_(a, from_values({2, 3}, {1, 2, 3, 4, 5, 6}, kFloat32), 0.5), "lerp_",
                    "[2, 3]", "[3]");
  Tensor e = vec({1}).expand({3});
  EXPECT_MICA_ERROR(ops::exp_(e), "exp_", "cannot write in place");
  EXPECT_MICA_ERROR(ops::mul_(e, 2.0), "mul_", "cannot write in place");
}

// ---- error messages ----
TEST(PointwiseErrors, Messages) {
  const Tensor a23 = from_values({2, 3}, {1, 2, 3, 4, 5, 6}, kFloat32);
  EXPECT_MICA_ERROR(ops::add(a23, vec({1, 2, 3, 4})), "add", "[2, 3]", "[4]",
                    "cannot be broadcast");
  EXPECT_MICA_ERROR(ops::eq(a23, vec({1, 2})), "eq", "[2, 3]", "[2]", "cannot be broadcast");
  EXPECT_MICA_ERROR(ops::where(vec({1, 0}, kBool), a23, vec({1, 2, 3})), "where", "[2]", "[2, 3]",
                    "cannot be broadcast");
  EXPECT_MICA_ERROR(ops::addcmul(a23, vec({1, 2, 3}), vec({1, 2})), "addcmul",
                    "cannot be broadcast");
  EXPECT_MICA_ERROR(ops::where(vec({1, 0}, kInt64), vec({1, 2}), vec({1, 2})), "where", "bool",
                    "int64");
  EXPECT_MICA_ERROR(ops::masked_fill(a23, vec({1, 0, 1}), 0.0), "masked_fill", "bool", "float32");
  EXPECT_MICA_ERROR(ops::masked_fill(a23, vec({1, 0, 1}, kBool), vec({2})), "masked_fill", "0-d",
                    "[1]");
  EXPECT_MICA_ERROR(ops::masked_fill(a23, vec({1, 0}, kBool), 0.0), "masked_fill", "[2, 3]", "[2]",
                    "cannot be broadcast");
  EXPECT_MICA_ERROR(ops::lerp(vec({1}), vec({1}, kFloat64), 0.5), "lerp", "float32", "float64");
  EXPECT_MICA_ERROR(ops::lerp(vec({1}), vec({1}), vec({1}, kFloat64)), "lerp", "weight", "float64");
  EXPECT_MICA_ERROR(ops::lerp(vec({1}, kInt64), vec({1}, kInt64), 0.5), "lerp", "int64");
  EXPECT_MICA_ERROR(ops::addcdiv(vec({1}), vec({1}, kInt64), vec({1}, kInt64)), "addcdiv",
                    "integer division", "int64");
  EXPECT_MICA_ERROR(ops::sub(vec({1}, kBool), vec({1}, kBool)), "sub", "bool");
  EXPECT_MICA_ERROR(ops::sub(vec({1}, kBool), 1), "sub", "bool");
  EXPECT_MICA_ERROR(ops::neg(vec({1}, kBool)), "neg", "bool");
  EXPECT_MICA_ERROR(ops::abs(vec({1}, kBool)), "abs", "bool");
  EXPECT_MICA_ERROR(ops::pow(vec({1}, kBool), vec({1}, kBool)), "pow", "bool");
  EXPECT_MICA_ERROR(ops::gelu(vec({1}, kInt64)), "gelu", "int64");
  EXPECT_MICA_ERROR(ops::silu(vec({1}, kInt32)), "silu", "int32");
  EXPECT_MICA_ERROR(ops::leaky_relu(vec({1}, kInt32)), "leaky_relu", "int32");
  EXPECT_MICA_ERROR(ops::gelu(vec({1}), "fast"), "gelu", "fast");
  EXPECT_MICA_ERROR(ops::div(vec({1}), vec({1}), "round"), "div", "round");
  EXPECT_MICA_ERROR(ops::div(vec({1, 2}, kInt64), vec({1, 0}, kInt64), "trunc"), "div",
                    "division by zero");
  EXPECT_MICA_ERROR(ops::div(vec({1, 2}, kInt32), 0, "floor"), "div", "division by zero");
  EXPECT_MICA_ERROR(ops::pow(vec({2}, kInt64), -1), "pow", "negative");
  EXPECT_MICA_ERROR(ops::add(vec({1}, kInt64), vec({1}, kInt64), 2.5), "add", "alpha", "2.5");
  EXPECT_MICA_ERROR(ops::clamp(vec({1}), std::optional<Scalar>(), std::optional<Scalar>()), "clamp",
                    "at least one");
  EXPECT_MICA_ERROR(ops::clamp(vec({1}, kBool), true, true), "clamp", "bool");
  EXPECT_MICA_ERROR(ops::clamp(vec({1}, kUInt8), -1, 300), "clamp", "-1", "uint8");
  EXPECT_MICA_ERROR(ops::add(Tensor(), vec({1})), "add", "undefined");
  EXPECT_MICA_ERROR(ops::where(vec({1}, kBool), Tensor(), vec({1})), "where", "undefined");
}

// ---- PyTorch's conventions at edge values ----
TEST(PointwiseSemantics, RoundsHalfToEven) {
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    Tensor r = ops::round(vec({0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 3.75}, dt));
    EXPECT_TRUE(values_are(r, {0, 2, 2, 0, -2, -2, 0, 4}));
  }
}

TEST(PointwiseSemantics, NaNAndInfinity) {
  EXPECT_TRUE(values_are(ops::log(vec({0, -1, kInf})), {-kInf, kNaN, kInf}));
  EXPECT_TRUE(values_are(ops::log(vec({0}, kInt64)), {-kInf}));
  EXPECT_TRUE(values_are(ops::rsqrt(vec({0, -1})), {kInf, kNaN}));
  EXPECT_TRUE(values_are(ops::relu(vec({kNaN, -kInf, -1, 2})), {kNaN, 0, 0, 2}));
  EXPECT_TRUE(values_are(ops::minimum(vec({kNaN, 1, 1}), vec({1, kNaN, 2})), {kNaN, kNaN, 1}));
  EXPECT_TRUE(values_are(ops::maximum(vec({kNaN, 1, 1}), vec({1, kNaN, 2})), {kNaN, kNaN, 2}));
  EXPECT_TRUE(values_are(ops::sign(vec({kNaN, -0.0, -3, kInf})), {0, 0, -1, 1}));
  EXPECT_TRUE(values_are(ops::sigmoid(vec({-1000, 1000})), {0, 1}));
  // scalar clamp: NaN inputs stay NaN; min > max gives max
  EXPECT_TRUE(values_are(ops::clamp(vec({kNaN, 5, -5}), 2, 1), {kNaN, 1, 1}));
  // tensor clamp: a NaN bound propagates
  EXPECT_TRUE(
      values_are(ops::clamp(vec({1, kNaN}), std::optional<Tensor>(vec({kNaN, 0}))), {kNaN, kNaN}));
  // pow with exponent 0.5 / -0.5 / -1 behaves like sqrt / rsqrt / reciprocal (signed zeros)
  Tensor p = ops::pow(vec({-0.0, -kInf, 4}), 0.5);
  EXPECT_TRUE(values_are(p, {0, kNaN, 2}));
  EXPECT_TRUE(std::signbit(p.data_ptr<float>()[0]));
  EXPECT_TRUE(values_are(ops::pow(vec({-0.0, 4}), -0.5), {-kInf, 0.5}));
  EXPECT_TRUE(values_are(ops::pow(vec({-0.0, 0.0}), -1), {-kInf, kInf}));
  // softplus returns x itself above the threshold
  EXPECT_TRUE(values_are(ops::softplus(vec({30, -100}), 2, 10), {30, 0}));
}

TEST(PointwiseSemantics, KnownActivationValues) {
  // Phi(1) = 0.841344746..., the tanh form gives 0.841191990...
  EXPECT_NEAR(ops::gelu(vec({1}, kFloat64)).item<double>(), 0.8413447460685429, 1e-12);
  EXPECT_NEAR(ops::gelu(vec({1}, kFloat64), "tanh").item<double>(), 0.8411919906082768, 1e-12);
  EXPECT_NEAR(ops::silu(vec({1}, kFloat64)).item<double>(), 0.7310585786300049, 1e-12);
  EXPECT_TRUE(values_are(ops::leaky_relu(vec({-2, 3})), {-0.02, 3}));
}

TEST(PointwiseSemantics, IntegerDivisionAndPowers) {
  // floor rounds toward -inf, trunc toward zero, for integers and floats alike
  for (DType dt : {kInt64, kInt32, kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    EXPECT_TRUE(values_are(ops::div(vec({-7, 7, -7, 7}, dt), vec({2, -2, -2, 2}, dt), "floor"),
                           {-4, -4, 3, 3}));
    EXPECT_TRUE(values_are(ops::div(vec({-7, 7, -7, 7}, dt), vec({2, -2, -2, 2}, dt), "trunc"),
                           {-3, -3, 3, 3}));
  }
  // Python semantics with an infinite divisor: -5 // inf == -1
  EXPECT_TRUE(values_are(ops::div(vec({-5, 5}), vec({kInf, kInf}), "floor"), {-1, 0}));
  // INT_MIN / -1 wraps instead of trapping
  const double int32_min = std::numeric_limits<int32_t>::min();
  EXPECT_TRUE(
      values_are(ops::div(vec({int32_min}, kInt32), vec({-1}, kInt32), "trunc"), {int32_min}));
  EXPECT_TRUE(values_are(ops::div(vec({int32_min}, kInt32), -1, "floor"), {int32_min}));
  // negative integer exponents truncate 1 / a^e; overflow wraps
  EXPECT_TRUE(values_are(ops::pow(vec({-2, 0, 1, -1, 2}, kInt64), vec({-1, -1, -2, -3, 3}, kInt64)),
                         {0, 0, 1, -1, 8}));
  EXPECT_TRUE(values_are(ops::pow(vec({2}, kInt32), vec({40}, kInt32)), {0}));
  EXPECT_TRUE(values_are(ops::neg(vec({200, 0}, kUInt8)), {56, 0}));
}

TEST(PointwiseSemantics, MaskedFillBroadcasts) {
  Tensor self = vec({1, 2, 3});
  Tensor mask = from_values({2, 1}, {1, 0}, kBool);
  Tensor r = ops::masked_fill(self, mask, scalar(9, kFloat64));
  EXPECT_EQ(r.sizes(), (Shape{2, 3}));
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(values_are(r, {9, 9, 9, 1, 2, 3}));
}

// Inputs above the parallel grain size, non-contiguous and broadcast, against a naive reference.
TEST(PointwiseLarge, ParallelNonContiguous) {
  std::mt19937_64 rng(11);
  const Tensor a = rand_tensor({300, 257}, kFloat32, rng).transpose(0, 1);
  const Tensor b = rand_tensor({300}, kFloat32, rng);
  const Tensor c = rand_tensor({257, 1}, kBool, rng);
  EXPECT_TRUE(
      all_close(ops::add(a, b, 0.5),
                ref_map({a, b}, [](const std::vector<double>& x) { return x[0] + 0.5 * x[1]; }),
                default_tol(kFloat32)));
  EXPECT_TRUE(all_close(
      ops::where(c, a, b),
      ref_map({c, a, b}, [](const std::vector<double>& x) { return x[0] != 0 ? x[1] : x[2]; }),
      {0, 0}));
  EXPECT_TRUE(all_close(ops::gelu(a),
                        ref_map({a},
                                [](const std::vector<double>& x) {
                                  return 0.5 * x[0] * (1 + std::erf(x[0] / std::sqrt(2.0)));
                                }),
                        default_tol(kFloat32)));
}

}  // namespace
}  // namespace mica::test
