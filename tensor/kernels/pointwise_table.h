// Which shared functor (tensor/kernels/pointwise.h) each unary, binary and ternary pointwise op
// runs, with its name and the dtypes it accepts: written once, used by the CPU loop
// (tensor/cpu/pointwise.cpp) and the CUDA kernels (tensor/cuda/pointwise_*.cu), which differ only
// in how they map a functor. visit(name, dtypes, make) is called for the op; dtypes is a dispatch
// set (AllDTypes, NumericDTypes, FloatingDTypes: callable as dtypes(dtype, name, f)) and
// make.template operator()<C>() builds the functor for compute type C, parameters converted once.
// Host code.
#pragma once

#include "tensor/kernels/fast_math.h"
#include "tensor/kernels/pointwise.h"
#include "tensor/ops/pointwise.h"

namespace mica::kernels {

struct AllDTypes {
  template <class F>
  decltype(auto) operator()(DType t, const char* name, F&& f) const {
    return dispatch_all(t, name, f);
  }
};
struct NumericDTypes {
  template <class F>
  decltype(auto) operator()(DType t, const char* name, F&& f) const {
    return dispatch_numeric(t, name, f);
  }
};
struct FloatingDTypes {
  template <class F>
  decltype(auto) operator()(DType t, const char* name, F&& f) const {
    return dispatch_floating(t, name, f);
  }
};

// A make for a functor without parameters (a struct: nvcc warns about a generic lambda whose
// template parameter appears in no parameter type).
template <class F>
struct Plain {
  template <class C>
  F operator()() const {
    return F{};
  }
};
template <class F>
inline constexpr Plain<F> plain{};

// Unary ops without transcendental math (neg, abs, sign, the roundings, relu, clamp with scalar
// bounds, pow with a scalar exponent, logical_not); false for the others.
template <class Visit>
bool visit_unary_basic(ops::UnaryOp op, const ops::PointwiseArgs& args, Visit&& visit) {
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::Neg:
      visit("neg", NumericDTypes{}, plain<Neg>);
      return true;
    case UnaryOp::Abs:
      visit("abs", NumericDTypes{}, plain<Abs>);
      return true;
    case UnaryOp::Sign:
      visit("sign", AllDTypes{}, plain<Sign>);
      return true;
    case UnaryOp::Floor:
      visit("floor", NumericDTypes{}, plain<Floor>);
      return true;
    case UnaryOp::Ceil:
      visit("ceil", NumericDTypes{}, plain<Ceil>);
      return true;
    case UnaryOp::Round:
      visit("round", NumericDTypes{}, plain<Round>);
      return true;
    case UnaryOp::Trunc:
      visit("trunc", NumericDTypes{}, plain<Trunc>);
      return true;
    case UnaryOp::Relu:
      visit("relu", NumericDTypes{}, plain<Relu>);
      return true;
    case UnaryOp::Clamp:
      visit("clamp", NumericDTypes{}, [&]<class C>() {
        return Clamp<C>{args.min ? args.min->to<C>() : C(0), args.max ? args.max->to<C>() : C(0),
                        args.min.has_value(), args.max.has_value()};
      });
      return true;
    case UnaryOp::PowScalar:
      visit("pow", NumericDTypes{}, [&]<class C>() { return PowScalar<C>{args.exponent.to<C>()}; });
      return true;
    case UnaryOp::LogicalNot:
      visit("logical_not", AllDTypes{}, plain<LogicalNot>);
      return true;
    default:
      return false;
  }
}

// Floating math and activations; tanh and the tanh-form GELU use the float versions of
// fast_math.h on both devices. false for the others.
template <class Visit>
bool visit_unary_math(ops::UnaryOp op, const ops::PointwiseArgs& args, Visit&& visit) {
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::Exp:
      visit("exp", FloatingDTypes{}, plain<Exp>);
      return true;
    case UnaryOp::Log:
      visit("log", FloatingDTypes{}, plain<Log>);
      return true;
    case UnaryOp::Log1p:
      visit("log1p", FloatingDTypes{}, plain<Log1p>);
      return true;
    case UnaryOp::Expm1:
      visit("expm1", FloatingDTypes{}, plain<Expm1>);
      return true;
    case UnaryOp::Sqrt:
      visit("sqrt", FloatingDTypes{}, plain<Sqrt>);
      return true;
    case UnaryOp::Rsqrt:
      visit("rsqrt", FloatingDTypes{}, plain<Rsqrt>);
      return true;
    case UnaryOp::Sin:
      visit("sin", FloatingDTypes{}, plain<Sin>);
      return true;
    case UnaryOp::Cos:
      visit("cos", FloatingDTypes{}, plain<Cos>);
      return true;
    case UnaryOp::Tanh:
      visit("tanh", FloatingDTypes{}, plain<FastTanh>);
      return true;
    case UnaryOp::Sigmoid:
      visit("sigmoid", FloatingDTypes{}, plain<Sigmoid>);
      return true;
    case UnaryOp::Erf:
      visit("erf", FloatingDTypes{}, plain<Erf>);
      return true;
    case UnaryOp::Gelu:
      visit("gelu", FloatingDTypes{}, plain<Gelu>);
      return true;
    case UnaryOp::GeluTanh:
      visit("gelu", FloatingDTypes{}, plain<FastGeluTanh>);
      return true;
    case UnaryOp::Silu:
      visit("silu", FloatingDTypes{}, plain<Silu>);
      return true;
    case UnaryOp::Softplus:
      visit("softplus", FloatingDTypes{}, [&]<class C>() {
        return Softplus<C>{static_cast<C>(args.beta), static_cast<C>(args.threshold)};
      });
      return true;
    case UnaryOp::LeakyRelu:
      visit("leaky_relu", FloatingDTypes{},
            [&]<class C>() { return LeakyRelu<C>{static_cast<C>(args.negative_slope)}; });
      return true;
    default:
      return false;
  }
}

// Arithmetic binary ops (add ... lerp with a scalar weight); false for the others.
template <class Visit>
bool visit_binary_arithmetic(ops::BinaryOp op, const ops::PointwiseArgs& args, Visit&& visit) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Add:
      visit("add", AllDTypes{}, [&]<class C>() { return Add<C>{args.alpha.to<C>()}; });
      return true;
    case BinaryOp::Sub:
      visit("sub", NumericDTypes{}, [&]<class C>() { return Sub<C>{args.alpha.to<C>()}; });
      return true;
    case BinaryOp::Mul:
      visit("mul", AllDTypes{}, plain<Mul>);
      return true;
    case BinaryOp::Div:
      visit("div", FloatingDTypes{}, plain<Div>);
      return true;
    case BinaryOp::DivTrunc:
      visit("div", NumericDTypes{}, plain<DivTrunc>);
      return true;
    case BinaryOp::DivFloor:
      visit("div", NumericDTypes{}, plain<DivFloor>);
      return true;
    case BinaryOp::Pow:
      visit("pow", NumericDTypes{}, plain<Pow>);
      return true;
    case BinaryOp::Minimum:
      visit("minimum", AllDTypes{}, plain<Minimum>);
      return true;
    case BinaryOp::Maximum:
      visit("maximum", AllDTypes{}, plain<Maximum>);
      return true;
    case BinaryOp::Lerp:
      visit("lerp", FloatingDTypes{},
            [&]<class C>() { return LerpScalar<C>{args.weight.to<C>()}; });
      return true;
    case BinaryOp::SiluBackward:
      visit("silu_backward", FloatingDTypes{}, plain<SiluBackward>);
      return true;
    case BinaryOp::ReluBackward:
      visit("relu_backward", FloatingDTypes{}, plain<ReluBackward>);
      return true;
    case BinaryOp::LeakyReluBackward:
      visit("leaky_relu_backward", FloatingDTypes{},
            [&]<class C>() { return LeakyReluBackward<C>{static_cast<C>(args.negative_slope)}; });
      return true;
    default:
      return false;
  }
}

// Comparisons and logical ops (bool results); false for the others.
template <class Visit>
bool visit_binary_comparison(ops::BinaryOp op, Visit&& visit) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Eq:
      visit("eq", AllDTypes{}, plain<Eq>);
      return true;
    case BinaryOp::Ne:
      visit("ne", AllDTypes{}, plain<Ne>);
      return true;
    case BinaryOp::Lt:
      visit("lt", AllDTypes{}, plain<Lt>);
      return true;
    case BinaryOp::Le:
      visit("le", AllDTypes{}, plain<Le>);
      return true;
    case BinaryOp::Gt:
      visit("gt", AllDTypes{}, plain<Gt>);
      return true;
    case BinaryOp::Ge:
      visit("ge", AllDTypes{}, plain<Ge>);
      return true;
    case BinaryOp::LogicalAnd:
      visit("logical_and", AllDTypes{}, plain<LogicalAnd>);
      return true;
    case BinaryOp::LogicalOr:
      visit("logical_or", AllDTypes{}, plain<LogicalOr>);
      return true;
    case BinaryOp::LogicalXor:
      visit("logical_xor", AllDTypes{}, plain<LogicalXor>);
      return true;
    default:
      return false;
  }
}

// Ternary ops computed in one dtype (everything but where, whose condition is bool and which
// copies values without arithmetic); false for where.
template <class Visit>
bool visit_ternary_arithmetic(ops::TernaryOp op, const ops::PointwiseArgs& args, Visit&& visit) {
  using ops::TernaryOp;
  switch (op) {
    case TernaryOp::Lerp:
      visit("lerp", FloatingDTypes{}, plain<Lerp>);
      return true;
    case TernaryOp::Addcmul:
      visit("addcmul", NumericDTypes{}, [&]<class C>() { return Addcmul<C>{args.value.to<C>()}; });
      return true;
    case TernaryOp::Addcdiv:
      visit("addcdiv", FloatingDTypes{}, [&]<class C>() { return Addcdiv<C>{args.value.to<C>()}; });
      return true;
    case TernaryOp::Clamp:
      visit("clamp", NumericDTypes{}, plain<ClampTensor>);
      return true;
    default:
      return false;
  }
}

}  // namespace mica::kernels
