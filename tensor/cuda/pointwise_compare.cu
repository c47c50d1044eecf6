// CUDA pointwise kernels, comparisons and logical ops (bool results): each BinaryOp maps to its
// shared functor exactly as in tensor/cpu/pointwise.cpp.
#include "tensor/cuda/pointwise_impl.cuh"

namespace mica::cuda::detail {

bool binary_compare(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Eq:
      map_same_type("eq", kAll, plain<kernels::Eq>, out, a, b);
      return true;
    case BinaryOp::Ne:
      map_same_type("ne", kAll, plain<kernels::Ne>, out, a, b);
      return true;
    case BinaryOp::Lt:
      map_same_type("lt", kAll, plain<kernels::Lt>, out, a, b);
      return true;
    case BinaryOp::Le:
      map_same_type("le", kAll, plain<kernels::Le>, out, a, b);
      return true;
    case BinaryOp::Gt:
      map_same_type("gt", kAll, plain<kernels::Gt>, out, a, b);
      return true;
    case BinaryOp::Ge:
      map_same_type("ge", kAll, plain<kernels::Ge>, out, a, b);
      return true;
    case BinaryOp::LogicalAnd:
      map_same_type("logical_and", kAll, plain<kernels::LogicalAnd>, out, a, b);
      return true;
    case BinaryOp::LogicalOr:
      map_same_type("logical_or", kAll, plain<kernels::LogicalOr>, out, a, b);
      return true;
    case BinaryOp::LogicalXor:
      map_same_type("logical_xor", kAll, plain<kernels::LogicalXor>, out, a, b);
      return true;
    default:
      return false;
  }
}

}  // namespace mica::cuda::detail
