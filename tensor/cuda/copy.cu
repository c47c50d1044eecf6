// CUDA copy with dtype conversion and fill through the generic elementwise kernel: a plain
// cudaMemcpyAsync for same-dtype contiguous copies, a raw-bits strided copy for a same-dtype
// strided one (one kernel per element size), and a converting kernel per dtype pair otherwise.
#include <cstdint>

#include "tensor/cuda/copy.h"
#include "tensor/cuda/loops.cuh"
#include "tensor/kernels/element_bits.h"

namespace mica::cuda {

namespace {

// Stores v converted to D.
template <class D>
struct ConvertTo {
  template <class S>
  MICA_INLINE D operator()(S v) const {
    return convert<D>(v);
  }
};

// Moves the bits of one element unchanged.
struct Identity {
  template <class T>
  MICA_INLINE T operator()(T v) const {
    return v;
  }
};

template <class T>
struct Constant {
  T value;
  MICA_INLINE T operator()() const { return value; }
};

}  // namespace

void copy(const Tensor& dst, const Tensor& src) {
  MICA_CHECK(dst.sizes() == src.sizes() && dst.is_cuda() && src.device() == dst.device(),
             "copy_ (cuda): expected tensors of one shape on one CUDA device, got ",
             shape_str(dst.sizes()), " on ", dst.device(), " and ", shape_str(src.sizes()), " on ",
             src.device());
  if (dst.numel() == 0) return;
  if (dst.dtype() == src.dtype()) {
    if (dst.is_contiguous() && src.is_contiguous()) {
      if (dst.raw_data() == src.raw_data()) return;
      DeviceGuard guard(dst.device().index);
      MICA_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), dst.nbytes(),
                                      cudaMemcpyDeviceToDevice, stream_of(dst)));
      return;
    }
    kernels::dispatch_bytes(element_size(dst.dtype()), "copy_",
                            [&]<class U>() { elementwise<U, U>(dst, Identity{}, src); });
    return;
  }
  dispatch_all(dst.dtype(), "copy_", [&]<class D>() {
    dispatch_all(src.dtype(), "copy_",
                 [&]<class S>() { elementwise<D, S>(dst, ConvertTo<D>{}, src); });
  });
}

void fill(const Tensor& dst, const Scalar& value) {
  MICA_CHECK(dst.is_cuda(), "fill_ (cuda): expected a CUDA tensor, got one on ", dst.device());
  dispatch_all(dst.dtype(), "fill_", [&]<class T>() {
    const T v = value.to<T>();
    // Zero bits fill with a memset when the tensor is one dense block.
    bool zero = true;
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&v);
    for (size_t i = 0; i < sizeof(T); ++i) zero = zero && bytes[i] == 0;
    if (zero && dst.is_contiguous()) {
      if (dst.numel() == 0) return;
      DeviceGuard guard(dst.device().index);
      MICA_CUDA_CHECK(cudaMemsetAsync(dst.raw_data(), 0, dst.nbytes(), stream_of(dst)));
      return;
    }
    elementwise<T>(dst, Constant<T>{v});
  });
}

}  // namespace mica::cuda
