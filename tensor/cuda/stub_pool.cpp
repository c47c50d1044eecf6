// CUDA pooling entry points for a build without CUDA: every call throws.
#include "tensor/cuda/pool.h"
#include "tensor/error.h"

namespace mica::cuda {

void max_pool2d(const Tensor&, const Tensor&, const Tensor&, const cpu::Pool2dGeom&) {
  MICA_FAIL("max_pool2d: mica was built without CUDA");
}
void avg_pool2d(const Tensor&, const Tensor&, const cpu::Pool2dGeom&, bool, int64_t) {
  MICA_FAIL("avg_pool2d: mica was built without CUDA");
}
void adaptive_avg_pool2d(const Tensor&, const Tensor&) {
  MICA_FAIL("adaptive_avg_pool2d: mica was built without CUDA");
}
bool max_pool2d_backward(const Tensor&, const Tensor&, const Tensor&) {
  MICA_FAIL("max_pool2d_backward: mica was built without CUDA");
}
void avg_pool2d_backward(const Tensor&, const Tensor&, const cpu::Pool2dGeom&, bool, int64_t) {
  MICA_FAIL("avg_pool2d_backward: mica was built without CUDA");
}
void adaptive_avg_pool2d_backward(const Tensor&, const Tensor&) {
  MICA_FAIL("adaptive_avg_pool2d_backward: mica was built without CUDA");
}

}  // namespace mica::cuda
