// Linear-algebra CUDA entry points for a build without CUDA: every GEMM call throws;
// set_allow_tf32 is a no-op and allow_tf32() answers false.
#include "tensor/cuda/linalg.h"
#include "tensor/error.h"

namespace mica::cuda {

void batched_matmul(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&) {
  MICA_FAIL("matmul: mica was built without CUDA");
}
bool matmul_bias_epilogue(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                          const Scalar&) {
  MICA_FAIL("linear: mica was built without CUDA");
}
void set_allow_tf32(bool) {}  // no CUDA GEMMs to affect
bool allow_tf32() {
  return false;
}

}  // namespace mica::cuda
