// CUDA pointwise kernels, floating math and activations (exp, log, ..., tanh, sigmoid, erf, gelu,
// silu, softplus, leaky_relu): each UnaryOp maps to its shared functor exactly as in
// tensor/cpu/pointwise_unary.cpp. tanh and the tanh-form GELU use the same float versions as
// the CPU (tensor/cpu/fast_math.h, __host__ __device__), so both devices agree to the bit.
#include "tensor/cpu/fast_math.h"
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda::detail {

bool unary_math(ops::UnaryOp op, const Tensor& out, const Tensor& a,
                const ops::PointwiseArgs& args) {
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::Exp:
      map_same_type("exp", kFloating, plain<kernels::Exp>, out, a);
      return true;
    case UnaryOp::Log:
      map_same_type("log", kFloating, plain<kernels::Log>, out, a);
      return true;
    case UnaryOp::Log1p:
      map_same_type("log1p", kFloating, plain<kernels::Log1p>, out, a);
      return true;
    case UnaryOp::Expm1:
      map_same_type("expm1", kFloating, plain<kernels::Expm1>, out, a);
      return true;
    case UnaryOp::Sqrt:
      map_same_type("sqrt", kFloating, plain<kernels::Sqrt>, out, a);
      return true;
    case UnaryOp::Rsqrt:
      map_same_type("rsqrt", kFloating, plain<kernels::Rsqrt>, out, a);
      return true;
    case UnaryOp::Sin:
      map_same_type("sin", kFloating, plain<kernels::Sin>, out, a);
      return true;
    case UnaryOp::Cos:
      map_same_type("cos", kFloating, plain<kernels::Cos>, out, a);
      return true;
    case UnaryOp::Tanh:
      map_same_type("tanh", kFloating, plain<cpu::FastTanh>, out, a);
      return true;
    case UnaryOp::Sigmoid:
      map_same_type("sigmoid", kFloating, plain<kernels::Sigmoid>, out, a);
      return true;
    case UnaryOp::Erf:
      map_same_type("erf", kFloating, plain<kernels::Erf>, out, a);
      return true;
    case UnaryOp::Gelu:
      map_same_type("gelu", kFloating, plain<kernels::Gelu>, out, a);
      return true;
    case UnaryOp::GeluTanh:
      map_same_type("gelu", kFloating, plain<cpu::FastGeluTanh>, out, a);
      return true;
    case UnaryOp::Silu:
      map_same_type("silu", kFloating, plain<kernels::Silu>, out, a);
      return true;
    case UnaryOp::Softplus:
      map_same_type(
          "softplus", kFloating,
          [&]<class C>() {
            return kernels::Softplus<C>{static_cast<C>(args.beta), static_cast<C>(args.threshold)};
          },
          out, a);
      return true;
    case UnaryOp::LeakyRelu:
      map_same_type(
          "leaky_relu", kFloating,
          [&]<class C>() { return kernels::LeakyRelu<C>{static_cast<C>(args.negative_slope)}; },
          out, a);
      return true;
    default:
      return false;
  }
}

}  // namespace mica::cuda::detail
