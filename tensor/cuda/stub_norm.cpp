// The CUDA normalization entry points (tensor/cuda/norm.h) in a build without CUDA: each throws.
#include "tensor/cuda/norm.h"
#include "tensor/error.h"

namespace mica::cuda {

void layer_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                const Tensor&, int64_t, int64_t, double) {
  MICA_FAIL("layer_norm: mica was built without CUDA");
}
void rms_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t,
              double) {
  MICA_FAIL("rms_norm: mica was built without CUDA");
}
void group_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                const Tensor&, int64_t, int64_t, int64_t, int64_t, double) {
  MICA_FAIL("group_norm: mica was built without CUDA");
}
void batch_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                const Tensor&, const Tensor&, const Tensor&, int64_t, int64_t, int64_t, bool,
                double, double) {
  MICA_FAIL("batch_norm: mica was built without CUDA");
}

}  // namespace mica::cuda
