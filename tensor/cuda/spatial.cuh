// Addressing helpers of the CUDA spatial kernels (pooling, upsampling and their backward passes):
// a 4-d [N, C, H, W] operand of any strides seen as N * C planes.
#pragma once

#include <cstdint>

#include "tensor/macros.h"
#include "tensor/tensor.h"

namespace mica::cuda {

struct Planes4 {
  int64_t c;               // channels: plane p is (p / c, p % c)
  int64_t sn, sc, sh, sw;  // element strides
  MICA_INLINE int64_t plane(int64_t p) const { return (p / c) * sn + (p % c) * sc; }
  MICA_INLINE int64_t at(int64_t p, int64_t y, int64_t x) const {
    return plane(p) + y * sh + x * sw;
  }
};

inline Planes4 planes_of(const Tensor& t) {
  return {t.size(1), t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
}

// The first i in [0, n) with key(i) >= target, for a key non-decreasing in i (n if none).
template <class F>
MICA_INLINE int64_t first_at_least(int64_t n, int64_t target, const F& key) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (key(mid) < target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace mica::cuda
