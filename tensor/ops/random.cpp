// Random op front-ends: argument checks (ranges, probabilities, dtypes, devices), output
// allocation, reserving the draw from the generator, and dispatch by device to the CPU or CUDA
// kernels, which give the same numbers for the same generator state (docs/rng.md). randperm and
// multinomial are sorts and searches rather than fills: on a GPU they run the CPU algorithm on
// the host (probabilities copied there) and copy the result to the device, so they are
// identical on both devices by construction.
#include "tensor/ops/random.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "tensor/cpu/random.h"
#include "tensor/cuda/random.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops/common.h"
#include "tensor/ops/pointwise.h"

namespace mica {

namespace {
// t on the host: itself on the CPU, else a contiguous copy brought from its GPU.
Tensor host_copy(const Tensor& t) {
  return t.is_cpu() ? t : t.to(Device(kCPU));
}

// Copies the contiguous host tensor src into the contiguous tensor dst of the same dtype and
// size on dst's device (a plain copy when dst is on the CPU).
void copy_from_host(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  if (dst.is_cpu())
    std::memcpy(dst.raw_data(), src.raw_data(), dst.nbytes());
  else
    cuda::copy_host_to_device(dst.raw_data(), src.raw_data(), dst.nbytes(), dst.device().index);
}

// A factory's device exists (a clear error before the allocator's).
void check_device(const char* op, Device device) {
  MICA_CHECK(device.is_cpu() || device.index < cuda::device_count(), op, ": device ", device,
             " is not available (", cuda::device_count(), " CUDA devices present)");
}

void check_floating(const char* op, DType dtype) {
  MICA_CHECK(is_floating(dtype), op, ": expected a floating dtype (float16, bfloat16, float32, ",
             "float64), got ", dtype_name(dtype));
}

Tensor finish(Tensor t, const TensorOptions& opts) {
  return ops::detail::apply_requires_grad(std::move(t), opts);
}

// Refuses in-place fills of tensors where several elements share one memory location.
void check_writable(const char* op, const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(t.stride(i) != 0 || t.size(i) <= 1, op, ": cannot write in place into a tensor ",
               "where several elements share memory (an expanded tensor, shape ",
               shape_str(t.sizes()), ", strides ", shape_str(t.strides()), ")");
}

void check_inplace(const char* op, const Tensor& t) {
  ops::detail::check_defined(op, t, "self");
  check_writable(op, t);
}

// Exact integer range a dtype holds for randint/randperm values: [lo, hi].
std::pair<double, double> exact_range(DType t) {
  switch (t) {
    case kBool:
      return {0, 1};
    case kUInt8:
      return {0, 255};
    case kInt32:
      return {-2147483648.0, 2147483647.0};
    case kInt64:
      return {-9223372036854775808.0, 9223372036854775807.0};
    case kFloat16:
      return {-2048, 2048};
    case kBFloat16:
      return {-256, 256};
    case kFloat32:
      return {-16777216.0, 16777216.0};
    case kFloat64:
      return {-9007199254740992.0, 9007199254740992.0};
  }
  return {0, 0};
}

// Every value of p (any layout, any device) in [0, 1].
void check_probabilities(const char* op, const Tensor& p) {
  if (p.numel() == 0) return;
  if (p.is_cuda()) {  // scanned on the device; only the first bad value comes back
    const std::optional<double> bad = cuda::first_invalid_probability(p);
    MICA_CHECK(!bad, op, ": all probabilities must be in [0, 1], found ", bad.value_or(0),
               " in p (", ops::detail::describe(p), ")");
    return;
  }
  const Tensor v = p.to(kFloat64).contiguous();
  const double* d = v.data_ptr<double>();
  for (int64_t i = 0; i < v.numel(); ++i)
    MICA_CHECK(d[i] >= 0 && d[i] <= 1, op, ": all probabilities must be in [0, 1], found ", d[i],
               " in p (", ops::detail::describe(p), ")");
}
}  // namespace

// ---- factories ----
Tensor rand(const Shape& size, TensorOptions opts, Generator* gen) {
  check_floating("rand", opts.dtype());
  check_device("rand", opts.device());
  Tensor t = empty(size, opts.requires_grad(false));
  ops::uniform_(t, 0, 1, gen);
  return finish(t, opts);
}

Tensor randn(const Shape& size, TensorOptions opts, Generator* gen) {
  check_floating("randn", opts.dtype());
  check_device("randn", opts.device());
  Tensor t = empty(size, opts.requires_grad(false));
  ops::normal_(t, 0, 1, gen);
  return finish(t, opts);
}

Tensor normal(double mean, double std, const Shape& size, TensorOptions opts, Generator* gen) {
  check_floating("normal", opts.dtype());
  check_device("normal", opts.device());
  Tensor t = empty(size, opts.requires_grad(false));
  ops::normal_(t, mean, std, gen);
  return finish(t, opts);
}

Tensor randint(int64_t low, int64_t high, const Shape& size, std::optional<TensorOptions> opts_in,
               Generator* gen) {
  const TensorOptions opts = opts_in.value_or(TensorOptions(kInt64));
  check_device("randint", opts.device());
  MICA_CHECK(low < high, "randint: expects low < high, got low=", low, " >= high=", high);
  const auto [lo, hi] = exact_range(opts.dtype());
  MICA_CHECK(static_cast<double>(low) >= lo && static_cast<double>(high - 1) <= hi,
             "randint: the range [", low, ", ", high, ") is out of bounds for dtype ",
             dtype_name(opts.dtype()), " (values in [", lo, ", ", hi, "])");
  Tensor t = empty(size, opts.requires_grad(false));
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  const PhiloxDraw d =
      generator_or_default(gen, t.device()).reserve(cpu::randint_blocks(range, t.numel()));
  if (t.is_cuda())
    cuda::randint_(t, low, range, d);
  else
    cpu::randint_(t, low, range, d);
  return finish(t, opts);
}

Tensor randint(int64_t high, const Shape& size, std::optional<TensorOptions> opts, Generator* gen) {
  return randint(0, high, size, opts, gen);
}

Tensor rand_like(const Tensor& t, std::optional<TensorOptions> opts, Generator* gen) {
  ops::detail::check_defined("rand_like", t, "self");
  return rand(t.sizes(), opts.value_or(t.options()), gen);
}

Tensor randn_like(const Tensor& t, std::optional<TensorOptions> opts, Generator* gen) {
  ops::detail::check_defined("randn_like", t, "self");
  return randn(t.sizes(), opts.value_or(t.options()), gen);
}

Tensor randint_like(const Tensor& t, int64_t low, int64_t high, std::optional<TensorOptions> opts,
                    Generator* gen) {
  ops::detail::check_defined("randint_like", t, "self");
  return randint(low, high, t.sizes(), opts.value_or(t.options()), gen);
}

Tensor randperm(int64_t n, std::optional<TensorOptions> opts_in, Generator* gen) {
  const TensorOptions opts = opts_in.value_or(TensorOptions(kInt64));
  check_device("randperm", opts.device());
  MICA_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  MICA_CHECK(opts.dtype() != kBool, "randperm: not supported for dtype bool");
  MICA_CHECK(n == 0 || static_cast<double>(n - 1) <= exact_range(opts.dtype()).second,
             "randperm: n = ", n, " is too large for dtype ", dtype_name(opts.dtype()),
             " (it holds integers up to ", exact_range(opts.dtype()).second, " exactly)");
  Tensor t = empty({n}, opts.requires_grad(false));
  const PhiloxDraw d = generator_or_default(gen, t.device()).reserve(cpu::randperm_blocks(n));
  if (t.is_cuda()) {  // the host's permutation, copied over
    Tensor host = empty({n}, TensorOptions(opts.dtype()));
    cpu::randperm(host, d);
    copy_from_host(t, host);
  } else {
    cpu::randperm(t, d);
  }
  return finish(t, opts);
}

// ---- samplers ----
Tensor bernoulli(const Tensor& p, Generator* gen) {
  ops::detail::check_defined("bernoulli", p, "p");
  check_floating("bernoulli", p.dtype());
  check_probabilities("bernoulli", p);
  Tensor out = empty(p.sizes(), p.options());
  const PhiloxDraw d =
      generator_or_default(gen, p.device()).reserve(cpu::bernoulli_blocks(out.numel()));
  if (out.is_cuda())
    cuda::bernoulli_(out, p, d);
  else
    cpu::bernoulli_(out, p, d);
  return out;
}

Tensor bernoulli(const Tensor& self, double p, Generator* gen) {
  ops::detail::check_defined("bernoulli", self, "self");
  Tensor out = empty_like(self);
  return ops::bernoulli_(out, p, gen);
}

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* gen) {
  using ops::detail::describe;
  ops::detail::check_defined("multinomial", probs, "probs");
  MICA_CHECK(probs.dim() == 1 || probs.dim() == 2,
             "multinomial: probs must be 1-d [C] or 2-d [N, C], got ", describe(probs));
  check_floating("multinomial", probs.dtype());
  MICA_CHECK(num_samples > 0, "multinomial: num_samples must be positive, got ", num_samples);
  // validated and sampled on the host (probabilities copied from the GPU)
  const Tensor p2 =
      host_copy(probs.dim() == 1 ? probs.unsqueeze(0) : probs).to(kFloat64).contiguous();
  const int64_t rows = p2.size(0), cats = p2.size(1);
  MICA_CHECK(cats > 0, "multinomial: probs has no categories (", describe(probs), ")");
  const double* pd = p2.data_ptr<double>();
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    int64_t nonzero = 0;
    for (int64_t c = 0; c < cats; ++c) {
      const double v = pd[r * cats + c];
      MICA_CHECK(std::isfinite(v) && v >= 0, "multinomial: probabilities must be finite and ",
                 "non-negative, found ", v, " at row ", r, ", category ", c, " of ",
                 describe(probs));
      total += v;
      nonzero += v > 0;
    }
    MICA_CHECK(total > 0 && std::isfinite(total), "multinomial: invalid distribution in row ", r,
               " of ", describe(probs), ": the probabilities sum to ", total);
    MICA_CHECK(replacement || num_samples <= nonzero, "multinomial: cannot draw ", num_samples,
               " samples without replacement from row ", r, " of ", describe(probs),
               ", which has only ", nonzero, " nonzero categories");
  }
  Tensor out = empty({rows, num_samples}, TensorOptions(kInt64));
  const PhiloxDraw d = generator_or_default(gen, probs.device())
                           .reserve(cpu::multinomial_blocks(rows, cats, num_samples, replacement));
  cpu::multinomial(out, p2, replacement, d);
  if (probs.is_cuda()) out = out.to(probs.device());
  return probs.dim() == 1 ? out.squeeze(0) : out;
}

}  // namespace mica

namespace mica::ops {

Tensor& uniform_(Tensor& t, double from, double to, Generator* gen) {
  check_inplace("uniform_", t);
  check_floating("uniform_", t.dtype());
  MICA_CHECK(std::isfinite(from) && std::isfinite(to), "uniform_: from and to must be finite, ",
             "got from=", from, ", to=", to);
  MICA_CHECK(from <= to, "uniform_: expects from <= to, got from=", from, " > to=", to);
  const PhiloxDraw d =
      generator_or_default(gen, t.device()).reserve(cpu::uniform_blocks(t.dtype(), t.numel()));
  if (t.is_cuda())
    cuda::uniform_(t, from, to, d);
  else
    cpu::uniform_(t, from, to, d);
  t.bump_version();
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  check_inplace("normal_", t);
  check_floating("normal_", t.dtype());
  MICA_CHECK(std >= 0 && std::isfinite(std), "normal_: expects a finite std >= 0, got std=", std);
  MICA_CHECK(std::isfinite(mean), "normal_: expects a finite mean, got mean=", mean);
  const PhiloxDraw d =
      generator_or_default(gen, t.device()).reserve(cpu::normal_blocks(t.dtype(), t.numel()));
  if (t.is_cuda())
    cuda::normal_(t, mean, std, d);
  else
    cpu::normal_(t, mean, std, d);
  t.bump_version();
  return t;
}

Tensor& bernoulli_(Tensor& t, double p, Generator* gen) {
  check_inplace("bernoulli_", t);
  MICA_CHECK(p >= 0 && p <= 1, "bernoulli_: p must be in [0, 1], got ", p);
  const PhiloxDraw d =
      generator_or_default(gen, t.device()).reserve(cpu::bernoulli_blocks(t.numel()));
  if (t.is_cuda())
    cuda::bernoulli_(t, p, d);
  else
    cpu::bernoulli_(t, p, d);
  t.bump_version();
  return t;
}

Tensor& bernoulli_(Tensor& t, const Tensor& p, Generator* gen) {
  check_inplace("bernoulli_", t);
  detail::check_defined("bernoulli_", p, "p");
  detail::check_same_device("bernoulli_", {&t, &p});
  check_floating("bernoulli_", p.dtype());
  const Shape shape = broadcast_shapes(t.sizes(), p.sizes(), "bernoulli_");
  MICA_CHECK(shape == t.sizes(), "bernoulli_: p of shape ", shape_str(p.sizes()),
             " does not broadcast to the tensor's shape ", shape_str(t.sizes()));
  check_probabilities("bernoulli_", p);
  const PhiloxDraw d =
      generator_or_default(gen, t.device()).reserve(cpu::bernoulli_blocks(t.numel()));
  if (t.is_cuda())
    cuda::bernoulli_(t, p.expand(t.sizes()), d);
  else
    cpu::bernoulli_(t, p.expand(t.sizes()), d);
  t.bump_version();
  return t;
}

DropoutResult dropout(const Tensor& x, double p, bool training, Generator* gen) {
  detail::check_defined("dropout", x, "x");
  check_floating("dropout", x.dtype());
  MICA_CHECK(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got ", p);
  const TensorOptions mask_opts = TensorOptions(kBool).device(x.device());
  if (!training || p == 0) return {x.clone(), ones(x.sizes(), mask_opts)};
  if (p == 1) return {ops::mul(x, 0.0), zeros(x.sizes(), mask_opts)};
  DropoutResult r{empty(x.sizes(), x.options()), empty(x.sizes(), mask_opts)};
  const PhiloxDraw d =
      generator_or_default(gen, x.device()).reserve(cpu::bernoulli_blocks(x.numel()));
  if (x.is_cuda())
    cuda::dropout(r.output, r.mask, x, p, d);
  else
    cpu::dropout(r.output, r.mask, x, p, d);
  return r;
}

}  // namespace mica::ops
