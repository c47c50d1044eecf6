// Op-table rows for the pointwise family: each op against a float64 reference computed element
// by element with <cmath>, on contiguous, non-contiguous, broadcast (two- and three-way) and
// zero-size samples, NaN/inf/signed-zero edge cases for the floating dtypes, integer-valued
// samples where equality must occur (comparisons), and the ops' parameter variants.
//
// Autograd column: every floating-valued row has a grad (the mica:: API on the same sample),
// gradchecked and gradgradchecked on its float64 samples; float64 samples therefore stay off kinks
// and poles (ties of minimum/maximum, divisors near 0), which the other dtypes keep testing in
// forward. Comparisons, logical ops and the piecewise-constant ops (sign, floor, ceil, round,
// trunc, division with a rounding mode) are not differentiable: their mica:: results do not require
// grad.
#include <cmath>
#include <limits>
#include <numbers>

#include "op_table.h"

namespace mica::test {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kSpecials{kNaN, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0};
// lerp's result with infinite operands depends on the formula, so lerp rows use finite ones.
const std::vector<double> kFiniteSpecials{kNaN, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0};

// ---- value generators: a tensor of a shape and dtype ----
using Gen = std::function<Tensor(const Shape&, DType, std::mt19937_64&)>;

Gen uniform(double lo, double hi) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    return rand_tensor(s, dt, rng, lo, hi);
  };
}
// Integer values in [lo, hi) whatever the dtype, so that ties and equalities occur.
Gen integers(double lo, double hi) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    if (!is_floating(dt)) return rand_tensor(s, dt, rng, lo, hi);
    return rand_tensor(s, kInt64, rng, lo, hi).to(dt);
  };
}
// Integers without zero (integer divisors).
Gen nonzero(double lo, double hi) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    auto v = values(integers(lo, hi)(s, dt, rng));
    for (double& x : v)
      if (x == 0) x = 1;
    return from_values(s, v, dt);
  };
}
// Multiples of 0.5 for floating dtypes (round-half-to-even cases), integers otherwise.
Gen halves(double lo, double hi) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    if (!is_floating(dt)) return rand_tensor(s, dt, rng, lo, hi);
    auto v = values(rand_tensor(s, kInt64, rng, 2 * lo, 2 * hi));
    for (double& x : v) x /= 2;
    return from_values(s, v, dt);
  };
}
// Floating dtypes use f, the others i.
Gen by_kind(Gen f, Gen i) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    return is_floating(dt) ? f(s, dt, rng) : i(s, dt, rng);
  };
}
// float64 samples from f64 (gradchecked: off kinks and poles), other dtypes from other.
Gen for_f64(Gen f64, Gen other) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    return dt == kFloat64 ? f64(s, dt, rng) : other(s, dt, rng);
  };
}
// Magnitudes in [lo, hi) with random signs (divisors away from 0).
Gen signed_uniform(double lo, double hi) {
  return [=](const Shape& s, DType dt, std::mt19937_64& rng) {
    auto v = values(rand_tensor(s, kFloat64, rng, lo, hi));
    const auto negative = values(rand_tensor(s, kBool, rng));
    for (size_t i = 0; i < v.size(); ++i)
      if (negative[i] != 0) v[i] = -v[i];
    return from_values(s, v, dt);
  };
}
// Random bools whatever the dtype under test (conditions and masks).
Gen bools() {
  return [](const Shape& s, DType, std::mt19937_64& rng) { return rand_tensor(s, kBool, rng); };
}

// ---- samples: arity 1, 2 or 3, one generator per input ----
using Shapes = std::vector<Shape>;

std::vector<Sample> make_samples(int arity, const std::vector<Gen>& gens,
                                 const std::vector<double>& specials, DType dt,
                                 std::mt19937_64& rng) {
  std::vector<Shapes> sets;
  if (arity == 1) {
    sets = {{{}}, {{7}}, {{3, 4}}, {{2, 3, 5}}, {{0, 3}}};
  } else if (arity == 2) {
    sets = {{{}, {}},     {{7}, {7}},   {{3, 4}, {3, 4}}, {{3, 1}, {1, 4}},   {{2, 3, 4}, {4}},
            {{}, {3, 4}}, {{3, 4}, {}}, {{0, 4}, {1, 4}}, {{2, 1, 5}, {3, 1}}};
  } else {
    sets = {{{}, {}, {}},
            {{7}, {7}, {7}},
            {{3, 4}, {3, 4}, {3, 4}},
            {{3, 1}, {1, 4}, {3, 4}},
            {{2, 3, 4}, {4}, {3, 1}},
            {{}, {3, 4}, {}},
            {{0, 4}, {1, 4}, {4}},
            {{2, 1, 5}, {3, 1}, {1}}};
  }
  auto gen = [&](size_t k, const Shape& s) {
    return gens[std::min(k, gens.size() - 1)](s, dt, rng);
  };
  std::vector<Sample> out;
  for (const Shapes& shapes : sets) {
    Sample s;
    std::string desc;
    for (size_t k = 0; k < shapes.size(); ++k) {
      s.inputs.push_back(gen(k, shapes[k]));
      desc += (k ? " x " : "") + shape_str(shapes[k]);
    }
    s.desc = desc;
    out.push_back(s);
  }
  // non-contiguous variants: a transposed [4, 5] first input, a strided 1-d one, and a
  // non-contiguous later input
  {
    Sample s;
    s.inputs.push_back(non_contiguous(gen(0, {4, 5})));
    for (int k = 1; k < arity; ++k) s.inputs.push_back(gen(k, k == 1 ? Shape{4, 5} : Shape{5}));
    s.desc = "[4, 5] non-contiguous first";
    out.push_back(s);
  }
  {
    Sample s;
    for (int k = 0; k < arity; ++k) s.inputs.push_back(non_contiguous(gen(k, {6})));
    s.desc = "[6] strided";
    out.push_back(s);
  }
  if (arity >= 2) {
    Sample s;
    s.inputs.push_back(gen(0, {5}));
    s.inputs.push_back(non_contiguous(gen(1, {3, 5})));
    if (arity == 3) s.inputs.push_back(gen(2, {3, 1}));
    s.desc = "[5] x [3, 5] non-contiguous";
    out.push_back(s);
  }
  // edge values: every combination of the special values across the inputs
  if (is_floating(dt) && !specials.empty()) {
    const int64_t n = static_cast<int64_t>(specials.size());
    Sample s;
    for (int k = 0; k < arity; ++k) {
      Shape shape(arity, 1);
      shape[k] = n;
      s.inputs.push_back(from_values(shape, specials, dt));
    }
    s.desc = "NaN/inf/signed-zero edge values";
    out.push_back(s);
  }
  return out;
}

// ---- parameter sets (scalars and flags passed through Sample::ints / reals) ----
struct Params {
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::string desc;
};
using ParamsFn = std::function<std::vector<Params>(DType)>;

// A scalar argument stored as (kind, value): kind 0 float, 1 int, 2 bool.
enum Kind : int64_t { kF = 0, kI = 1, kB = 2 };
Scalar make_scalar(int64_t kind, double v) {
  if (kind == kB) return Scalar(v != 0);
  if (kind == kI) return Scalar(static_cast<int64_t>(v));
  return Scalar(v);
}
// The k-th scalar of a sample whose ints hold kinds and reals values.
Scalar arg(const Sample& s, size_t k) {
  return make_scalar(s.ints.at(k), s.reals.at(k));
}
// dtype of a dt tensor combined with a scalar of the given kind (PyTorch's rule).
DType with_scalar(DType dt, int64_t kind) {
  if (kind == kF && !is_floating(dt)) return kFloat32;
  if (kind == kI && dt == kBool) return kInt64;
  return dt;
}
// One scalar per set, of the kind natural for the dtype (bool, int or float).
ParamsFn scalars(std::vector<double> floats, std::vector<double> ints, std::vector<double> bools) {
  return [=](DType dt) {
    const auto& vs = dt == kBool ? bools : is_floating(dt) ? floats : ints;
    const int64_t kind = dt == kBool ? kB : is_floating(dt) ? kF : kI;
    std::vector<Params> ps;
    for (double v : vs) ps.push_back({{kind}, {v}, "scalar " + std::to_string(v)});
    return ps;
  };
}
// Scalars of every kind (promotion across categories), same sets for every dtype.
ParamsFn mixed_scalars(std::vector<std::pair<int64_t, double>> list) {
  return [=](DType) {
    std::vector<Params> ps;
    for (auto [k, v] : list)
      ps.push_back({{k},
                    {v},
                    std::string(k == kF   ? "float "
                                : k == kI ? "int "
                                          : "bool ") +
                        std::to_string(v)});
    return ps;
  };
}

// ---- the row builder ----
enum class Out { Same, Float, Bool };  // result: input dtype, float32 for integers, or bool
DType out_dtype(Out rule, DType dt) {
  if (rule == Out::Bool) return kBool;
  if (rule == Out::Float && !is_floating(dt)) return kFloat32;
  return dt;
}

using Ref = std::function<double(const std::vector<double>&, const Sample&)>;
using Run = std::function<Tensor(const Sample&)>;
using DTypeFn = std::function<DType(const Sample&)>;

struct Row {
  std::string name;
  std::vector<DType> dtypes;
  int arity = 1;
  std::vector<Gen> gens{uniform(-2, 2)};
  std::vector<double> specials = kSpecials;
  ParamsFn params;  // none: one run per sample
  Run run;
  Ref ref;
  Out out = Out::Same;
  DTypeFn result_dtype;  // overrides out when the dtype depends on the sample's scalars
  Run grad;              // the differentiable API on the sample (OpInfo::grad_run)
  bool gradgrad = true;  // every backward here is written with differentiable ops
  bool differentiable = true;
};

OpInfo build(Row r) {
  OpInfo info;
  info.name = r.name;
  info.dtypes = r.dtypes;
  info.samples = [r](DType dt, std::mt19937_64& rng) {
    auto base = make_samples(r.arity, r.gens, r.specials, dt, rng);
    if (!r.params) return base;
    std::vector<Sample> out;
    for (const Params& p : r.params(dt))
      for (Sample s : base) {
        s.ints = p.ints;
        s.reals = p.reals;
        s.desc += ", " + p.desc;
        out.push_back(s);
      }
    return out;
  };
  auto expected_dtype = [r](const Sample& s) {
    return r.result_dtype ? r.result_dtype(s) : out_dtype(r.out, s.dtype);
  };
  info.run = [r, expected_dtype](const Sample& s) {
    Tensor t = r.run(s);
    EXPECT_EQ(t.dtype(), expected_dtype(s)) << r.name << " result dtype";
    return std::vector<Tensor>{t};
  };
  info.reference = [r, expected_dtype](const Sample& s) {
    const DType odt = expected_dtype(s);
    return std::vector<Tensor>{
        ref_map(s.inputs, [&](const std::vector<double>& x) { return cast_to(odt, r.ref(x, s)); })};
  };
  // integer inputs of float-valued ops give float32 results: judge them as float32
  info.tol = [](DType dt) { return default_tol(is_floating(dt) ? dt : kFloat32); };
  if (r.grad) info.grad_run = [g = r.grad](const Sample& s) { return std::vector<Tensor>{g(s)}; };
  info.gradgrad = r.gradgrad;
  info.differentiable = r.differentiable;
  return info;
}

Row unary(std::string name, std::vector<DType> dtypes, std::function<Tensor(const Tensor&)> op,
          std::function<double(double)> ref) {
  Row r;
  r.name = std::move(name);
  r.dtypes = std::move(dtypes);
  r.run = [op](const Sample& s) { return op(s.inputs[0]); };
  r.ref = [ref](const std::vector<double>& x, const Sample&) { return ref(x[0]); };
  return r;
}
Row binary(std::string name, std::vector<DType> dtypes,
           std::function<Tensor(const Tensor&, const Tensor&)> op,
           std::function<double(double, double)> ref) {
  Row r;
  r.name = std::move(name);
  r.dtypes = std::move(dtypes);
  r.arity = 2;
  r.run = [op](const Sample& s) { return op(s.inputs[0], s.inputs[1]); };
  r.ref = [ref](const std::vector<double>& x, const Sample&) { return ref(x[0], x[1]); };
  return r;
}
// tensor op scalar; the scalar comes from the sample's first parameter.
Row with_scalar_row(std::string name, std::vector<DType> dtypes,
                    std::function<Tensor(const Tensor&, const Scalar&)> op,
                    std::function<double(double, double)> ref, ParamsFn params,
                    bool int_to_float = false) {
  Row r = unary(std::move(name), std::move(dtypes), nullptr, nullptr);
  r.run = [op](const Sample& s) { return op(s.inputs[0], arg(s, 0)); };
  r.ref = [ref](const std::vector<double>& x, const Sample& s) { return ref(x[0], s.reals[0]); };
  r.params = std::move(params);
  r.result_dtype = [int_to_float](const Sample& s) {
    const DType d = with_scalar(s.dtype, s.ints[0]);
    return int_to_float && !is_floating(d) ? kFloat32 : d;
  };
  return r;
}

// grad runs: the mica:: op on the sample's inputs
Run grad1(std::function<Tensor(const Tensor&)> f) {
  return [f](const Sample& s) { return f(s.inputs[0]); };
}
Run grad2(std::function<Tensor(const Tensor&, const Tensor&)> f) {
  return [f](const Sample& s) { return f(s.inputs[0], s.inputs[1]); };
}
Run grad_scalar(std::function<Tensor(const Tensor&, const Scalar&)> f) {
  return [f](const Sample& s) { return f(s.inputs[0], arg(s, 0)); };
}

// ---- reference semantics (naive double math) ----
bool nan_in(std::initializer_list<double> xs) {
  for (double x : xs)
    if (std::isnan(x)) return true;
  return false;
}
double ref_min(double a, double b) {
  return nan_in({a, b}) ? kNaN : (a < b ? a : b);
}
double ref_max(double a, double b) {
  return nan_in({a, b}) ? kNaN : (a > b ? a : b);
}
// Python's floor division: the floor of the exact quotient; x / 0 is +-inf or NaN.
double ref_floor_div(double a, double b) {
  if (nan_in({a, b})) return kNaN;
  if (b == 0) return a / b;
  if (std::isinf(a)) return kNaN;
  if (std::isinf(b)) return a == 0 ? 0.0 : ((a < 0) != (b < 0) ? -1.0 : 0.0);
  return std::floor(a / b);
}
// Integer power; negative exponents truncate 1 / a^-e toward zero.
double ref_int_pow(double a, double e) {
  if (e < 0) return a == 1 ? 1 : a == -1 ? (std::fmod(-e, 2) == 1 ? -1 : 1) : 0;
  double r = 1;
  for (int i = 0; i < static_cast<int>(e); ++i) r *= a;
  return r;
}
// Round half to even, spelled out.
double ref_round(double x) {
  if (!std::isfinite(x)) return x;
  const double f = std::floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return std::fmod(f, 2) == 0 ? f : f + 1;
}
double ref_clamp_scalar(double x, bool has_lo, double lo, bool has_hi, double hi) {
  if (std::isnan(x)) return x;
  double r = x;
  if (has_lo && r < lo) r = lo;
  if (has_hi && r > hi) r = hi;
  return r;
}
}  // namespace

std::vector<OpInfo> pointwise_op_infos() {
  const std::vector<DType> floating = kFloatingDTypes;
  const std::vector<DType> numeric = kNumericDTypes;
  const std::vector<DType> all = kAllDTypes;
  std::vector<Row> rows;

  // ---- binary arithmetic ----
  rows.push_back(binary(
      "add", all, [](auto& a, auto& b) { return ops::add(a, b); },
      [](double a, double b) { return a + b; }));
  rows.back().grad = [](const Sample& s) { return add(s.inputs[0], s.inputs[1]); };
  rows.push_back(binary(
      "sub", numeric, [](auto& a, auto& b) { return ops::sub(a, b); },
      [](double a, double b) { return a - b; }));
  rows.back().grad = grad2([](auto& a, auto& b) { return sub(a, b); });
  for (const char* name : {"add_alpha", "sub_alpha"}) {
    const bool is_add = name[0] == 'a';
    Row r = binary(name, is_add ? all : numeric, nullptr, nullptr);
    r.run = [is_add](const Sample& s) {
      return is_add ? ops::add(s.inputs[0], s.inputs[1], arg(s, 0))
                    : ops::sub(s.inputs[0], s.inputs[1], arg(s, 0));
    };
    r.ref = [is_add](const std::vector<double>& x, const Sample& s) {
      return is_add ? x[0] + s.reals[0] * x[1] : x[0] - s.reals[0] * x[1];
    };
    r.params = scalars({-0.5, 2.25}, {3, -2}, {1});
    r.grad = [is_add](const Sample& s) {
      return is_add ? add(s.inputs[0], s.inputs[1], arg(s, 0))
                    : sub(s.inputs[0], s.inputs[1], arg(s, 0));
    };
    rows.push_back(r);
  }
  rows.push_back(binary(
      "mul", all, [](auto& a, auto& b) { return ops::mul(a, b); },
      [](double a, double b) { return a * b; }));
  rows.back().grad = grad2([](auto& a, auto& b) { return mul(a, b); });
  rows.push_back(binary(
      "div", all, [](auto& a, auto& b) { return ops::div(a, b); },
      [](double a, double b) { return a / b; }));
  rows.back().out = Out::Float;
  rows.back().gens = {uniform(-2, 2), for_f64(signed_uniform(0.25, 2), uniform(-2, 2))};
  rows.back().grad = grad2([](auto& a, auto& b) { return div(a, b); });
  rows.push_back(binary(
      "div_trunc", numeric, [](auto& a, auto& b) { return ops::div(a, b, "trunc"); },
      [](double a, double b) { return std::trunc(a / b); }));
  rows.back().gens = {integers(-6, 7), nonzero(-3, 4)};
  rows.back().differentiable = false;
  rows.push_back(binary(
      "div_floor", numeric, [](auto& a, auto& b) { return ops::div(a, b, "floor"); },
      ref_floor_div));
  rows.back().gens = {integers(-6, 7), nonzero(-3, 4)};
  rows.back().differentiable = false;
  rows.push_back(binary(
      "pow", numeric, [](auto& a, auto& b) { return ops::pow(a, b); },
      [](double a, double b) { return std::pow(a, b); }));
  rows.back().gens = {by_kind(uniform(0.25, 2), integers(-3, 4)),
                      by_kind(uniform(-2, 2), integers(-2, 4))};
  rows.back().ref = [](const std::vector<double>& x, const Sample& s) {
    return is_floating(s.dtype) ? std::pow(x[0], x[1]) : ref_int_pow(x[0], x[1]);
  };
  rows.back().grad = grad2([](auto& a, auto& b) { return pow(a, b); });
  rows.push_back(binary(
      "minimum", all, [](auto& a, auto& b) { return ops::minimum(a, b); }, ref_min));
  rows.push_back(binary(
      "maximum", all, [](auto& a, auto& b) { return ops::maximum(a, b); }, ref_max));
  // ties (integers) for the forward; float64 off ties, where the derivative does not exist (the
  // tie rule is tested in tests/autograd/pointwise_gradcheck_test.cpp)
  for (Row* r : {&rows[rows.size() - 2], &rows.back()})
    r->gens = {for_f64(uniform(-3, 4), integers(-3, 4))};
  rows[rows.size() - 2].grad = grad2([](auto& a, auto& b) { return minimum(a, b); });
  rows.back().grad = grad2([](auto& a, auto& b) { return maximum(a, b); });
  // Fused first-order activation gradients (a = grad_output): raw kernels that autograd's
  // SiLU / ReLU / LeakyReLU backward use when no graph of the gradient is built.
  rows.push_back(binary(
      "silu_backward", floating, [](auto& g, auto& x) { return ops::silu_backward(g, x); },
      [](double g, double x) {
        const double s = 1 / (1 + std::exp(-x));
        return g * s * (1 + x * (1 - s));
      }));
  rows.back().gens = {uniform(-2, 2), uniform(-6, 6)};
  rows.push_back(binary(
      "relu_backward", floating, [](auto& g, auto& y) { return ops::relu_backward(g, y); },
      [](double g, double y) { return y > 0 ? g : 0.0; }));
  rows.push_back(binary(
      "leaky_relu_backward", floating,
      [](auto& g, auto& x) { return ops::leaky_relu_backward(g, x, 0.2); },
      [](double g, double x) { return x > 0 ? g : 0.2 * g; }));
  for (Row* r : {&rows[rows.size() - 3], &rows[rows.size() - 2], &rows.back()})
    r->differentiable = false;

  // ---- comparisons and logical ops: integer values so that equality occurs ----
  struct Cmp {
    const char* name;
    Tensor (*op)(const Tensor&, const Tensor&);
    double (*ref)(double, double);
    Tensor (*scalar_op)(const Tensor&, const Scalar&) = nullptr;
  };
  const std::vector<Cmp> cmps{
      {"eq", ops::eq, [](double a, double b) { return double(a == b); }, ops::eq},
      {"ne", ops::ne, [](double a, double b) { return double(a != b); }, ops::ne},
      {"lt", ops::lt, [](double a, double b) { return double(a < b); }, ops::lt},
      {"le", ops::le, [](double a, double b) { return double(a <= b); }, ops::le},
      {"gt", ops::gt, [](double a, double b) { return double(a > b); }, ops::gt},
      {"ge", ops::ge, [](double a, double b) { return double(a >= b); }, ops::ge},
      {"logical_and", ops::logical_and,
       [](double a, double b) { return double(a != 0 && b != 0); }},
      {"logical_or", ops::logical_or, [](double a, double b) { return double(a != 0 || b != 0); }},
      {"logical_xor", ops::logical_xor,
       [](double a, double b) { return double((a != 0) != (b != 0)); }},
  };
  for (const Cmp& c : cmps) {
    rows.push_back(binary(c.name, all, c.op, c.ref));
    rows.back().gens = {integers(-2, 3)};
    rows.back().out = Out::Bool;
    rows.back().differentiable = false;
  }

  // ---- tensor op scalar (the scalar's kind takes part in promotion) ----
  const auto kinds = mixed_scalars({{kI, 2}, {kF, 1.5}, {kF, -0.75}, {kB, 1}});
  rows.push_back(with_scalar_row(
      "add_scalar", all, [](auto& a, auto& s) { return ops::add(a, s); },
      [](double a, double s) { return a + s; }, kinds));
  rows.back().grad = grad_scalar([](auto& a, auto& s) { return add(a, s); });
  rows.push_back(with_scalar_row(
      "sub_scalar", numeric, [](auto& a, auto& s) { return ops::sub(a, s); },
      [](double a, double s) { return a - s; }, mixed_scalars({{kI, 2}, {kF, 1.5}})));
  rows.back().grad = grad_scalar([](auto& a, auto& s) { return sub(a, s); });
  rows.push_back(with_scalar_row(
      "mul_scalar", all, [](auto& a, auto& s) { return ops::mul(a, s); },
      [](double a, double s) { return a * s; }, kinds));
  rows.back().grad = grad_scalar([](auto& a, auto& s) { return mul(a, s); });
  rows.push_back(with_scalar_row(
      "div_scalar", all, [](auto& a, auto& s) { return ops::div(a, s); },
      [](double a, double s) { return a / s; },
      mixed_scalars({{kI, 2}, {kI, -3}, {kF, 1.5}, {kF, -0.75}}), true));
  rows.back().grad = grad_scalar([](auto& a, auto& s) { return div(a, s); });
  rows.push_back(with_scalar_row(
      "div_floor_scalar", numeric, [](auto& a, auto& s) { return ops::div(a, s, "floor"); },
      ref_floor_div, mixed_scalars({{kI, 2}, {kI, 3}, {kF, 1.5}, {kF, -1.5}})));
  rows.back().gens = {integers(-6, 7)};
  rows.back().differentiable = false;
  const auto cmp_scalars = mixed_scalars({{kI, 1}, {kI, 0}, {kF, 1.5}, {kF, -1.0}});
  for (const Cmp& c : cmps) {
    if (!c.scalar_op) continue;
    Row r = with_scalar_row(std::string(c.name) + "_scalar", all, c.scalar_op, c.ref, cmp_scalars);
    r.gens = {integers(-2, 3)};
    r.result_dtype = [](const Sample&) { return kBool; };
    r.differentiable = false;
    rows.push_back(r);
  }

  // ---- unary arithmetic and rounding ----
  rows.push_back(unary(
      "neg", numeric, [](auto& a) { return ops::neg(a); }, [](double a) { return -a; }));
  rows.back().grad = grad1([](auto& a) { return neg(a); });
  rows.push_back(unary(
      "abs", numeric, [](auto& a) { return ops::abs(a); }, [](double a) { return std::fabs(a); }));
  rows.back().grad = grad1([](auto& a) { return abs(a); });
  rows.push_back(unary(
      "sign", all, [](auto& a) { return ops::sign(a); },
      [](double a) { return std::isnan(a) ? 0.0 : double(a > 0) - double(a < 0); }));
  rows.push_back(unary(
      "floor", numeric, [](auto& a) { return ops::floor(a); },
      [](double a) { return std::floor(a); }));
  rows.push_back(unary(
      "ceil", numeric, [](auto& a) { return ops::ceil(a); },
      [](double a) { return std::ceil(a); }));
  rows.push_back(unary(
      "trunc", numeric, [](auto& a) { return ops::trunc(a); },
      [](double a) { return std::trunc(a); }));
  for (Row* r : {&rows[rows.size() - 3], &rows[rows.size() - 2], &rows.back()})
    r->gens = {uniform(-3, 3)};
  rows.push_back(unary(
      "round", numeric, [](auto& a) { return ops::round(a); }, ref_round));
  rows.back().gens = {halves(-3, 3)};
  // piecewise constant: no gradient (see the top of this file)
  for (size_t k = rows.size() - 5; k < rows.size(); ++k) rows[k].differentiable = false;
  rows.push_back(unary(
      "logical_not", all, [](auto& a) { return ops::logical_not(a); },
      [](double a) { return double(a == 0); }));
  rows.back().gens = {integers(-1, 2)};
  rows.back().out = Out::Bool;
  rows.back().differentiable = false;

  // ---- floating math: integer and bool inputs give float32 ----
  struct Math {
    const char* name;
    Tensor (*op)(const Tensor&);
    double (*ref)(double);
    double lo, hi;
    Tensor (*grad)(const Tensor&);
  };
  const std::vector<Math> maths{
      {"exp", ops::exp, [](double a) { return std::exp(a); }, -2, 2, mica::exp},
      {"log", ops::log, [](double a) { return std::log(a); }, 0.05, 4, mica::log},
      {"log1p", ops::log1p, [](double a) { return std::log1p(a); }, -0.9, 3, mica::log1p},
      {"expm1", ops::expm1, [](double a) { return std::expm1(a); }, -2, 2, mica::expm1},
      {"sqrt", ops::sqrt, [](double a) { return std::sqrt(a); }, 0.05, 4, mica::sqrt},
      {"rsqrt", ops::rsqrt, [](double a) { return 1 / std::sqrt(a); }, 0.05, 4, mica::rsqrt},
      {"sin", ops::sin, [](double a) { return std::sin(a); }, -3, 3, mica::sin},
      {"cos", ops::cos, [](double a) { return std::cos(a); }, -3, 3, mica::cos},
      {"tanh", ops::tanh, [](double a) { return std::tanh(a); }, -3, 3, mica::tanh},
      {"sigmoid", ops::sigmoid, [](double a) { return 1 / (1 + std::exp(-a)); }, -4, 4,
       mica::sigmoid},
      {"erf", ops::erf, [](double a) { return std::erf(a); }, -2.5, 2.5, mica::erf},
  };
  for (const Math& m : maths) {
    rows.push_back(unary(m.name, all, m.op, m.ref));
    rows.back().gens = {uniform(m.lo, m.hi)};
    rows.back().out = Out::Float;
    rows.back().grad = grad1(m.grad);
  }

  // ---- activations ----
  rows.push_back(unary(
      "relu", numeric, [](auto& a) { return ops::relu(a); },
      [](double a) { return std::isnan(a) ? a
                            : a > 0       ? a
                                          : 0.0; }));
  rows.push_back(unary(
      "gelu", floating, [](auto& a) { return ops::gelu(a); },
      [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }));
  rows.push_back(unary(
      "gelu_tanh", floating, [](auto& a) { return ops::gelu(a, "tanh"); },
      [](double x) {
        const double k = std::sqrt(2 / std::numbers::pi);
        return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
      }));
  rows.push_back(unary(
      "silu", floating, [](auto& a) { return ops::silu(a); },
      [](double x) { return x / (1 + std::exp(-x)); }));
  for (Row* r :
       {&rows[rows.size() - 4], &rows[rows.size() - 3], &rows[rows.size() - 2], &rows.back()})
    r->gens = {uniform(-4, 4)};
  rows[rows.size() - 4].grad = grad1([](auto& a) { return relu(a); });
  rows[rows.size() - 3].grad = grad1([](auto& a) { return gelu(a); });
  rows[rows.size() - 2].grad = grad1([](auto& a) { return gelu(a, "tanh"); });
  rows.back().grad = grad1([](auto& a) { return silu(a); });
  {
    Row r = unary("softplus", floating, nullptr, nullptr);
    r.gens = {uniform(-4, 4)};
    r.params = [](DType) {  // (beta, threshold), thresholds crossed inside the sample range
      return std::vector<Params>{{{}, {1, 20}, "beta 1, threshold 20"},
                                 {{}, {2, 1}, "beta 2, threshold 1"},
                                 {{}, {0.5, 0.5}, "beta 0.5, threshold 0.5"}};
    };
    r.run = [](const Sample& s) { return ops::softplus(s.inputs[0], s.reals[0], s.reals[1]); };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      const double beta = s.reals[0], threshold = s.reals[1];
      return x[0] * beta > threshold ? x[0] : std::log(1 + std::exp(beta * x[0])) / beta;
    };
    r.grad = [](const Sample& s) { return softplus(s.inputs[0], s.reals[0], s.reals[1]); };
    rows.push_back(r);
  }
  {
    Row r = unary("leaky_relu", floating, nullptr, nullptr);
    r.params = [](DType) {
      return std::vector<Params>{
          {{}, {0.01}, "slope 0.01"}, {{}, {0.2}, "slope 0.2"}, {{}, {-1.5}, "slope -1.5"}};
    };
    r.run = [](const Sample& s) { return ops::leaky_relu(s.inputs[0], s.reals[0]); };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return x[0] > 0 ? x[0] : x[0] * s.reals[0];
    };
    r.grad = [](const Sample& s) { return leaky_relu(s.inputs[0], s.reals[0]); };
    rows.push_back(r);
  }

  // ---- clamp: scalar bounds (either optional), tensor bounds (NaN-propagating) ----
  {
    Row r = unary("clamp", numeric, nullptr, nullptr);
    r.gens = {uniform(-3, 4)};
    // ints: {kind, has_min, has_max}; reals: {min, max}
    r.params = [](DType dt) {
      const int64_t k = is_floating(dt) ? kF : kI;
      if (is_floating(dt))
        return std::vector<Params>{{{k, 1, 1}, {-0.5, 0.7}, "min -0.5, max 0.7"},
                                   {{k, 1, 0}, {0.3, 0}, "min 0.3"},
                                   {{k, 0, 1}, {0, -0.2}, "max -0.2"},
                                   {{k, 1, 1}, {1, -1}, "min 1 > max -1"}};
      return std::vector<Params>{{{k, 1, 1}, {1, 2}, "min 1, max 2"},
                                 {{k, 1, 0}, {1, 0}, "min 1"},
                                 {{k, 0, 1}, {0, 2}, "max 2"},
                                 {{k, 1, 1}, {2, 1}, "min 2 > max 1"}};
    };
    auto bounds = [](const Sample& s) {
      std::optional<Scalar> lo, hi;
      if (s.ints[1]) lo = make_scalar(s.ints[0], s.reals[0]);
      if (s.ints[2]) hi = make_scalar(s.ints[0], s.reals[1]);
      return std::pair{lo, hi};
    };
    r.run = [bounds](const Sample& s) {
      const auto [lo, hi] = bounds(s);
      return ops::clamp(s.inputs[0], lo, hi);
    };
    r.grad = [bounds](const Sample& s) {
      const auto [lo, hi] = bounds(s);
      return clamp(s.inputs[0], lo, hi);
    };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return ref_clamp_scalar(x[0], s.ints[1], s.reals[0], s.ints[2], s.reals[1]);
    };
    rows.push_back(r);
  }
  {
    Row r;
    r.name = "clamp_tensor";
    r.dtypes = numeric;
    r.arity = 3;
    r.gens = {uniform(-3, 4), uniform(-2, 1), uniform(-1, 3)};
    r.run = [](const Sample& s) {
      return ops::clamp(s.inputs[0], std::optional<Tensor>(s.inputs[1]),
                        std::optional<Tensor>(s.inputs[2]));
    };
    r.ref = [](const std::vector<double>& x, const Sample&) {
      return ref_min(ref_max(x[0], x[1]), x[2]);
    };
    r.grad = [](const Sample& s) {
      return clamp(s.inputs[0], std::optional<Tensor>(s.inputs[1]),
                   std::optional<Tensor>(s.inputs[2]));
    };
    rows.push_back(r);
  }
  rows.push_back(binary(
      "clamp_min_tensor", numeric,
      [](auto& a, auto& b) { return ops::clamp(a, std::optional<Tensor>(b), std::nullopt); },
      ref_max));
  rows.back().grad = grad2([](auto& a, auto& b) { return clamp_min(a, b); });
  rows.push_back(binary(
      "clamp_max_tensor", numeric,
      [](auto& a, auto& b) { return ops::clamp(a, std::nullopt, std::optional<Tensor>(b)); },
      ref_min));
  rows.back().grad = grad2([](auto& a, auto& b) { return clamp_max(a, b); });

  // ---- pow with a scalar exponent or a scalar base ----
  {
    Row r = with_scalar_row(
        "pow_scalar", numeric, [](auto& a, auto& e) { return ops::pow(a, e); },
        [](double a, double e) { return std::pow(a, e); },
        scalars({2, 0.5, -1, 3, -0.5, -2, 1.7, 0}, {0, 1, 2, 3}, {}));
    r.gens = {by_kind(uniform(0.1, 2), integers(-3, 4))};
    r.specials = {kNaN, kInf, 0.0, 1.0, -1.0, 0.5, 2.0, -2.5};  // -0 and -inf: see pointwise_test
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return is_floating(s.dtype) ? std::pow(x[0], s.reals[0]) : ref_int_pow(x[0], s.reals[0]);
    };
    r.grad = grad_scalar([](auto& a, auto& e) { return pow(a, e); });
    rows.push_back(r);
  }
  {
    Row r = with_scalar_row(
        "pow_scalar_base", numeric, [](auto& e, auto& b) { return ops::pow(b, e); },
        [](double e, double b) { return std::pow(b, e); }, scalars({2, 0.5, -1.5}, {2, -3}, {}));
    r.gens = {by_kind(uniform(-2, 2), integers(0, 4))};
    // a negative base has NaN derivatives (b^e log b): float64, gradchecked, uses 1.5 instead
    const ParamsFn base = r.params;
    r.params = [base](DType dt) {
      auto ps = base(dt);
      if (dt == kFloat64)
        for (Params& p : ps)
          if (p.reals[0] < 0) {
            p.reals[0] = -p.reals[0];
            p.desc = "scalar " + std::to_string(p.reals[0]);
          }
      return ps;
    };
    r.grad = [](const Sample& s) { return pow(arg(s, 0), s.inputs[0]); };
    rows.push_back(r);
  }

  // ---- lerp ----
  {
    Row r = binary("lerp_scalar", floating, nullptr, nullptr);
    r.params = scalars({0.3, 0.75, -0.5, 1.5}, {}, {});
    r.specials = kFiniteSpecials;
    r.run = [](const Sample& s) { return ops::lerp(s.inputs[0], s.inputs[1], arg(s, 0)); };
    r.grad = [](const Sample& s) { return lerp(s.inputs[0], s.inputs[1], arg(s, 0)); };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return x[0] + s.reals[0] * (x[1] - x[0]);
    };
    rows.push_back(r);
  }
  {
    Row r;
    r.name = "lerp";
    r.dtypes = floating;
    r.arity = 3;
    r.gens = {uniform(-2, 2), uniform(-2, 2), uniform(-0.5, 1.5)};
    r.specials = kFiniteSpecials;
    r.run = [](const Sample& s) { return ops::lerp(s.inputs[0], s.inputs[1], s.inputs[2]); };
    r.grad = [](const Sample& s) { return lerp(s.inputs[0], s.inputs[1], s.inputs[2]); };
    r.ref = [](const std::vector<double>& x, const Sample&) { return x[0] + x[2] * (x[1] - x[0]); };
    rows.push_back(r);
  }

  // ---- where, masked_fill ----
  {
    Row r;
    r.name = "where";
    r.dtypes = all;
    r.arity = 3;
    r.gens = {bools(), uniform(-2, 2)};
    r.specials = {};
    r.run = [](const Sample& s) { return ops::where(s.inputs[0], s.inputs[1], s.inputs[2]); };
    r.grad = [](const Sample& s) { return where(s.inputs[0], s.inputs[1], s.inputs[2]); };
    r.ref = [](const std::vector<double>& x, const Sample&) { return x[0] != 0 ? x[1] : x[2]; };
    rows.push_back(r);
  }
  {
    Row r;
    r.name = "masked_fill";
    r.dtypes = all;
    r.arity = 2;
    r.gens = {uniform(-2, 2), bools()};
    r.specials = {};
    // ints: {kind, value as a 0-d tensor}
    r.params = [](DType dt) {
      const int64_t k = dt == kBool ? kB : is_floating(dt) ? kF : kI;
      const double v = dt == kBool ? 1 : is_floating(dt) ? -1.5 : 7;
      return std::vector<Params>{{{k, 0}, {v}, "scalar value"}, {{k, 1}, {v}, "0-d tensor value"}};
    };
    r.run = [](const Sample& s) {
      const Scalar v = arg(s, 0);
      if (s.ints[1])
        return ops::masked_fill(s.inputs[0], s.inputs[1], full({}, v, TensorOptions(s.dtype)));
      return ops::masked_fill(s.inputs[0], s.inputs[1], v);
    };
    r.grad = [](const Sample& s) {
      const Scalar v = arg(s, 0);
      if (s.ints[1])
        return masked_fill(s.inputs[0], s.inputs[1], full({}, v, TensorOptions(s.dtype)));
      return masked_fill(s.inputs[0], s.inputs[1], v);
    };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return x[1] != 0 ? s.reals[0] : x[0];
    };
    rows.push_back(r);
  }

  // ---- addcmul, addcdiv ----
  {
    Row r;
    r.name = "addcmul";
    r.dtypes = numeric;
    r.arity = 3;
    r.gens = {uniform(-2, 3)};
    r.params = scalars({0.5, -2}, {2, -1}, {});
    r.run = [](const Sample& s) {
      return ops::addcmul(s.inputs[0], s.inputs[1], s.inputs[2], arg(s, 0));
    };
    r.grad = [](const Sample& s) {
      return addcmul(s.inputs[0], s.inputs[1], s.inputs[2], arg(s, 0));
    };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return x[0] + s.reals[0] * x[1] * x[2];
    };
    rows.push_back(r);
  }
  {
    Row r;
    r.name = "addcdiv";
    r.dtypes = floating;
    r.arity = 3;
    r.gens = {uniform(-2, 2), uniform(-2, 2), uniform(0.5, 2)};
    r.params = scalars({0.5, -2}, {}, {});
    r.run = [](const Sample& s) {
      return ops::addcdiv(s.inputs[0], s.inputs[1], s.inputs[2], arg(s, 0));
    };
    r.grad = [](const Sample& s) {
      return addcdiv(s.inputs[0], s.inputs[1], s.inputs[2], arg(s, 0));
    };
    r.ref = [](const std::vector<double>& x, const Sample& s) {
      return x[0] + s.reals[0] * x[1] / x[2];
    };
    rows.push_back(r);
  }

  std::vector<OpInfo> infos;
  for (Row& r : rows) infos.push_back(build(std::move(r)));
  return infos;
}

}  // namespace mica::test
