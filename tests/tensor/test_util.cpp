// Test helpers: random tensors, value access, reference maps and closeness checks.
#include "test_util.h"

#include <cmath>
#include <sstream>

namespace mica::test {

Tol default_tol(DType t) {
  switch (t) {
    case kFloat64:
      return {1e-12, 1e-10};
    case kFloat32:
      return {1e-5, 1e-5};
    case kBFloat16:
      return {1e-2, 1.6e-2};
    case kFloat16:
      return {1e-3, 2e-3};
    default:
      return {0, 0};
  }
}

Tensor rand_tensor(const Shape& shape, DType dtype, std::mt19937_64& rng, double low, double high) {
  const int64_t n = shape_numel(shape);
  std::vector<double> v(static_cast<size_t>(n));
  if (dtype == kBool) {
    std::bernoulli_distribution d(0.5);
    for (auto& x : v) x = d(rng);
  } else if (!is_floating(dtype)) {
    const int64_t lo = static_cast<int64_t>(std::floor(dtype == kUInt8 ? std::max(low, 0.0) : low));
    const int64_t hi = static_cast<int64_t>(std::ceil(high));
    std::uniform_int_distribution<int64_t> d(lo, std::max(lo, hi - 1));
    for (auto& x : v) x = static_cast<double>(d(rng));
  } else {
    std::uniform_real_distribution<double> d(low, high);
    for (auto& x : v) x = d(rng);
  }
  return from_values(shape, v, dtype);
}

Tensor non_contiguous(const Tensor& t) {
  if (t.dim() >= 2 && t.size(-1) > 1 && t.size(-2) > 1) {
    // materialize the transpose, then view it back transposed: same values, swapped strides
    return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  }
  return strided_cols(t);
}

Tensor strided_cols(const Tensor& t) {
  Shape big = t.sizes();
  if (big.empty()) return t;
  big.back() *= 2;
  Tensor buf = zeros(big, t.options());
  Tensor view = buf.slice(-1, 0, big.back(), 2);
  view.copy_(t);
  return view;
}

std::vector<double> values(const Tensor& t_in) {
  Tensor t = t_in.to(Device(kCPU), kFloat64).contiguous();
  const double* p = t.data_ptr<double>();
  return std::vector<double>(p, p + t.numel());
}

Tensor from_values(const Shape& shape, const std::vector<double>& v, DType dtype) {
  return from_vector(v, shape, TensorOptions(dtype));
}

std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return idx;
}

double at(const Tensor& t, const std::vector<int64_t>& index) {
  const int64_t lead = static_cast<int64_t>(index.size()) - t.dim();
  int64_t off = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t i = t.size(d) == 1 ? 0 : index[d + lead];
    off += i * t.stride(d);
  }
  const char* base = static_cast<const char*>(t.impl()->storage()->data());
  return dispatch_all(t.dtype(), "at", [&]<class T>() {
    return static_cast<double>(convert<double>(reinterpret_cast<const T*>(base)[off]));
  });
}

double cast_to(DType dtype, double v) {
  auto wrap = [](double x, double mod) {
    double r = std::fmod(std::trunc(x), mod);
    return r < 0 ? r + mod : r;
  };
  switch (dtype) {
    case kBool:
      return v != 0 ? 1 : 0;
    case kUInt8:
      return wrap(v, 256.0);
    case kInt32: {
      const double r = wrap(v, 4294967296.0);
      return r >= 2147483648.0 ? r - 4294967296.0 : r;
    }
    default:
      return v;
  }
}

Tensor ref_map(const std::vector<Tensor>& inputs,
               const std::function<double(const std::vector<double>&)>& fn, DType out_dtype) {
  Shape shape;
  for (const Tensor& t : inputs) shape = broadcast_shapes(shape, t.sizes(), "ref_map");
  const int64_t n = shape_numel(shape);
  std::vector<double> out(static_cast<size_t>(n));
  std::vector<double> args(inputs.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto idx = unravel(i, shape);
    for (size_t k = 0; k < inputs.size(); ++k) args[k] = at(inputs[k], idx);
    out[static_cast<size_t>(i)] = fn(args);
  }
  return from_values(shape, out, out_dtype);
}

::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, Tol tol) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.sizes()) << " != expected "
                                         << shape_str(expected.sizes());
  const auto a = values(actual), e = values(expected);
  int64_t bad = 0;
  std::ostringstream first;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok;
    if (std::isnan(e[i]))
      ok = std::isnan(a[i]);
    else if (std::isinf(e[i]))
      ok = a[i] == e[i];
    else
      ok = std::fabs(a[i] - e[i]) <= tol.atol + tol.rtol * std::fabs(e[i]);
    if (!ok) {
      if (bad == 0)
        first << "first mismatch at flat index " << i << ": got " << a[i] << ", expected " << e[i];
      worst = std::max(worst, std::fabs(a[i] - e[i]));
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << a.size() << " values differ (atol " << tol.atol << ", rtol "
         << tol.rtol << "); " << first.str() << "; largest abs diff " << worst;
}

}  // namespace mica::test
