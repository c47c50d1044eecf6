// CUDA copy and fill entry points for a build without CUDA: every call throws.
#include "tensor/cuda/copy.h"

namespace mica::cuda {

void copy(const Tensor&, const Tensor&) {
  MICA_FAIL("copy_: mica was built without CUDA");
}
void fill(const Tensor&, const Scalar&) {
  MICA_FAIL("fill_: mica was built without CUDA");
}

}  // namespace mica::cuda
