// Math of the non-spatial nn ops written once as __host__ __device__ helpers, shared by the CPU
// kernels (tensor/cpu/{softmax,norm,loss}.cpp) and the future CUDA kernels: the running
// log-sum-exp state, normalization's affine apply, and label smoothing.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "tensor/half.h"
#include "tensor/macros.h"

namespace mica::kernels {

// exp(x) for float in straight-line code the compiler can vectorize (std::exp is a library call
// per element): Cody-Waite range reduction x = n * ln2 + r with |r| <= ln2 / 2, a degree-7
// Taylor polynomial for e^r, and 2^n applied as two normal powers of two so results down to the
// denormals are right. Within 2 ulp of std::exp; exp(-inf) = 0, exp(x > 88.72) = inf, NaN
// stays NaN. Special cases are selected with integer masks: float compares in a ternary keep
// GCC from vectorizing under its default -ftrapping-math.
MICA_INLINE float exp_f32(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  // x below -104 gives 0, above 88.7228394 (the largest finite result) inf; as float bits:
  constexpr int32_t kLoBits = static_cast<int32_t>(0xc2d00000), kNegLoAbs = 0x42d00000;  // -+104
  constexpr int32_t kHiBits = 0x42b17218;                                                // 88.72
  const int32_t xb = static_cast<int32_t>(detail::float_bits(x));
  const int32_t ax = xb & 0x7fffffff;
  const int32_t neg = xb >> 31;  // all ones for negative x
  const int32_t nan_m = -static_cast<int32_t>(ax > 0x7f800000);
  const int32_t lo_m = neg & -static_cast<int32_t>(ax > kNegLoAbs);  // x < kLo, -inf
  const int32_t hi_m = ~neg & -static_cast<int32_t>(ax > kHiBits);   // x > kHi, +inf
  int32_t cb = (xb & ~lo_m) | (kLoBits & lo_m);
  cb = (cb & ~(hi_m | nan_m)) | (kHiBits & hi_m);  // NaN computes on 0, patched below
  const float xc = detail::bits_float(static_cast<uint32_t>(cb));
  const float fn = (xc * kLog2e + kRound) - kRound;
  const float r = (xc - fn * kLn2Hi) - fn * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t n = static_cast<int32_t>(fn);
  const int32_t h = n >> 1;
  const float y = p * detail::bits_float(static_cast<uint32_t>(h + 127) << 23) *
                  detail::bits_float(static_cast<uint32_t>(n - h + 127) << 23);
  int32_t yb = static_cast<int32_t>(detail::float_bits(y));
  yb = (yb & ~hi_m) | (0x7f800000 & hi_m);
  yb = (yb & ~nan_m) | (xb & nan_m);
  return detail::bits_float(static_cast<uint32_t>(yb));
}

// exp in the compute type: the vectorizable float version, std::exp for double.
template <class A>
MICA_INLINE A exp_c(A x) {
  if constexpr (std::is_same_v<A, float>)
    return exp_f32(x);
  else
    return std::exp(x);
}

// A running log-sum-exp: max m and sum s of exp(x - m) over the values seen so far. While m is
// -inf (only -inf or NaN seen), s is 0 or NaN; so a row of all -inf gives lse() = -inf (softmax
// NaN, like torch) and a NaN anywhere in a row makes the whole row NaN.
template <class A>
struct LseState {
  A m = -std::numeric_limits<A>::infinity();
  A s = 0;

  // Moves the reference max to new_m when it is larger, rescaling the sum.
  MICA_INLINE void rebase(A new_m) {
    if (new_m > m) {
      if (m != -std::numeric_limits<A>::infinity()) s *= std::exp(m - new_m);
      m = new_m;
    }
  }
  // The reference a block's exps are taken against: m, or 0 while m is -inf (then the block's
  // values are -inf, whose exp is 0, or NaN, which must reach s).
  MICA_INLINE A shift() const { return m == -std::numeric_limits<A>::infinity() ? A(0) : m; }
  // Merges another state (parallel/warp reductions).
  MICA_INLINE void combine(const LseState& o) {
    rebase(o.m);
    s += o.m == -std::numeric_limits<A>::infinity() ? o.s : o.s * std::exp(o.m - m);
  }
  MICA_INLINE A lse() const { return m + std::log(s); }
};

// The input of a loss viewed as [outer, classes, inner]; one row per (outer, inner) pair.
struct LossLayout {
  int64_t outer = 1;
  int64_t classes = 1;
  int64_t inner = 1;
  MICA_INLINE int64_t rows() const { return outer * inner; }
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
