// The CUDA loss entry points (tensor/cuda/loss.h) in a build without CUDA: each throws.
#include "tensor/cuda/loss.h"
#include "tensor/error.h"

namespace mica::cuda {

void class_index_loss(const char* op, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                      const Tensor&, const Tensor&, kernels::LossLayout, ops::Reduction, int64_t,
                      double, bool) {
  MICA_FAIL(op, ": mica was built without CUDA");
}
void prob_target_loss(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                      const Tensor&, kernels::LossLayout, ops::Reduction, double) {
  MICA_FAIL("cross_entropy: mica was built without CUDA");
}

}  // namespace mica::cuda
