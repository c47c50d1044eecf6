// CUDA shape-op helper: the same-dtype strided copy, through the generic elementwise kernel
// with an identity functor on unsigned integers of the element's width (data movement only).
#include "tensor/cuda/indexing_util.cuh"
#include "tensor/cuda/loops.cuh"
#include "tensor/cuda/shape.h"

namespace mica::cuda {

namespace {
struct Identity {
  template <class U>
  MICA_INLINE U operator()(U v) const {
    return v;
  }
};
}  // namespace

void strided_copy(const Tensor& dst, const Tensor& src) {
  MICA_CHECK(
      dst.dtype() == src.dtype() && dst.sizes() == src.sizes() && dst.device() == src.device(),
      "cuda strided_copy: expected one dtype, shape and device, got ", dtype_name(src.dtype()), " ",
      shape_str(src.sizes()), " on ", src.device(), " -> ", dtype_name(dst.dtype()), " ",
      shape_str(dst.sizes()), " on ", dst.device());
  if (dst.numel() == 0) return;
  detail::dispatch_bytes(dst.element_size(),
                         [&]<class U>() { elementwise<U, U>(dst, Identity{}, src); });
}

}  // namespace mica::cuda
