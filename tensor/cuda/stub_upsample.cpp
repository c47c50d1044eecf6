// CUDA upsampling entry points for a build without CUDA: every call throws.
#include "tensor/cuda/upsample.h"
#include "tensor/error.h"

namespace mica::cuda {

void upsample_nearest2d(const Tensor&, const Tensor&, std::optional<double>,
                        std::optional<double>) {
  MICA_FAIL("upsample_nearest2d: mica was built without CUDA");
}
void upsample_bilinear2d(const Tensor&, const Tensor&, bool, std::optional<double>,
                         std::optional<double>) {
  MICA_FAIL("upsample_bilinear2d: mica was built without CUDA");
}
void upsample_nearest2d_backward(const Tensor&, const Tensor&, std::optional<double>,
                                 std::optional<double>) {
  MICA_FAIL("upsample_nearest2d_backward: mica was built without CUDA");
}
void upsample_bilinear2d_backward(const Tensor&, const Tensor&, bool, std::optional<double>,
                                  std::optional<double>) {
  MICA_FAIL("upsample_bilinear2d_backward: mica was built without CUDA");
}

}  // namespace mica::cuda
