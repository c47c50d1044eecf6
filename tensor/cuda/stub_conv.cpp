// CUDA convolution entry points for a build without CUDA: every call throws.
#include "tensor/cuda/conv.h"
#include "tensor/error.h"

namespace mica::cuda {

void conv2d_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                    const cpu::Conv2dGeom&) {
  MICA_FAIL("conv2d: mica was built without CUDA");
}
void conv2d_backward_input(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                           const cpu::Conv2dGeom&) {
  MICA_FAIL("conv2d_backward_input: mica was built without CUDA");
}
void conv2d_backward_weight(const Tensor&, const Tensor&, const Tensor&, const cpu::Conv2dGeom&) {
  MICA_FAIL("conv2d_backward_weight: mica was built without CUDA");
}

}  // namespace mica::cuda
