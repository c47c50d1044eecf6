// Pointwise op front-ends: argument checks, broadcasting, type promotion, output allocation,
// and dispatch to the CPU (or, later, CUDA) backend.
#include "tensor/ops/pointwise.h"

#include "tensor/cpu/pointwise.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
enum class Result { Same, Bool };

struct BinaryTraits {
  const char* name;
  Result result;
  bool int_to_float;  // integer (and bool) inputs compute in float32, like true division
  bool allow_bool;
};

BinaryTraits traits(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return {"add", Result::Same, false, true};
    case BinaryOp::Sub:
      return {"sub", Result::Same, false, false};
    case BinaryOp::Mul:
      return {"mul", Result::Same, false, true};
    case BinaryOp::Div:
      return {"div", Result::Same, true, true};
    case BinaryOp::Eq:
      return {"eq", Result::Bool, false, true};
  }
  MICA_FAIL("binary: unknown op");
}

struct UnaryTraits {
  const char* name;
  bool int_to_float;
  bool allow_bool;
};

UnaryTraits traits(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return {"neg", false, false};
    case UnaryOp::Exp:
      return {"exp", true, true};
  }
  MICA_FAIL("unary: unknown op");
}

int category(DType t) {
  return t == kBool ? 0 : is_floating(t) ? 2 : 1;
}

// The dtype the op computes in, after promotion. As in PyTorch, a 0-d tensor next to a tensor
// with dims only promotes across categories (bool < integer < floating), like a scalar.
DType compute_dtype(const BinaryTraits& tr, const Tensor& a, const Tensor& b) {
  DType common = promote_types(a.dtype(), b.dtype());
  if ((a.dim() == 0) != (b.dim() == 0)) {
    const Tensor& dimmed = a.dim() == 0 ? b : a;
    const Tensor& zero_d = a.dim() == 0 ? a : b;
    if (category(zero_d.dtype()) <= category(dimmed.dtype())) common = dimmed.dtype();
  }
  MICA_CHECK(tr.allow_bool || common != kBool, tr.name, ": not supported for two bool tensors");
  if (tr.int_to_float && !is_floating(common)) common = kFloat32;
  return common;
}

Tensor as_dtype(const Tensor& t, DType d) {
  return t.dtype() == d ? t : t.to(d);
}

// Refuses to write into a tensor where several elements share one memory location.
void check_writable(const char* op, const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(t.stride(i) != 0 || t.size(i) <= 1, op, ": cannot write in place into a tensor ",
               "where several elements share memory (an expanded tensor, shape ",
               shape_str(t.sizes()), ", strides ", shape_str(t.strides()), ")");
}

Tensor scalar_like(const Tensor& a, const Scalar& s) {
  return full({}, s, TensorOptions(result_type(a.dtype(), s)).device(a.device()));
}

void run_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  detail::check_cpu(traits(op).name, {&a, &b});
  cpu::binary(op, out, a, b);
}
}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const BinaryTraits tr = traits(op);
  detail::check_defined(tr.name, a, "self");
  detail::check_defined(tr.name, b, "other");
  detail::check_same_device(tr.name, {&a, &b});
  const DType cdt = compute_dtype(tr, a, b);
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), tr.name);
  Tensor out =
      empty(shape, TensorOptions(tr.result == Result::Bool ? kBool : cdt).device(a.device()));
  run_binary(op, out, as_dtype(a, cdt).expand(shape), as_dtype(b, cdt).expand(shape));
  return out;
}

namespace {
Tensor& binary_inplace(BinaryOp op, Tensor& a, const Tensor& b) {
  const BinaryTraits tr = traits(op);
  const std::string name = std::string(tr.name) + "_";
  detail::check_defined(name.c_str(), a, "self");
  detail::check_defined(name.c_str(), b, "other");
  detail::check_same_device(name.c_str(), {&a, &b});
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name.c_str());
  MICA_CHECK(shape == a.sizes(), name, ": the result shape ", shape_str(shape),
             " does not match the in-place tensor's shape ", shape_str(a.sizes()));
  check_writable(name.c_str(), a);
  const DType cdt = compute_dtype(tr, a, b);
  const DType rdt = tr.result == Result::Bool ? kBool : cdt;
  MICA_CHECK(category(rdt) <= category(a.dtype()), name, ": result type ", dtype_name(rdt),
             " cannot be cast to the in-place tensor's dtype ", dtype_name(a.dtype()));
  if (rdt == a.dtype() && cdt == a.dtype()) {
    run_binary(op, a, a, as_dtype(b, cdt).expand(shape));
    a.bump_version();
  } else {
    a.copy_(binary(op, a, b));
  }
  return a;
}
}  // namespace

Tensor unary(UnaryOp op, const Tensor& a) {
  const UnaryTraits tr = traits(op);
  detail::check_defined(tr.name, a, "self");
  MICA_CHECK(tr.allow_bool || a.dtype() != kBool, tr.name, ": not supported for bool tensors");
  const DType cdt = tr.int_to_float && !is_floating(a.dtype()) ? kFloat32 : a.dtype();
  Tensor out = empty(a.sizes(), TensorOptions(cdt).device(a.device()));
  detail::check_cpu(tr.name, {&a});
  cpu::unary(op, out, as_dtype(a, cdt));
  return out;
}

namespace {
Tensor& unary_inplace(UnaryOp op, Tensor& a) {
  const UnaryTraits tr = traits(op);
  const std::string name = std::string(tr.name) + "_";
  detail::check_defined(name.c_str(), a, "self");
  check_writable(name.c_str(), a);
  MICA_CHECK(!(tr.int_to_float && !is_floating(a.dtype())), name, ": result type float32 cannot ",
             "be cast to the in-place tensor's dtype ", dtype_name(a.dtype()));
  MICA_CHECK(tr.allow_bool || a.dtype() != kBool, name, ": not supported for bool tensors");
  detail::check_cpu(name.c_str(), {&a});
  cpu::unary(op, a, a);
  a.bump_version();
  return a;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return binary(BinaryOp::Add, a, b);
  return binary(BinaryOp::Add, a, mul(b, alpha));
}
Tensor add(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Add, a, scalar_like(a, b));
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return binary(BinaryOp::Sub, a, b);
  return binary(BinaryOp::Sub, a, mul(b, alpha));
}
Tensor sub(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Sub, a, scalar_like(a, b));
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Mul, a, b);
}
Tensor mul(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Mul, a, scalar_like(a, b));
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Div, a, b);
}
Tensor div(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Div, a, scalar_like(a, b));
}

Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return binary_inplace(BinaryOp::Add, a, b);
  return binary_inplace(BinaryOp::Add, a, mul(b, alpha));
}
Tensor& add_(Tensor& a, const Scalar& b) {
  return binary_inplace(BinaryOp::Add, a, scalar_like(a, b));
}
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return binary_inplace(BinaryOp::Sub, a, b);
  return binary_inplace(BinaryOp::Sub, a, mul(b, alpha));
}
Tensor& sub_(Tensor& a, const Scalar& b) {
  return binary_inplace(BinaryOp::Sub, a, scalar_like(a, b));
}
Tensor& mul_(Tensor& a, const Tensor& b) {
  return binary_inplace(BinaryOp::Mul, a, b);
}
Tensor& mul_(Tensor& a, const Scalar& b) {
  return binary_inplace(BinaryOp::Mul, a, scalar_like(a, b));
}
Tensor& div_(Tensor& a, const Tensor& b) {
  return binary_inplace(BinaryOp::Div, a, b);
}
Tensor& div_(Tensor& a, const Scalar& b) {
  return binary_inplace(BinaryOp::Div, a, scalar_like(a, b));
}

Tensor neg(const Tensor& a) {
  return unary(UnaryOp::Neg, a);
}
Tensor exp(const Tensor& a) {
  return unary(UnaryOp::Exp, a);
}
Tensor& neg_(Tensor& a) {
  return unary_inplace(UnaryOp::Neg, a);
}
Tensor& exp_(Tensor& a) {
  return unary_inplace(UnaryOp::Exp, a);
}

Tensor eq(const Tensor& a, const Tensor& b) {
  return binary(BinaryOp::Eq, a, b);
}
Tensor eq(const Tensor& a, const Scalar& b) {
  return binary(BinaryOp::Eq, a, scalar_like(a, b));
}

}  // namespace mica::ops
