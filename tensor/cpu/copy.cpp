// CPU copy with dtype conversion and fill, through the generic elementwise loop.
#include "tensor/cpu/copy.h"

#include <cstring>

#include "tensor/cpu/loops.h"

namespace mica::cpu {

void copy(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() &&
      dst.sizes() == src.sizes()) {
    const size_t n = dst.nbytes();
    char* d = static_cast<char*>(dst.raw_data());
    const char* s = static_cast<const char*>(src.raw_data());
    parallel_for(0, static_cast<int64_t>(n), kGrainSize * 8, [&](int64_t b, int64_t e) {
      std::memcpy(d + b, s + b, static_cast<size_t>(e - b));
    });
    return;
  }
  dispatch_all(dst.dtype(), "copy_", [&]<class D>() {
    dispatch_all(src.dtype(), "copy_", [&]<class S>() {
      elementwise<D, S>(
          dst, [](S v) { return convert<D>(v); }, src);
    });
  });
}

void fill(const Tensor& dst, const Scalar& value) {
  dispatch_all(dst.dtype(), "fill_", [&]<class T>() {
    const T v = value.to<T>();
    elementwise<T>(dst, [v]() { return v; });
  });
}

}  // namespace mica::cpu
