// Factory functions: empty/zeros/ones/full, ranges, eye, *_like, from_vector, from_blob.
#include "tensor/ops/factory.h"

#include <cmath>

#include "tensor/cpu/copy.h"
#include "tensor/cpu/loops.h"
#include "tensor/ops/common.h"

namespace mica {

namespace {
Tensor finish(Tensor t, const TensorOptions& opts) {
  return ops::detail::apply_requires_grad(std::move(t), opts);
}
}  // namespace

Tensor empty(const Shape& sizes, TensorOptions opts) {
  for (int64_t s : sizes) MICA_CHECK(s >= 0, "empty: negative size in shape ", shape_str(sizes));
  const int64_t n = shape_numel(sizes);
  auto storage =
      std::make_shared<Storage>(static_cast<size_t>(n) * element_size(opts.dtype()), opts.device());
  auto impl = std::make_shared<TensorImpl>(std::move(storage), 0, sizes, contiguous_strides(sizes),
                                           opts.dtype());
  return finish(Tensor(std::move(impl)), opts);
}

Tensor empty_strided(const Shape& sizes, const Shape& strides, TensorOptions opts) {
  MICA_CHECK(sizes.size() == strides.size(), "empty_strided: sizes ", shape_str(sizes),
             " and strides ", shape_str(strides), " differ in length");
  int64_t span = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    MICA_CHECK(sizes[i] >= 0 && strides[i] >= 0, "empty_strided: negative size or stride");
    if (sizes[i] == 0) span = 0;
  }
  if (span)
    for (size_t i = 0; i < sizes.size(); ++i) span += (sizes[i] - 1) * strides[i];
  auto storage = std::make_shared<Storage>(static_cast<size_t>(span) * element_size(opts.dtype()),
                                           opts.device());
  return finish(
      Tensor(std::make_shared<TensorImpl>(std::move(storage), 0, sizes, strides, opts.dtype())),
      opts);
}

Tensor full(const Shape& sizes, const Scalar& value, TensorOptions opts) {
  Tensor t = empty(sizes, opts.requires_grad(false));
  t.fill_(value);
  return finish(t, opts);
}
Tensor zeros(const Shape& sizes, TensorOptions opts) {
  return full(sizes, 0, opts);
}
Tensor ones(const Shape& sizes, TensorOptions opts) {
  return full(sizes, 1, opts);
}
Tensor scalar_tensor(const Scalar& value, TensorOptions opts) {
  return full({}, value, opts);
}

Tensor arange(const Scalar& end, std::optional<TensorOptions> opts) {
  return arange(0, end, 1, opts);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              std::optional<TensorOptions> opts) {
  const bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
  TensorOptions o = opts.value_or(TensorOptions(all_int ? kInt64 : kFloat32));
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  MICA_CHECK(st != 0, "arange: step must be nonzero");
  MICA_CHECK(std::isfinite(s) && std::isfinite(e), "arange: start and end must be finite");
  MICA_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound and step sign are ",
             "inconsistent (start ", start, ", end ", end, ", step ", step, ")");
  const int64_t n =
      all_int ? (end.to_int() - start.to_int() + step.to_int() - (st > 0 ? 1 : -1)) / step.to_int()
              : static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor cpu = empty({n}, o.device(Device(kCPU)).requires_grad(false));
  dispatch_numeric(o.dtype(), "arange", [&]<class T>() {
    T* p = cpu.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i)
      p[i] = all_int ? convert<T>(start.to_int() + i * step.to_int())
                     : convert<T>(s + static_cast<double>(i) * st);
  });
  return finish(o.device().is_cpu() ? cpu : cpu.to(o.device()), o);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions opts) {
  MICA_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor cpu = empty({steps}, opts.device(Device(kCPU)).requires_grad(false));
  const int64_t half = steps / 2;
  dispatch_numeric(opts.dtype(), "linspace", [&]<class T>() {
    // Like PyTorch's vectorized kernel: computed with fused multiply-adds in the output's compute
    // type (float for float32), the first half counting up from start, the second down from end.
    using C = std::conditional_t<std::is_floating_point_v<compute_t<T>>, compute_t<T>, double>;
    const C lo = static_cast<C>(start), hi = static_cast<C>(end);
    const C step = steps > 1 ? (hi - lo) / static_cast<C>(steps - 1) : C(0);
    T* p = cpu.data_ptr<T>();
    for (int64_t i = 0; i < steps; ++i)
      p[i] = convert<T>(i < half ? std::fma(step, static_cast<C>(i), lo)
                                 : std::fma(-step, static_cast<C>(steps - 1 - i), hi));
  });
  return finish(opts.device().is_cpu() ? cpu : cpu.to(opts.device()), opts);
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, TensorOptions opts) {
  const int64_t m = m_opt.value_or(n);
  MICA_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got ", n, " and ", m);
  Tensor t = zeros({n, m}, opts.requires_grad(false));
  t.diagonal().fill_(1);
  return finish(t, opts);
}

Tensor empty_like(const Tensor& t, std::optional<TensorOptions> opts) {
  return empty(t.sizes(), opts.value_or(t.options()));
}
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> opts) {
  return zeros(t.sizes(), opts.value_or(t.options()));
}
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> opts) {
  return ones(t.sizes(), opts.value_or(t.options()));
}
Tensor full_like(const Tensor& t, const Scalar& v, std::optional<TensorOptions> opts) {
  return full(t.sizes(), v, opts.value_or(t.options()));
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                   std::optional<TensorOptions> opts) {
  const TensorOptions o = opts.value_or(TensorOptions(dtype_of<T>()));
  const int64_t n = static_cast<int64_t>(values.size());
  Tensor src = empty({n}, TensorOptions(dtype_of<T>()));
  std::copy(values.begin(), values.end(), src.data_ptr<T>());
  Tensor shaped = src.view(shape);
  Tensor out = empty(shaped.sizes(), o.requires_grad(false));
  out.copy_(shaped);
  return finish(out, o);
}

#define MICA_FROM_VECTOR(T) \
  template Tensor from_vector<T>(const std::vector<T>&, const Shape&, std::optional<TensorOptions>);
MICA_FROM_VECTOR(float)
MICA_FROM_VECTOR(double)
MICA_FROM_VECTOR(int32_t)
MICA_FROM_VECTOR(int64_t)
MICA_FROM_VECTOR(uint8_t)
MICA_FROM_VECTOR(bool)
MICA_FROM_VECTOR(Half)
MICA_FROM_VECTOR(BFloat16)
#undef MICA_FROM_VECTOR

Tensor from_blob(void* data, const Shape& sizes, TensorOptions opts,
                 std::function<void(void*)> deleter) {
  return from_blob(data, sizes, contiguous_strides(sizes), opts, std::move(deleter));
}

Tensor from_blob(void* data, const Shape& sizes, const Shape& strides, TensorOptions opts,
                 std::function<void(void*)> deleter) {
  MICA_CHECK(data != nullptr || shape_numel(sizes) == 0, "from_blob: data is null");
  MICA_CHECK(sizes.size() == strides.size(), "from_blob: sizes ", shape_str(sizes), " and strides ",
             shape_str(strides), " differ in length");
  int64_t span = shape_numel(sizes) == 0 ? 0 : 1;
  if (span)
    for (size_t i = 0; i < sizes.size(); ++i) span += (sizes[i] - 1) * strides[i];
  auto storage =
      std::make_shared<Storage>(data, static_cast<size_t>(span) * element_size(opts.dtype()),
                                opts.device(), std::move(deleter));
  return finish(
      Tensor(std::make_shared<TensorImpl>(std::move(storage), 0, sizes, strides, opts.dtype())),
      opts);
}

}  // namespace mica
