// CUDA pointwise kernels, comparisons and logical ops (bool results), with the functors of the
// shared table (tensor/kernels/pointwise_table.h).
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda::detail {

bool binary_compare(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  return kernels::visit_binary_comparison(op, [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a, b);
  });
}

}  // namespace mica::cuda::detail
