// Pointwise op front-ends, binary ops: argument checks, broadcasting, type promotion, output
// allocation and dispatch by device to the CPU or CUDA backend; also the helpers shared with
// pointwise_unary.cpp and pointwise_ternary.cpp.
#include <optional>

#include "tensor/cpu/pointwise.h"
#include "tensor/cuda/pointwise.h"
#include "tensor/ops/pointwise_detail.h"

namespace mica::ops {

// ---- shared helpers ----
namespace detail {

namespace {
// PyTorch's rule for combining the result of a higher-priority tier with a lower one.
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating(*higher)) return higher;
  if (*higher == kBool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}
void update(std::optional<DType>& acc, DType t) {
  acc = acc ? promote_types(*acc, t) : t;
}
}  // namespace

DType result_type(std::initializer_list<const Tensor*> tensors,
                  std::initializer_list<const Scalar*> scalars) {
  std::optional<DType> dimmed, zero_dim, wrapped;
  for (const Tensor* t : tensors) {
    if (!t->defined()) continue;
    update(t->dim() == 0 ? zero_dim : dimmed, t->dtype());
  }
  for (const Scalar* s : scalars) update(wrapped, s->default_dtype());
  const std::optional<DType> r = combine(dimmed, combine(zero_dim, wrapped));
  MICA_CHECK(r.has_value(), "result_type: no operands");
  return *r;
}

Tensor wrap_scalar(const Scalar& s, DType d, Device device) {
  return full({}, s, TensorOptions(d).device(device));
}

void check_writable(const std::string& op, const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(t.stride(i) != 0 || t.size(i) <= 1, op, ": cannot write in place into a tensor ",
               "where several elements share memory (an expanded tensor, shape ",
               shape_str(t.sizes()), ", strides ", shape_str(t.strides()), ")");
}

void check_castable(const std::string& op, DType result, DType self) {
  MICA_CHECK(category(result) <= category(self), op, ": result type ", dtype_name(result),
             " cannot be cast to the in-place tensor's dtype ", dtype_name(self));
}

void check_inplace_shape(const std::string& op, const Tensor& self, const Shape& shape) {
  MICA_CHECK(shape == self.sizes(), op, ": the result shape ", shape_str(shape),
             " does not match the in-place tensor's shape ", shape_str(self.sizes()));
  check_writable(op, self);
}

Tensor unaliased(const Tensor& in, const Tensor& out) {
  if (in.impl()->storage() != out.impl()->storage()) return in;
  if (in.raw_data() == out.raw_data() && in.strides() == out.strides()) return in;
  Tensor copy = empty(in.sizes(), in.options());
  copy.copy_(in);
  return copy;
}

}  // namespace detail

namespace {
enum class Result { Same, Bool };

struct BinaryTraits {
  const char* name;
  Result result;
  bool int_to_float;  // integer (and bool) inputs compute in float32, like true division
  bool allow_bool;    // whether the promoted dtype may be bool
  bool float_only;    // integer inputs are an error
};

BinaryTraits traits(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return {"add", Result::Same, false, true, false};
    case BinaryOp::Sub:
      return {"sub", Result::Same, false, false, false};
    case BinaryOp::Mul:
      return {"mul", Result::Same, false, true, false};
    case BinaryOp::Div:
      return {"div", Result::Same, true, true, false};
    case BinaryOp::DivTrunc:
      return {"div", Result::Same, false, false, false};
    case BinaryOp::DivFloor:
      return {"div", Result::Same, false, false, false};
    case BinaryOp::Pow:
      return {"pow", Result::Same, false, false, false};
    case BinaryOp::Minimum:
      return {"minimum", Result::Same, false, true, false};
    case BinaryOp::Maximum:
      return {"maximum", Result::Same, false, true, false};
    case BinaryOp::Lerp:
      return {"lerp", Result::Same, false, false, true};
    case BinaryOp::SiluBackward:
      return {"silu_backward", Result::Same, false, false, true};
    case BinaryOp::ReluBackward:
      return {"relu_backward", Result::Same, false, false, true};
    case BinaryOp::LeakyReluBackward:
      return {"leaky_relu_backward", Result::Same, false, false, true};
    case BinaryOp::Eq:
      return {"eq", Result::Bool, false, true, false};
    case BinaryOp::Ne:
      return {"ne", Result::Bool, false, true, false};
    case BinaryOp::Lt:
      return {"lt", Result::Bool, false, true, false};
    case BinaryOp::Le:
      return {"le", Result::Bool, false, true, false};
    case BinaryOp::Gt:
      return {"gt", Result::Bool, false, true, false};
    case BinaryOp::Ge:
      return {"ge", Result::Bool, false, true, false};
    case BinaryOp::LogicalAnd:
      return {"logical_and", Result::Bool, false, true, false};
    case BinaryOp::LogicalOr:
      return {"logical_or", Result::Bool, false, true, false};
    case BinaryOp::LogicalXor:
      return {"logical_xor", Result::Bool, false, true, false};
  }
  MICA_FAIL("binary: unknown op");
}

// The dtype the op computes in, after promotion, with the op's dtype checks. name is the name
// errors report (e.g. "add_" for the in-place variant).
DType compute_dtype(BinaryOp op, const BinaryTraits& tr, const std::string& name, const Tensor& a,
                    const Tensor& b, const PointwiseArgs& args) {
  if (op == BinaryOp::Sub)
    MICA_CHECK(a.dtype() != kBool && b.dtype() != kBool, name,
               ": subtraction with a bool tensor is not supported (got ", dtype_name(a.dtype()),
               " and ", dtype_name(b.dtype()), "); use logical_xor or logical_not instead");
  if (op == BinaryOp::Lerp)
    MICA_CHECK(a.dtype() == b.dtype(), name, ": expected dtype ", dtype_name(a.dtype()),
               " for 'end' but got ", dtype_name(b.dtype()));
  DType common = detail::result_type({&a, &b});
  MICA_CHECK(tr.allow_bool || common != kBool, name, ": not supported for bool tensors");
  MICA_CHECK(!tr.float_only || is_floating(common), name,
             ": expected a floating dtype (float16, bfloat16, float32, float64), got ",
             dtype_name(common));
  if (op == BinaryOp::Add || op == BinaryOp::Sub) {
    MICA_CHECK(is_floating(common) || !args.alpha.is_floating(), name,
               ": for integer inputs, alpha must not be a floating-point number (got alpha = ",
               args.alpha, ")");
    MICA_CHECK(common == kBool || args.alpha.kind() != Scalar::Kind::Bool, name,
               ": a bool alpha is only supported for bool results");
  }
  if (tr.int_to_float && !is_floating(common)) common = kFloat32;
  return common;
}

void run_binary(BinaryOp op, const std::string& name, const Tensor& out, const Tensor& a,
                const Tensor& b, const PointwiseArgs& args) {
  detail::check_same_device(name.c_str(), {&out, &a, &b});
  const bool int_div =
      (op == BinaryOp::DivTrunc || op == BinaryOp::DivFloor) && !is_floating(b.dtype());
  if (out.is_cuda()) {
    if (int_div) MICA_CHECK(!cuda::has_zero(b), name, ": integer division by zero");
    cuda::binary(op, out, a, b, args);
  } else {
    if (int_div) MICA_CHECK(!cpu::has_zero(b), name, ": integer division by zero");
    cpu::binary(op, out, a, b, args);
  }
}

// binary() with the name errors report.
Tensor binary_named(BinaryOp op, const std::string& name, const Tensor& a, const Tensor& b,
                    const PointwiseArgs& args) {
  const BinaryTraits tr = traits(op);
  detail::check_defined(name.c_str(), a, "self");
  detail::check_defined(name.c_str(), b, "other");
  detail::check_same_device(name.c_str(), {&a, &b});
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name.c_str());
  const DType cdt = compute_dtype(op, tr, name, a, b, args);
  Tensor out =
      empty(shape, TensorOptions(tr.result == Result::Bool ? kBool : cdt).device(a.device()));
  run_binary(op, name, out, detail::as_dtype(a, cdt).expand(shape),
             detail::as_dtype(b, cdt).expand(shape), args);
  return out;
}

Tensor& binary_inplace_named(BinaryOp op, const std::string& name, Tensor& a, const Tensor& b,
                             const PointwiseArgs& args) {
  const BinaryTraits tr = traits(op);
  detail::check_defined(name.c_str(), a, "self");
  detail::check_defined(name.c_str(), b, "other");
  detail::check_same_device(name.c_str(), {&a, &b});
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name.c_str());
  detail::check_inplace_shape(name, a, shape);
  const DType cdt = compute_dtype(op, tr, name, a, b, args);
  const DType rdt = tr.result == Result::Bool ? kBool : cdt;
  detail::check_castable(name, rdt, a.dtype());
  if (rdt == a.dtype() && cdt == a.dtype()) {
    run_binary(op, name, a, a, detail::unaliased(detail::as_dtype(b, cdt).expand(shape), a), args);
    a.bump_version();
  } else {
    a.copy_(binary_named(op, name, a, b, args));
  }
  return a;
}

// A scalar operand as a 0-d tensor of the dtype it combines to with a (so that, as in PyTorch,
// uint8 tensor + (-3) wraps the scalar to uint8). int_to_float: the op computes integers in
// float32 (true division), so the scalar is held in float32 and keeps its value.
Tensor wrap_for(const Tensor& a, const Scalar& s, bool int_to_float = false) {
  detail::check_defined("scalar operand", a, "self");
  DType dt = detail::result_type({&a}, {&s});
  if (int_to_float && !is_floating(dt)) dt = kFloat32;
  return detail::wrap_scalar(s, dt, a.device());
}

BinaryOp div_op(std::optional<std::string_view> mode, const char* name) {
  if (!mode) return BinaryOp::Div;
  if (*mode == "trunc") return BinaryOp::DivTrunc;
  if (*mode == "floor") return BinaryOp::DivFloor;
  MICA_FAIL(name, ": rounding_mode must be \"trunc\", \"floor\" or none, got \"", *mode, "\"");
}

PointwiseArgs with_alpha(const Scalar& alpha) {
  PointwiseArgs args;
  args.alpha = alpha;
  return args;
}
}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const PointwiseArgs& args) {
  return binary_named(op, traits(op).name, a, b, args);
}
Tensor& binary_(BinaryOp op, Tensor& a, const Tensor& b, const PointwiseArgs& args) {
  return binary_inplace_named(op, detail::inplace_name(traits(op).name), a, b, args);
}

// ---- arithmetic ----
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return binary(BinaryOp::Add, a, b, with_alpha(alpha));
}
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return binary(BinaryOp::Add, a, wrap_for(a, b), with_alpha(alpha));
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return binary(BinaryOp::Sub, a, b, with_alpha(alpha));
}
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return binary(BinaryOp::Sub, a, wrap_for(a, b), with_alpha(alpha));
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Mul, a, b);
}
Tensor mul(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Mul, a, wrap_for(a, b));
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Div, a, b);
}
Tensor div(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Div, a, wrap_for(a, b, true));
}
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  return binary(div_op(rounding_mode, "div"), a, b);
}
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode) {
  const BinaryOp op = div_op(rounding_mode, "div");
  return binary(op, a, wrap_for(a, b, op == BinaryOp::Div));
}
Tensor pow(const Tensor& a, const Tensor& exponent) {
  return binary(BinaryOp::Pow, a, exponent);
}
Tensor pow(const Scalar& a, const Tensor& exponent) {
  return binary(BinaryOp::Pow, wrap_for(exponent, a), exponent);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Minimum, a, b);
}
Tensor silu_backward(const Tensor& grad, const Tensor& x) {
  return binary(BinaryOp::SiluBackward, grad, x);
}
Tensor relu_backward(const Tensor& grad, const Tensor& y) {
  return binary(BinaryOp::ReluBackward, grad, y);
}
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& x, double negative_slope) {
  PointwiseArgs args;
  args.negative_slope = negative_slope;
  return binary(BinaryOp::LeakyReluBackward, grad, x, args);
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Maximum, a, b);
}

Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  return binary_(BinaryOp::Add, a, b, with_alpha(alpha));
}
Tensor& add_(Tensor& a, const Scalar& b, const Scalar& alpha) {
  return binary_(BinaryOp::Add, a, wrap_for(a, b), with_alpha(alpha));
}
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  return binary_(BinaryOp::Sub, a, b, with_alpha(alpha));
}
Tensor& sub_(Tensor& a, const Scalar& b, const Scalar& alpha) {
  return binary_(BinaryOp::Sub, a, wrap_for(a, b), with_alpha(alpha));
}
Tensor& mul_(Tensor& a, const Tensor& b) {
  return binary_(BinaryOp::Mul, a, b);
}
Tensor& mul_(Tensor& a, const Scalar& b) {
  return binary_(BinaryOp::Mul, a, wrap_for(a, b));
}
Tensor& div_(Tensor& a, const Tensor& b) {
  return binary_(BinaryOp::Div, a, b);
}
Tensor& div_(Tensor& a, const Scalar& b) {
  return binary_(BinaryOp::Div, a, wrap_for(a, b, true));
}
Tensor& div_(Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  return binary_(div_op(rounding_mode, "div_"), a, b);
}
Tensor& div_(Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode) {
  const BinaryOp op = div_op(rounding_mode, "div_");
  return binary_(op, a, wrap_for(a, b, op == BinaryOp::Div));
}
Tensor& pow_(Tensor& a, const Tensor& exponent) {
  return binary_(BinaryOp::Pow, a, exponent);
}

// ---- comparisons and logical ops ----
#define MICA_BINARY_COMPARISON(fn, Op)               \
  Tensor fn(const Tensor& a, const Tensor& b) {      \
    return binary(BinaryOp::Op, a, b);               \
  }                                                  \
  Tensor fn(const Tensor& a, const Scalar& b) {      \
    return binary(BinaryOp::Op, a, wrap_for(a, b));  \
  }                                                  \
  Tensor& fn##_(Tensor& a, const Tensor& b) {        \
    return binary_(BinaryOp::Op, a, b);              \
  }                                                  \
  Tensor& fn##_(Tensor& a, const Scalar& b) {        \
    return binary_(BinaryOp::Op, a, wrap_for(a, b)); \
  }
MICA_BINARY_COMPARISON(eq, Eq)
MICA_BINARY_COMPARISON(ne, Ne)
MICA_BINARY_COMPARISON(lt, Lt)
MICA_BINARY_COMPARISON(le, Le)
MICA_BINARY_COMPARISON(gt, Gt)
MICA_BINARY_COMPARISON(ge, Ge)
#undef MICA_BINARY_COMPARISON

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::LogicalAnd, a, b);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::LogicalOr, a, b);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::LogicalXor, a, b);
}
Tensor& logical_and_(Tensor& a, const Tensor& b) {
  return binary_(BinaryOp::LogicalAnd, a, b);
}
Tensor& logical_or_(Tensor& a, const Tensor& b) {
  return binary_(BinaryOp::LogicalOr, a, b);
}
Tensor& logical_xor_(Tensor& a, const Tensor& b) {
  return binary_(BinaryOp::LogicalXor, a, b);
}

// ---- ops built on binary ones, named for the errors they report ----
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  PointwiseArgs args;
  args.weight = weight;
  return binary(BinaryOp::Lerp, start, end, args);
}
Tensor& lerp_(Tensor& start, const Tensor& end, const Scalar& weight) {
  PointwiseArgs args;
  args.weight = weight;
  return binary_(BinaryOp::Lerp, start, end, args);
}
Tensor clamp_min(const Tensor& a, const Tensor& min) {
  return binary_named(BinaryOp::Maximum, "clamp_min", a, min, {});
}
Tensor clamp_max(const Tensor& a, const Tensor& max) {
  return binary_named(BinaryOp::Minimum, "clamp_max", a, max, {});
}

namespace detail {
// One-sided tensor clamps for pointwise_ternary.cpp.
Tensor clamp_one_sided(const char* name, bool is_min, const Tensor& a, const Tensor& bound) {
  return binary_named(is_min ? BinaryOp::Maximum : BinaryOp::Minimum, name, a, bound, {});
}
Tensor& clamp_one_sided_(const char* name, bool is_min, Tensor& a, const Tensor& bound) {
  return binary_inplace_named(is_min ? BinaryOp::Maximum : BinaryOp::Minimum, name, a, bound, {});
}
}  // namespace detail

}  // namespace mica::ops
