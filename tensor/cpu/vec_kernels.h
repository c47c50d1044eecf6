// Contiguous float32 loops of the hottest transformer kernels (tanh, tanh-form GELU and its
// backward, softmax rows and their backward), compiled for several x86-64 levels (AVX-512,
// AVX2+FMA, baseline) and picked at load time, so they use the machine's full vector width while
// the rest of the library stays baseline x86-64. Serial: callers split the work in parallel.
#pragma once

#include <cstdint>

namespace mica::cpu::vec {

// o[i] = tanh(x[i]); o[i] = gelu_tanh(x[i]); o[i] = g[i] * gelu_tanh'(x[i])
// (tensor/kernels/fast_math.h).
void tanh_f32(float* o, const float* x, int64_t n);
void gelu_tanh_f32(float* o, const float* x, int64_t n);
void gelu_tanh_backward_f32(float* o, const float* g, const float* x, int64_t n);

// softmax of each of rows contiguous rows of length n: o = exp(x - max) / sum.
void softmax_rows_f32(float* o, const float* x, int64_t rows, int64_t n);
// Backward of each of rows contiguous rows of length n from the output y and its gradient g:
// softmax: o = y * (g - sum(g * y)); log_softmax: o = g - exp(y) * sum(g).
void softmax_backward_rows_f32(float* o, const float* g, const float* y, int64_t rows, int64_t n,
                               bool log);

}  // namespace mica::cpu::vec
