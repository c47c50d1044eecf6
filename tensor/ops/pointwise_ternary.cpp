// Pointwise op front-ends with three operands: where, masked_fill, lerp with a tensor weight,
// addcmul, addcdiv and clamp with tensor bounds (three-way broadcasting and promotion).
#include "tensor/cpu/pointwise.h"
#include "tensor/cuda/pointwise.h"
#include "tensor/ops/pointwise_detail.h"

namespace mica::ops {

namespace {
const char* ternary_name(TernaryOp op) {
  switch (op) {
    case TernaryOp::Where:
      return "where";
    case TernaryOp::Lerp:
      return "lerp";
    case TernaryOp::Addcmul:
      return "addcmul";
    case TernaryOp::Addcdiv:
      return "addcdiv";
    case TernaryOp::Clamp:
      return "clamp";
  }
  MICA_FAIL("ternary: unknown op");
}

Shape broadcast3(const std::string& name, const Tensor& a, const Tensor& b, const Tensor& c) {
  try {
    return broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes(), name.c_str()), c.sizes(),
                            name.c_str());
  } catch (const Error&) {
    MICA_FAIL(name, ": shapes ", shape_str(a.sizes()), ", ", shape_str(b.sizes()), " and ",
              shape_str(c.sizes()), " cannot be broadcast together");
  }
}

// The dtype the op computes in (for where: the dtype of b and c; a is the condition).
DType compute_dtype(TernaryOp op, const std::string& name, const Tensor& a, const Tensor& b,
                    const Tensor& c) {
  switch (op) {
    case TernaryOp::Where:
      MICA_CHECK(a.dtype() == kBool, name, ": expected a bool condition, got ",
                 dtype_name(a.dtype()));
      return detail::result_type({&b, &c});
    case TernaryOp::Lerp:
      MICA_CHECK(is_floating(a.dtype()), name,
                 ": expected a floating dtype (float16, bfloat16, float32, float64), got ",
                 dtype_name(a.dtype()));
      MICA_CHECK(b.dtype() == a.dtype(), name, ": expected dtype ", dtype_name(a.dtype()),
                 " for 'end' but got ", dtype_name(b.dtype()));
      MICA_CHECK(c.dtype() == a.dtype(), name, ": expected dtype ", dtype_name(a.dtype()),
                 " for 'weight' but got ", dtype_name(c.dtype()));
      return a.dtype();
    case TernaryOp::Addcdiv:
      MICA_CHECK(is_floating(b.dtype()) || is_floating(c.dtype()), name,
                 ": integer division is not supported (tensor1 ", dtype_name(b.dtype()),
                 ", tensor2 ", dtype_name(c.dtype()), "); use a floating tensor1 or tensor2");
      [[fallthrough]];
    case TernaryOp::Addcmul:
    case TernaryOp::Clamp: {
      const DType dt = detail::result_type({&a, &b, &c});
      MICA_CHECK(dt != kBool, name, ": not supported for bool tensors");
      return dt;
    }
  }
  MICA_FAIL("ternary: unknown op");
}

void run_ternary(TernaryOp op, const std::string& name, const Tensor& out, const Tensor& a,
                 const Tensor& b, const Tensor& c, const PointwiseArgs& args) {
  detail::check_same_device(name.c_str(), {&out, &a, &b, &c});
  if (out.is_cuda())
    cuda::ternary(op, out, a, b, c, args);
  else
    cpu::ternary(op, out, a, b, c, args);
}

void check_args(const std::string& name, const Tensor& a, const Tensor& b, const Tensor& c) {
  detail::check_defined(name.c_str(), a, "self");
  detail::check_defined(name.c_str(), b, "tensor1");
  detail::check_defined(name.c_str(), c, "tensor2");
  detail::check_same_device(name.c_str(), {&a, &b, &c});
}

Tensor ternary_named(TernaryOp op, const std::string& name, const Tensor& a, const Tensor& b,
                     const Tensor& c, const PointwiseArgs& args) {
  check_args(name, a, b, c);
  const Shape shape = broadcast3(name, a, b, c);
  const DType cdt = compute_dtype(op, name, a, b, c);
  Tensor out = empty(shape, TensorOptions(cdt).device(b.device()));
  const Tensor first = op == TernaryOp::Where ? a : detail::as_dtype(a, cdt);
  run_ternary(op, name, out, first.expand(shape), detail::as_dtype(b, cdt).expand(shape),
              detail::as_dtype(c, cdt).expand(shape), args);
  return out;
}

Tensor& ternary_inplace_named(TernaryOp op, const std::string& name, Tensor& a, const Tensor& b,
                              const Tensor& c, const PointwiseArgs& args) {
  MICA_CHECK(op != TernaryOp::Where, name, ": where has no in-place variant");
  check_args(name, a, b, c);
  const Shape shape = broadcast3(name, a, b, c);
  detail::check_inplace_shape(name, a, shape);
  const DType cdt = compute_dtype(op, name, a, b, c);
  detail::check_castable(name, cdt, a.dtype());
  if (cdt == a.dtype()) {
    run_ternary(op, name, a, a, detail::unaliased(detail::as_dtype(b, cdt).expand(shape), a),
                detail::unaliased(detail::as_dtype(c, cdt).expand(shape), a), args);
    a.bump_version();
  } else {
    a.copy_(ternary_named(op, name, a, b, c, args));
  }
  return a;
}

PointwiseArgs value_args(const Scalar& value) {
  PointwiseArgs args;
  args.value = value;
  return args;
}

// value as a 0-d tensor of self's dtype (masked_fill).
Tensor fill_value(const std::string& name, const Tensor& self, const Tensor& value) {
  detail::check_defined(name.c_str(), value, "value");
  MICA_CHECK(value.dim() == 0, name, ": value must be a 0-d tensor, got shape ",
             shape_str(value.sizes()));
  return detail::as_dtype(value.to(self.device()), self.dtype());
}

void check_mask(const std::string& name, const Tensor& self, const Tensor& mask) {
  detail::check_defined(name.c_str(), self, "self");
  detail::check_defined(name.c_str(), mask, "mask");
  detail::check_same_device(name.c_str(), {&self, &mask});
  MICA_CHECK(mask.dtype() == kBool, name, ": expected a bool mask, got ", dtype_name(mask.dtype()));
}
}  // namespace

Tensor ternary(TernaryOp op, const Tensor& a, const Tensor& b, const Tensor& c,
               const PointwiseArgs& args) {
  return ternary_named(op, ternary_name(op), a, b, c, args);
}
Tensor& ternary_(TernaryOp op, Tensor& a, const Tensor& b, const Tensor& c,
                 const PointwiseArgs& args) {
  return ternary_inplace_named(op, detail::inplace_name(ternary_name(op)), a, b, c, args);
}

// ---- where ----
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return ternary(TernaryOp::Where, cond, a, b);
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  detail::check_defined("where", a, "self");
  return where(cond, a, detail::wrap_scalar(b, detail::result_type({&a}, {&b}), a.device()));
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  detail::check_defined("where", b, "other");
  return where(cond, detail::wrap_scalar(a, detail::result_type({&b}, {&a}), b.device()), b);
}
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  detail::check_defined("where", cond, "condition");
  const DType dt = detail::result_type({}, {&a, &b});
  return where(cond, detail::wrap_scalar(a, dt, cond.device()),
               detail::wrap_scalar(b, dt, cond.device()));
}

// ---- masked_fill: where(mask, value, self) in self's dtype ----
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  const std::string name = "masked_fill";
  check_mask(name, self, mask);
  const Tensor v = fill_value(name, self, value);
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), name.c_str());
  Tensor out = empty(shape, self.options());
  run_ternary(TernaryOp::Where, name, out, mask.expand(shape), v.expand(shape), self.expand(shape),
              {});
  return out;
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  detail::check_defined("masked_fill", self, "self");
  return masked_fill(self, mask, detail::wrap_scalar(value, self.dtype(), self.device()));
}
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  const std::string name = "masked_fill_";
  check_mask(name, self, mask);
  const Tensor v = fill_value(name, self, value);
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), name.c_str());
  detail::check_inplace_shape(name, self, shape);
  run_ternary(TernaryOp::Where, name, self, detail::unaliased(mask.expand(shape), self),
              v.expand(shape), self, {});
  self.bump_version();
  return self;
}
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value) {
  detail::check_defined("masked_fill_", self, "self");
  return masked_fill_(self, mask, detail::wrap_scalar(value, self.dtype(), self.device()));
}

// ---- lerp, addcmul, addcdiv ----
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  return ternary(TernaryOp::Lerp, start, end, weight);
}
Tensor& lerp_(Tensor& start, const Tensor& end, const Tensor& weight) {
  return ternary_(TernaryOp::Lerp, start, end, weight);
}
Tensor addcmul(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  return ternary(TernaryOp::Addcmul, self, a, b, value_args(value));
}
Tensor addcdiv(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  return ternary(TernaryOp::Addcdiv, self, a, b, value_args(value));
}
Tensor& addcmul_(Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  return ternary_(TernaryOp::Addcmul, self, a, b, value_args(value));
}
Tensor& addcdiv_(Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value) {
  return ternary_(TernaryOp::Addcdiv, self, a, b, value_args(value));
}

// ---- clamp with tensor bounds ----
Tensor clamp(const Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  const bool has_min = min && min->defined(), has_max = max && max->defined();
  MICA_CHECK(has_min || has_max, "clamp: at least one of min and max must be given");
  if (!has_max) return detail::clamp_one_sided("clamp", true, a, *min);
  if (!has_min) return detail::clamp_one_sided("clamp", false, a, *max);
  return ternary(TernaryOp::Clamp, a, *min, *max);
}
Tensor& clamp_(Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  const bool has_min = min && min->defined(), has_max = max && max->defined();
  MICA_CHECK(has_min || has_max, "clamp_: at least one of min and max must be given");
  if (!has_max) return detail::clamp_one_sided_("clamp_", true, a, *min);
  if (!has_min) return detail::clamp_one_sided_("clamp_", false, a, *max);
  return ternary_(TernaryOp::Clamp, a, *min, *max);
}

}  // namespace mica::ops
