// Pointwise op front-ends, unary ops (math, activations, rounding, clamp with scalar bounds,
// pow with a scalar exponent, logical_not): dtype rules and checks, output allocation, dispatch.
#include <cstdint>

#include "tensor/cpu/pointwise.h"
#include "tensor/cuda/pointwise.h"
#include "tensor/ops/pointwise_detail.h"

namespace mica::ops {

namespace {
struct UnaryTraits {
  const char* name;
  bool int_to_float;  // integer and bool inputs compute in float32 (floating math)
  bool allow_bool;    // bool inputs (after int_to_float) are accepted
  bool float_only;    // integer inputs are an error (activations, like PyTorch)
  bool bool_result;
};

UnaryTraits traits(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return {"neg", false, false, false, false};
    case UnaryOp::Abs:
      return {"abs", false, false, false, false};
    case UnaryOp::Sign:
      return {"sign", false, true, false, false};
    case UnaryOp::Floor:
      return {"floor", false, false, false, false};
    case UnaryOp::Ceil:
      return {"ceil", false, false, false, false};
    case UnaryOp::Round:
      return {"round", false, false, false, false};
    case UnaryOp::Trunc:
      return {"trunc", false, false, false, false};
    case UnaryOp::Exp:
      return {"exp", true, true, false, false};
    case UnaryOp::Log:
      return {"log", true, true, false, false};
    case UnaryOp::Log1p:
      return {"log1p", true, true, false, false};
    case UnaryOp::Expm1:
      return {"expm1", true, true, false, false};
    case UnaryOp::Sqrt:
      return {"sqrt", true, true, false, false};
    case UnaryOp::Rsqrt:
      return {"rsqrt", true, true, false, false};
    case UnaryOp::Sin:
      return {"sin", true, true, false, false};
    case UnaryOp::Cos:
      return {"cos", true, true, false, false};
    case UnaryOp::Tanh:
      return {"tanh", true, true, false, false};
    case UnaryOp::Sigmoid:
      return {"sigmoid", true, true, false, false};
    case UnaryOp::Erf:
      return {"erf", true, true, false, false};
    case UnaryOp::Relu:
      return {"relu", false, false, false, false};
    case UnaryOp::Gelu:
      return {"gelu", false, false, true, false};
    case UnaryOp::GeluTanh:
      return {"gelu", false, false, true, false};
    case UnaryOp::Silu:
      return {"silu", false, false, true, false};
    case UnaryOp::Softplus:
      return {"softplus", false, false, true, false};
    case UnaryOp::LeakyRelu:
      return {"leaky_relu", false, false, true, false};
    case UnaryOp::Clamp:
      return {"clamp", false, false, false, false};
    case UnaryOp::PowScalar:
      return {"pow", false, false, false, false};
    case UnaryOp::LogicalNot:
      return {"logical_not", false, true, false, true};
  }
  MICA_FAIL("unary: unknown op");
}

// Whether an integer scalar is representable in integer dtype dt (clamp bounds must not wrap).
bool fits(const Scalar& s, DType dt) {
  if (s.kind() != Scalar::Kind::Int || is_floating(dt) || dt == kBool) return true;
  const int64_t v = s.to_int();
  if (dt == kUInt8) return v >= 0 && v <= 255;
  if (dt == kInt32) return v >= INT32_MIN && v <= INT32_MAX;
  return true;
}

// The dtype the op computes in, with the op's dtype checks; name is what errors report.
DType compute_dtype(UnaryOp op, const UnaryTraits& tr, const std::string& name, const Tensor& a,
                    const PointwiseArgs& args) {
  DType dt = a.dtype();
  if (op == UnaryOp::Clamp) {
    MICA_CHECK(args.min || args.max, name, ": at least one of min and max must be given");
    if (args.min && args.max)
      dt = detail::result_type({&a}, {&*args.min, &*args.max});
    else
      dt = detail::result_type({&a}, {args.min ? &*args.min : &*args.max});
    for (const std::optional<Scalar>* bound : {&args.min, &args.max})
      MICA_CHECK(!*bound || fits(**bound, dt), name, ": bound ", **bound, " is out of range for ",
                 dtype_name(dt));
  } else if (op == UnaryOp::PowScalar) {
    dt = detail::result_type({&a}, {&args.exponent});
    MICA_CHECK(is_floating(dt) || args.exponent.is_floating() || args.exponent.to_int() >= 0, name,
               ": integers to negative integer powers are not allowed (", dtype_name(a.dtype()),
               " tensor, exponent ", args.exponent, ")");
  }
  if (tr.int_to_float && !is_floating(dt)) dt = kFloat32;
  MICA_CHECK(tr.allow_bool || dt != kBool, name, ": not supported for bool tensors");
  MICA_CHECK(!tr.float_only || is_floating(dt), name,
             ": expected a floating dtype (float16, bfloat16, float32, float64), got ",
             dtype_name(dt));
  return dt;
}

void run_unary(UnaryOp op, const std::string& name, const Tensor& out, const Tensor& a,
               const PointwiseArgs& args) {
  detail::check_same_device(name.c_str(), {&out, &a});
  if (out.is_cuda())
    cuda::unary(op, out, a, args);
  else
    cpu::unary(op, out, a, args);
}

Tensor unary_named(UnaryOp op, const std::string& name, const Tensor& a,
                   const PointwiseArgs& args) {
  const UnaryTraits tr = traits(op);
  detail::check_defined(name.c_str(), a, "self");
  const DType cdt = compute_dtype(op, tr, name, a, args);
  Tensor out = empty(a.sizes(), TensorOptions(tr.bool_result ? kBool : cdt).device(a.device()));
  run_unary(op, name, out, detail::as_dtype(a, cdt), args);
  return out;
}

Tensor& unary_inplace_named(UnaryOp op, const std::string& name, Tensor& a,
                            const PointwiseArgs& args) {
  const UnaryTraits tr = traits(op);
  detail::check_defined(name.c_str(), a, "self");
  detail::check_writable(name, a);
  const DType cdt = compute_dtype(op, tr, name, a, args);
  const DType rdt = tr.bool_result ? kBool : cdt;
  detail::check_castable(name, rdt, a.dtype());
  if (rdt == a.dtype() && cdt == a.dtype()) {
    run_unary(op, name, a, a, args);
    a.bump_version();
  } else {
    a.copy_(unary_named(op, name, a, args));
  }
  return a;
}

UnaryOp gelu_op(std::string_view approximate, const char* name) {
  if (approximate == "none") return UnaryOp::Gelu;
  if (approximate == "tanh") return UnaryOp::GeluTanh;
  MICA_FAIL(name, ": approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
}

PointwiseArgs softplus_args(double beta, double threshold) {
  PointwiseArgs args;
  args.beta = beta;
  args.threshold = threshold;
  return args;
}
PointwiseArgs leaky_args(double negative_slope) {
  PointwiseArgs args;
  args.negative_slope = negative_slope;
  return args;
}
PointwiseArgs clamp_args(const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  PointwiseArgs args;
  args.min = min;
  args.max = max;
  return args;
}
PointwiseArgs pow_args(const Scalar& exponent) {
  PointwiseArgs args;
  args.exponent = exponent;
  return args;
}
}  // namespace

Tensor unary(UnaryOp op, const Tensor& a, const PointwiseArgs& args) {
  return unary_named(op, traits(op).name, a, args);
}
Tensor& unary_(UnaryOp op, Tensor& a, const PointwiseArgs& args) {
  return unary_inplace_named(op, detail::inplace_name(traits(op).name), a, args);
}

#define MICA_UNARY_OP(fn, Op)      \
  Tensor fn(const Tensor& a) {     \
    return unary(UnaryOp::Op, a);  \
  }                                \
  Tensor& fn##_(Tensor& a) {       \
    return unary_(UnaryOp::Op, a); \
  }
MICA_UNARY_OP(neg, Neg)
MICA_UNARY_OP(abs, Abs)
MICA_UNARY_OP(sign, Sign)
MICA_UNARY_OP(floor, Floor)
MICA_UNARY_OP(ceil, Ceil)
MICA_UNARY_OP(round, Round)
MICA_UNARY_OP(trunc, Trunc)
MICA_UNARY_OP(exp, Exp)
MICA_UNARY_OP(log, Log)
MICA_UNARY_OP(log1p, Log1p)
MICA_UNARY_OP(expm1, Expm1)
MICA_UNARY_OP(sqrt, Sqrt)
MICA_UNARY_OP(rsqrt, Rsqrt)
MICA_UNARY_OP(sin, Sin)
MICA_UNARY_OP(cos, Cos)
MICA_UNARY_OP(tanh, Tanh)
MICA_UNARY_OP(sigmoid, Sigmoid)
MICA_UNARY_OP(erf, Erf)
MICA_UNARY_OP(relu, Relu)
MICA_UNARY_OP(silu, Silu)
MICA_UNARY_OP(logical_not, LogicalNot)
#undef MICA_UNARY_OP

Tensor gelu(const Tensor& a, std::string_view approximate) {
  return unary(gelu_op(approximate, "gelu"), a);
}
Tensor& gelu_(Tensor& a, std::string_view approximate) {
  return unary_(gelu_op(approximate, "gelu_"), a);
}
Tensor gelu_backward(const Tensor& grad, const Tensor& x, std::string_view approximate) {
  const bool tanh_form = gelu_op(approximate, "gelu_backward") == UnaryOp::GeluTanh;
  detail::check_defined("gelu_backward", grad, "grad_output");
  detail::check_defined("gelu_backward", x, "self");
  detail::check_same_device("gelu_backward", {&grad, &x});
  MICA_CHECK(is_floating(x.dtype()) && grad.dtype() == x.dtype() && grad.sizes() == x.sizes(),
             "gelu_backward: expected grad_output and self of one floating dtype and shape, got ",
             detail::describe(grad), " and ", detail::describe(x));
  Tensor out = empty(x.sizes(), TensorOptions(x.dtype()).device(x.device()));
  if (out.is_cuda())
    cuda::gelu_backward(out, grad, x, tanh_form);
  else
    cpu::gelu_backward(out, grad.contiguous(), x.contiguous(), tanh_form);
  return out;
}
Tensor softplus(const Tensor& a, double beta, double threshold) {
  return unary(UnaryOp::Softplus, a, softplus_args(beta, threshold));
}
Tensor& softplus_(Tensor& a, double beta, double threshold) {
  return unary_(UnaryOp::Softplus, a, softplus_args(beta, threshold));
}
Tensor leaky_relu(const Tensor& a, double negative_slope) {
  return unary(UnaryOp::LeakyRelu, a, leaky_args(negative_slope));
}
Tensor& leaky_relu_(Tensor& a, double negative_slope) {
  return unary_(UnaryOp::LeakyRelu, a, leaky_args(negative_slope));
}

Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return unary(UnaryOp::Clamp, a, clamp_args(min, max));
}
Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return unary_(UnaryOp::Clamp, a, clamp_args(min, max));
}
Tensor clamp_min(const Tensor& a, const Scalar& min) {
  return unary_named(UnaryOp::Clamp, "clamp_min", a, clamp_args(min, std::nullopt));
}
Tensor clamp_max(const Tensor& a, const Scalar& max) {
  return unary_named(UnaryOp::Clamp, "clamp_max", a, clamp_args(std::nullopt, max));
}
Tensor& clamp_min_(Tensor& a, const Scalar& min) {
  return unary_inplace_named(UnaryOp::Clamp, "clamp_min_", a, clamp_args(min, std::nullopt));
}
Tensor& clamp_max_(Tensor& a, const Scalar& max) {
  return unary_inplace_named(UnaryOp::Clamp, "clamp_max_", a, clamp_args(std::nullopt, max));
}

Tensor pow(const Tensor& a, const Scalar& exponent) {
  return unary(UnaryOp::PowScalar, a, pow_args(exponent));
}
Tensor& pow_(Tensor& a, const Scalar& exponent) {
  return unary_(UnaryOp::PowScalar, a, pow_args(exponent));
}

}  // namespace mica::ops
