// The CUDA shape-op helper (tensor/cuda/shape.h) for a build without CUDA: it throws.
#include "tensor/cuda/shape.h"

namespace mica::cuda {

void strided_copy(const Tensor&, const Tensor&) {
  MICA_FAIL("cuda strided_copy: mica was built without CUDA");
}

}  // namespace mica::cuda
