// Helpers shared by the gradcheck tests: deterministic float64 leaves (contiguous, transposed,
// strided), with values kept away from non-differentiable points, and gtest assertions around
// autograd::gradcheck / gradgradcheck with the default tolerances (eps 1e-6, atol 1e-5, rtol 1e-3).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "autograd/function.h"
#include "mica.h"

namespace mica::gradcheck_test {

using autograd::TensorFn;
using Ins = std::vector<Tensor>;
using Outs = std::vector<Tensor>;

inline const autograd::GradcheckOptions kOpts{.eps = 1e-6, .atol = 1e-5, .rtol = 1e-3};

// Values uniform in [lo, hi] for which keep(v) holds, as a float64 tensor (no grad).
inline Tensor values(
    const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
    const std::function<bool(double)>& keep = [](double) { return true; }) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  const int64_t n = shape_numel(shape);
  std::vector<double> v;
  v.reserve(static_cast<size_t>(n));
  while (static_cast<int64_t>(v.size()) < n) {
    const double x = dist(rng);
    if (keep(x)) v.push_back(x);
  }
  return from_vector(v, shape);
}

// The elements of t (any dtype) in row-major order, as doubles.
inline std::vector<double> to_doubles(const Tensor& t) {
  const Tensor c = autograd::raw([&] { return t.to(kFloat64).contiguous(); });
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

inline Tensor make_leaf(Tensor t) {
  t.requires_grad_(true);
  return t;
}

// Contiguous leaf.
inline Tensor leaf(
    const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
    const std::function<bool(double)>& keep = [](double) { return true; }) {
  return make_leaf(values(shape, seed, lo, hi, keep));
}

// Number of dims of size > 1 (a transpose of fewer cannot be non-contiguous).
inline int64_t non_unit_dims(const Shape& shape) {
  int64_t n = 0;
  for (int64_t s : shape) n += s > 1 ? 1 : 0;
  return n;
}

// A non-contiguous leaf of the given shape (with two dims of size > 1): the transpose, in its
// last two dims of size > 1, of a contiguous tensor.
inline Tensor transposed_leaf(
    const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
    const std::function<bool(double)>& keep = [](double) { return true; }) {
  std::vector<size_t> big;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] > 1) big.push_back(d);
  EXPECT_GE(big.size(), 2u) << "transposed_leaf: " << shape_str(shape);
  if (big.size() < 2) return make_leaf(values(shape, seed, lo, hi, keep));
  const size_t i = big[big.size() - 2], j = big.back();
  Shape s = shape;
  std::swap(s[i], s[j]);
  Tensor t =
      values(s, seed, lo, hi, keep).transpose(static_cast<int64_t>(i), static_cast<int64_t>(j));
  EXPECT_FALSE(t.is_contiguous());
  return make_leaf(t);
}

// A non-contiguous leaf: every other element (stride 2) along its last dim of size > 1.
inline Tensor strided_leaf(
    const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
    const std::function<bool(double)>& keep = [](double) { return true; }) {
  Shape s = shape;
  int64_t d = static_cast<int64_t>(s.size()) - 1;
  while (d > 0 && s[static_cast<size_t>(d)] == 1) --d;
  s[static_cast<size_t>(d)] *= 2;
  Tensor t = values(s, seed, lo, hi, keep).slice(d, 0, s[static_cast<size_t>(d)], 2);
  EXPECT_FALSE(t.is_contiguous());
  return make_leaf(t);
}

// The same values in three layouts: contiguous [3, 4], transposed, strided; plus a 0-d leaf.
inline std::vector<Tensor> layouts(
    uint64_t seed, double lo = -1.0, double hi = 1.0,
    const std::function<bool(double)>& keep = [](double) { return true; }) {
  return {leaf({3, 4}, seed, lo, hi, keep), transposed_leaf({3, 4}, seed + 1, lo, hi, keep),
          strided_leaf({3, 4}, seed + 2, lo, hi, keep), leaf({}, seed + 3, lo, hi, keep)};
}

inline std::function<bool(double)> away_from(std::vector<double> points, double margin = 0.05) {
  return [points = std::move(points), margin](double x) {
    for (double p : points)
      if (std::fabs(x - p) < margin) return false;
    return true;
  };
}

inline std::string describe(const std::vector<Tensor>& ins) {
  std::string s;
  for (const Tensor& t : ins) {
    if (!s.empty()) s += ", ";
    if (!t.defined()) {
      s += "undefined";
      continue;
    }
    s += shape_str(t.sizes());
    if (!t.is_contiguous()) s += "(non-contiguous)";
    if (t.requires_grad()) s += "(grad)";
  }
  return s;
}

inline ::testing::AssertionResult Gradcheck(const TensorFn& fn, const std::vector<Tensor>& ins) {
  const autograd::GradcheckResult r = autograd::gradcheck(fn, ins, kOpts);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "inputs [" << describe(ins) << "]: " << r.message;
}

inline ::testing::AssertionResult Gradgradcheck(const TensorFn& fn,
                                                const std::vector<Tensor>& ins) {
  const autograd::GradcheckResult r = autograd::gradgradcheck(fn, ins, kOpts);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "inputs [" << describe(ins) << "]: " << r.message;
}

// Wraps a one-input, one-output function.
inline TensorFn unary_fn(std::function<Tensor(const Tensor&)> f) {
  return [f = std::move(f)](const Ins& x) -> Outs { return {f(x[0])}; };
}
inline TensorFn binary_fn(std::function<Tensor(const Tensor&, const Tensor&)> f) {
  return [f = std::move(f)](const Ins& x) -> Outs { return {f(x[0], x[1])}; };
}

}  // namespace mica::gradcheck_test
