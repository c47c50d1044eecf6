// softmax for a build without CUDA: every entry point of tensor/cuda/softmax.h throws.
#include "tensor/cuda/softmax.h"
#include "tensor/error.h"

namespace mica::cuda {

void softmax(const Tensor&, const Tensor&, int64_t, int64_t, int64_t, bool log) {
  MICA_FAIL(log ? "log_softmax" : "softmax", ": mica was built without CUDA");
}
void softmax_backward(const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t, int64_t,
                      bool log) {
  MICA_FAIL(log ? "log_softmax_backward" : "softmax_backward", ": mica was built without CUDA");
}

}  // namespace mica::cuda
