// Scans and sorting for a build without CUDA: every entry point of tensor/cuda/sort.h throws.
#include "tensor/cuda/sort.h"
#include "tensor/error.h"

namespace mica::cuda {

void cumsum(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("cumsum: mica was built without CUDA");
}
void cumprod(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("cumprod: mica was built without CUDA");
}
void sort(const Tensor&, const Tensor&, const Tensor&, int64_t, bool) {
  MICA_FAIL("sort: mica was built without CUDA");
}
void topk(const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t, bool) {
  MICA_FAIL("topk: mica was built without CUDA");
}

}  // namespace mica::cuda
