// CUDA pointwise kernels with three operands: where (which also serves masked_fill), lerp with a
// tensor weight, addcmul, addcdiv and clamp with tensor bounds; each TernaryOp maps to its
// shared functor exactly as in tensor/cpu/pointwise.cpp.
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda {

using namespace detail;

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

}  // namespace mica::cuda
