// CPU pointwise kernels, binary and ternary ops: maps each BinaryOp/TernaryOp to its shared
// functor (parameters converted to the compute type once) and runs it through the generic
// strided loop, computing 16-bit floats in float.
#include "tensor/cpu/pointwise.h"

#include "tensor/cpu/pointwise_impl.h"

namespace mica::cpu {

using namespace detail;

void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
            const ops::PointwiseArgs& args) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Add:
      return map_same_type(
          "add", kAll, [&]<class C>() { return kernels::Add<C>{args.alpha.to<C>()}; }, out, a, b);
    case BinaryOp::Sub:
      return map_same_type(
          "sub", kNumeric, [&]<class C>() { return kernels::Sub<C>{args.alpha.to<C>()}; }, out, a,
          b);
    case BinaryOp::Mul:
      return map_same_type("mul", kAll, plain<kernels::Mul>, out, a, b);
    case BinaryOp::Div:
      return map_same_type("div", kFloating, plain<kernels::Div>, out, a, b);
    case BinaryOp::DivTrunc:
      return map_same_type("div", kNumeric, plain<kernels::DivTrunc>, out, a, b);
    case BinaryOp::DivFloor:
      return map_same_type("div", kNumeric, plain<kernels::DivFloor>, out, a, b);
    case BinaryOp::Pow:
      return map_same_type("pow", kNumeric, plain<kernels::Pow>, out, a, b);
    case BinaryOp::Minimum:
      return map_same_type("minimum", kAll, plain<kernels::Minimum>, out, a, b);
    case BinaryOp::Maximum:
      return map_same_type("maximum", kAll, plain<kernels::Maximum>, out, a, b);
    case BinaryOp::Lerp:
      return map_same_type(
          "lerp", kFloating, [&]<class C>() { return kernels::LerpScalar<C>{args.weight.to<C>()}; },
          out, a, b);
    case BinaryOp::Eq:
      return map_same_type("eq", kAll, plain<kernels::Eq>, out, a, b);
    case BinaryOp::Ne:
      return map_same_type("ne", kAll, plain<kernels::Ne>, out, a, b);
    case BinaryOp::Lt:
      return map_same_type("lt", kAll, plain<kernels::Lt>, out, a, b);
    case BinaryOp::Le:
      return map_same_type("le", kAll, plain<kernels::Le>, out, a, b);
    case BinaryOp::Gt:
      return map_same_type("gt", kAll, plain<kernels::Gt>, out, a, b);
    case BinaryOp::Ge:
      return map_same_type("ge", kAll, plain<kernels::Ge>, out, a, b);
    case BinaryOp::LogicalAnd:
      return map_same_type("logical_and", kAll, plain<kernels::LogicalAnd>, out, a, b);
    case BinaryOp::LogicalOr:
      return map_same_type("logical_or", kAll, plain<kernels::LogicalOr>, out, a, b);
    case BinaryOp::LogicalXor:
      return map_same_type("logical_xor", kAll, plain<kernels::LogicalXor>, out, a, b);
  }
  MICA_FAIL("binary: unknown op");
}

void ternary(ops::TernaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
             const Tensor& c, const ops::PointwiseArgs& args) {
  using ops::TernaryOp;
  switch (op) {
    case TernaryOp::Where:
      // No arithmetic: values are copied in their own type.
      return dispatch_all(b.dtype(), "where", [&]<class T>() {
        elementwise<T, bool, T, T>(out, kernels::Where{}, a, b, c);
      });
    case TernaryOp::Lerp:
      return map_same_type("lerp", kFloating, plain<kernels::Lerp>, out, a, b, c);
    case TernaryOp::Addcmul:
      return map_same_type(
          "addcmul", kNumeric, [&]<class C>() { return kernels::Addcmul<C>{args.value.to<C>()}; },
          out, a, b, c);
    case TernaryOp::Addcdiv:
      return map_same_type(
          "addcdiv", kFloating, [&]<class C>() { return kernels::Addcdiv<C>{args.value.to<C>()}; },
          out, a, b, c);
    case TernaryOp::Clamp:
      return map_same_type("clamp", kNumeric, plain<kernels::ClampTensor>, out, a, b, c);
  }
  MICA_FAIL("ternary: unknown op");
}

bool has_zero(const Tensor& t) {
  const Tensor c = t.contiguous();
  return dispatch_all(c.dtype(), "has_zero", [&]<class T>() {
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (convert<compute_t<T>>(p[i]) == compute_t<T>(0)) return true;
    return false;
  });
}

}  // namespace mica::cpu
