// CUDA pointwise entry points for a build without CUDA: every call throws.
#include "tensor/cuda/pointwise.h"

namespace mica::cuda {

void binary(ops::BinaryOp, const Tensor&, const Tensor&, const Tensor&, const ops::PointwiseArgs&) {
  MICA_FAIL("binary pointwise op: mica was built without CUDA");
}
void unary(ops::UnaryOp, const Tensor&, const Tensor&, const ops::PointwiseArgs&) {
  MICA_FAIL("unary pointwise op: mica was built without CUDA");
}
void gelu_backward(const Tensor&, const Tensor&, const Tensor&, bool) {
  MICA_FAIL("gelu_backward: mica was built without CUDA");
}
void ternary(ops::TernaryOp, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
             const ops::PointwiseArgs&) {
  MICA_FAIL("ternary pointwise op: mica was built without CUDA");
}
bool has_zero(const Tensor&) {
  MICA_FAIL("has_zero: mica was built without CUDA");
}

}  // namespace mica::cuda
