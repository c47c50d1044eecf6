// Contiguous float32 loops of the hottest transformer kernels, each compiled as GCC/Clang
// target clones (AVX-512, AVX2+FMA, baseline) and dispatched through an ifunc at load time; see
// vec_kernels.h. The element math is fast_math.h's, so every clone computes the same formulas.
#include "tensor/cpu/vec_kernels.h"

#include <algorithm>
#include <limits>

#include "tensor/kernels/fast_math.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(MICA_NO_TARGET_CLONES)
#define MICA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MICA_CLONES
#endif

namespace mica::cpu::vec {

MICA_CLONES void tanh_f32(float* o, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = kernels::tanh_f32(x[i]);
}

MICA_CLONES void gelu_tanh_f32(float* o, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = kernels::gelu_tanh_f32(x[i]);
}

MICA_CLONES void gelu_tanh_backward_f32(float* o, const float* g, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = g[i] * kernels::gelu_tanh_grad_f32(x[i]);
}

// Three passes over a row (in cache): max, exp(x - max) stored and summed, scale by 1 / sum.
// A row of all -inf gives NaN (like torch); a NaN anywhere makes the whole row NaN.
MICA_CLONES void softmax_rows_f32(float* o, const float* x, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r, x += n, o += n) {
    float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
    for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) {
      const float e = kernels::exp_f32(x[i] - m);
      o[i] = e;
      s += e;
    }
    const float inv = 1.0f / s;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] *= inv;
  }
}

MICA_CLONES void softmax_backward_rows_f32(float* o, const float* g, const float* y, int64_t rows,
                                           int64_t n, bool log) {
  for (int64_t r = 0; r < rows; ++r, o += n, g += n, y += n) {
    float s = 0;
    if (log) {
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < n; ++i) s += g[i];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = g[i] - kernels::exp_f32(y[i]) * s;
    } else {
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < n; ++i) s += g[i] * y[i];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = y[i] * (g[i] - s);
    }
  }
}

}  // namespace mica::cpu::vec
