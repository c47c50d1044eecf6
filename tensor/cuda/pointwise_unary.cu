// CUDA pointwise kernels, unary ops without transcendental math: neg, abs, sign, the roundings,
// relu, clamp with scalar bounds, pow with a scalar exponent and logical_not. Each UnaryOp maps
// to its shared functor exactly as in tensor/cpu/pointwise_unary.cpp; the floating math and the
// activations are in pointwise_unary_math.cu.
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda {

using namespace detail;

void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a, const ops::PointwiseArgs& args) {
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::Neg:
      return map_same_type("neg", kNumeric, plain<kernels::Neg>, out, a);
    case UnaryOp::Abs:
      return map_same_type("abs", kNumeric, plain<kernels::Abs>, out, a);
    case UnaryOp::Sign:
      return map_same_type("sign", kAll, plain<kernels::Sign>, out, a);
    case UnaryOp::Floor:
      return map_same_type("floor", kNumeric, plain<kernels::Floor>, out, a);
    case UnaryOp::Ceil:
      return map_same_type("ceil", kNumeric, plain<kernels::Ceil>, out, a);
    case UnaryOp::Round:
      return map_same_type("round", kNumeric, plain<kernels::Round>, out, a);
    case UnaryOp::Trunc:
      return map_same_type("trunc", kNumeric, plain<kernels::Trunc>, out, a);
    case UnaryOp::Relu:
      return map_same_type("relu", kNumeric, plain<kernels::Relu>, out, a);
    case UnaryOp::Clamp:
      return map_same_type(
          "clamp", kNumeric,
          [&]<class C>() {
            return kernels::Clamp<C>{args.min ? args.min->to<C>() : C(0),
                                     args.max ? args.max->to<C>() : C(0), args.min.has_value(),
                                     args.max.has_value()};
          },
          out, a);
    case UnaryOp::PowScalar:
      return map_same_type(
          "pow", kNumeric, [&]<class C>() { return kernels::PowScalar<C>{args.exponent.to<C>()}; },
          out, a);
    case UnaryOp::LogicalNot:
      return map_same_type("logical_not", kAll, plain<kernels::LogicalNot>, out, a);
    default:
      if (unary_math(op, out, a, args)) return;
  }
  MICA_FAIL("unary: unknown op");
}

}  // namespace mica::cuda
