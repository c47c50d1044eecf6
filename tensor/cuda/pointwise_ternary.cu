// CUDA pointwise kernels with three operands: where (which also serves masked_fill), lerp with a
// tensor weight, addcmul, addcdiv and clamp with tensor bounds, with the functors of the shared
// table (tensor/kernels/pointwise_table.h).
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda {

using namespace detail;

void ternary(ops::TernaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
             const Tensor& c, const ops::PointwiseArgs& args) {
  if (op == ops::TernaryOp::Where) {
    // No arithmetic: values are copied in their own type.
    return dispatch_all(b.dtype(), "where", [&]<class T>() {
      elementwise<T, bool, T, T>(out, kernels::Where{}, a, b, c);
    });
  }
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a, b, c);
  };
  if (kernels::visit_ternary_arithmetic(op, args, map)) return;
  MICA_FAIL("ternary: unknown op");
}

}  // namespace mica::cuda
