// CUDA pointwise kernels, unary ops without transcendental math: neg, abs, sign, the roundings,
// relu, clamp with scalar bounds, pow with a scalar exponent and logical_not, with the functors of
// the shared table (tensor/kernels/pointwise_table.h); the floating math and the activations are
// in pointwise_unary_math.cu.
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda {

using namespace detail;

void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a, const ops::PointwiseArgs& args) {
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a);
  };
  if (kernels::visit_unary_basic(op, args, map) || unary_math(op, out, a, args)) return;
  MICA_FAIL("unary: unknown op");
}

}  // namespace mica::cuda
