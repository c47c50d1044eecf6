// Which shared functor (tensor/kernels/pointwise.h) each binary and ternary pointwise op runs, with
// its name and the dtypes it accepts: written once, used by the CPU loop (tensor/cpu/pointwise.cpp)
// and the CUDA kernels (tensor/cuda/pointwise_*.cu), which differ only in how they map a functor.
// visit(name, dtypes, make) is called for the op; dtypes is a dispatch set (AllDTypes,
// NumericDTypes, FloatingDTypes: callable as dtypes(dtype, name, f)) and make.template
// operator()<C>() builds the functor for compute type C, parameters converted once. Host code.
#pragma once

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
