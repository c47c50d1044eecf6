// Math of the non-spatial nn ops written once as __host__ __device__ helpers, shared by the CPU
// kernels (tensor/cpu/{softmax,norm,loss}.cpp) and the future CUDA kernels: the running
// log-sum-exp state, normalization's affine apply, and label smoothing.
#pragma once

#include <cmath>
#include <limits>

#include "tensor/macros.h"

namespace mica::kernels {

// A running log-sum-exp: max m and sum s of exp(x - m) over the values seen so far. Rows of all
// -inf keep m = -inf, s = 0 (so lse() is -inf and softmax NaN, like torch).
template <class A>
struct LseState {
  A m = -std::numeric_limits<A>::infinity();
  A s = 0;

  // Moves the reference max to new_m >= m, rescaling the sum.
  MICA_INLINE void rebase(A new_m) {
    if (new_m > m) {
      s = m == -std::numeric_limits<A>::infinity() ? A(0) : s * std::exp(m - new_m);
      m = new_m;
    }
  }
  // Merges another state (parallel/warp reductions).
  MICA_INLINE void combine(const LseState& o) {
    if (o.m == -std::numeric_limits<A>::infinity()) return;
    rebase(o.m);
    s += o.s * std::exp(o.m - m);
  }
  MICA_INLINE A lse() const { return m + std::log(s); }
};

// Normalization's pointwise apply: (x - mean) * rstd * w + b.
template <class C>
MICA_INLINE C norm_apply(C x, C mean, C rstd, C w, C b) {
  return (x - mean) * rstd * w + b;
}

// The smoothed probability target: (1 - s) * q + s / classes.
template <class A>
MICA_INLINE A smooth_target(A q, A smoothing, A classes) {
  return (A(1) - smoothing) * q + smoothing / classes;
}

}  // namespace mica::kernels
