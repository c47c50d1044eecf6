// Fused attention entry points for a build without CUDA: every call throws.
#include "tensor/cuda/attention.h"
#include "tensor/error.h"

namespace mica::cuda {

void attention_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                       bool, double) {
  MICA_FAIL("attention_forward: mica was built without CUDA");
}

void attention_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                        const Tensor&, const Tensor&, const Tensor&, const Tensor&, bool, double) {
  MICA_FAIL("attention_backward: mica was built without CUDA");
}

}  // namespace mica::cuda
