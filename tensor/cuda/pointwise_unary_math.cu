// CUDA pointwise kernels, floating math and activations (exp, log, ..., tanh, sigmoid, erf, gelu,
// silu, softplus, leaky_relu), with the functors of the shared table
// (tensor/kernels/pointwise_table.h). tanh and the tanh-form GELU use the same float versions as
// the CPU (tensor/kernels/fast_math.h, __host__ __device__), so both devices agree to the bit.
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda::detail {

bool unary_math(ops::UnaryOp op, const Tensor& out, const Tensor& a,
                const ops::PointwiseArgs& args) {
  return kernels::visit_unary_math(op, args, [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a);
  });
}

}  // namespace mica::cuda::detail
