// The CUDA indexing entry points (tensor/cuda/indexing.h) for a build without CUDA: each throws.
#include "tensor/cuda/indexing.h"

namespace mica::cuda {

std::pair<int64_t, int64_t> index_min_max(const Tensor&) {
  MICA_FAIL("index range check: mica was built without CUDA");
}
void gather_offsets(const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t) {
  MICA_FAIL("gather: mica was built without CUDA");
}
void scatter_offsets(const Tensor&, const Tensor&, const Tensor&, int64_t, bool, int64_t) {
  MICA_FAIL("scatter: mica was built without CUDA");
}
Tensor nonzero(const Tensor&) {
  MICA_FAIL("nonzero: mica was built without CUDA");
}
Tensor masked_select(const Tensor&, const Tensor&) {
  MICA_FAIL("masked_select: mica was built without CUDA");
}
void zero_triangle(const Tensor&, int64_t, bool) {
  MICA_FAIL("tril/triu: mica was built without CUDA");
}

}  // namespace mica::cuda
