// CPU pointwise kernels: maps each BinaryOp/UnaryOp to its shared functor and runs it through
// the generic strided loop, computing 16-bit floats in float.
#include "tensor/cpu/pointwise.h"

#include "tensor/cpu/loops.h"
#include "tensor/kernels/pointwise.h"

namespace mica::cpu {

namespace {
// Output has the inputs' dtype.
template <class F, class Dispatch>
void same_type_binary(const Tensor& out, const Tensor& a, const Tensor& b, const char* name,
                      Dispatch dispatch) {
  dispatch(a.dtype(), name, [&]<class T>() {
    using C = compute_t<T>;
    elementwise<T, T, T>(
        out, [](T x, T y) { return convert<T>(F{}(convert<C>(x), convert<C>(y))); }, a, b);
  });
}

// Output is bool (comparisons, logical ops).
template <class F>
void bool_binary(const Tensor& out, const Tensor& a, const Tensor& b, const char* name) {
  dispatch_all(a.dtype(), name, [&]<class T>() {
    using C = compute_t<T>;
    elementwise<bool, T, T>(
        out, [](T x, T y) { return static_cast<bool>(F{}(convert<C>(x), convert<C>(y))); }, a, b);
  });
}

template <class F, class Dispatch>
void same_type_unary(const Tensor& out, const Tensor& a, const char* name, Dispatch dispatch) {
  dispatch(a.dtype(), name, [&]<class T>() {
    using C = compute_t<T>;
    elementwise<T, T>(
        out, [](T x) { return convert<T>(F{}(convert<C>(x))); }, a);
  });
}

// Dispatch sets as callables, so a kernel names which dtypes its functor supports.
constexpr auto kAll = [](DType t, const char* n, auto&& f) { return dispatch_all(t, n, f); };
constexpr auto kNumeric = [](DType t, const char* n, auto&& f) {
  return dispatch_numeric(t, n, f);
};
constexpr auto kFloating = [](DType t, const char* n, auto&& f) {
  return dispatch_floating(t, n, f);
};
}  // namespace

void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Add:
      return same_type_binary<kernels::Add>(out, a, b, "add", kAll);
    case BinaryOp::Sub:
      return same_type_binary<kernels::Sub>(out, a, b, "sub", kNumeric);
    case BinaryOp::Mul:
      return same_type_binary<kernels::Mul>(out, a, b, "mul", kAll);
    case BinaryOp::Div:
      return same_type_binary<kernels::Div>(out, a, b, "div", kFloating);
    case BinaryOp::Eq:
      return bool_binary<kernels::Eq>(out, a, b, "eq");
  }
  MICA_FAIL("binary: unknown op");
}

void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a) {
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::Neg:
      return same_type_unary<kernels::Neg>(out, a, "neg", kNumeric);
    case UnaryOp::Exp:
      return same_type_unary<kernels::Exp>(out, a, "exp", kFloating);
  }
  MICA_FAIL("unary: unknown op");
}

}  // namespace mica::cpu
