// Index math of the spatial ops written once as __host__ __device__ functions (PyTorch's
// formulas): upsampling source indices and weights, adaptive-pooling windows. Used by the CPU
// kernels (tensor/cpu/upsample.cpp, pool.cpp) and, later, by the CUDA ones.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/macros.h"

namespace mica::kernels {

// Source step per destination pixel: 1 / scale when the user gave a scale factor (scale > 0),
// else in / out.
template <class C>
MICA_INLINE C upsample_step(double scale, int64_t in, int64_t out) {
  return scale > 0 ? static_cast<C>(1.0 / scale) : static_cast<C>(in) / static_cast<C>(out);
}

// Nearest: source index floor(dst * step) clamped to in - 1 (exact for equal and doubled sizes).
MICA_INLINE int64_t nearest_source(int64_t dst, int64_t in, int64_t out, float step) {
  if (out == in) return dst;
  if (out == 2 * in) return dst / 2;
  const auto i = static_cast<int64_t>(floorf(static_cast<float>(dst) * step));
  return i < in - 1 ? i : in - 1;
}

// Linear interpolation weights of destination dst: source indices i0 <= i1 and weights w0 + w1
// = 1. align_corners: source = dst (in - 1) / (out - 1); else max((dst + 0.5) step - 0.5, 0).
template <class C>
struct LinearTap {
  int64_t i0, i1;
  C w0, w1;
};
template <class C>
MICA_INLINE LinearTap<C> linear_source(int64_t dst, int64_t in, int64_t out, bool align_corners,
                                       C step) {
  C src;
  if (align_corners) {
    src = out > 1 ? static_cast<C>(in - 1) / static_cast<C>(out - 1) * static_cast<C>(dst) : C(0);
  } else {
    src = step * (static_cast<C>(dst) + C(0.5)) - C(0.5);
    if (src < C(0)) src = C(0);
  }
  int64_t i0 = static_cast<int64_t>(floor(src));
  if (i0 > in - 1) i0 = in - 1;
  C lambda = src - static_cast<C>(i0);
  lambda = lambda < C(0) ? C(0) : lambda > C(1) ? C(1) : lambda;
  return {i0, i0 + (i0 < in - 1 ? 1 : 0), C(1) - lambda, lambda};
}

// Adaptive pooling window of output i: [floor(i in / out), ceil((i + 1) in / out)).
MICA_INLINE int64_t adaptive_start(int64_t i, int64_t in, int64_t out) {
  return i * in / out;
}
MICA_INLINE int64_t adaptive_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

}  // namespace mica::kernels
