// CPU backend of the random ops: parallel fills where element i depends only on (seed, offset,
// i), using the shared transforms of tensor/kernels/philox.h. Front-ends (tensor/ops/random.cpp)
// validate arguments and reserve the draw from the generator.
#pragma once

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica::cpu {

// Philox blocks each fill consumes for n elements (the generator offset advance).
uint64_t uniform_blocks(DType dtype, int64_t n);
uint64_t normal_blocks(DType dtype, int64_t n);
uint64_t randint_blocks(uint64_t range, int64_t n);
uint64_t bernoulli_blocks(int64_t n);
uint64_t randperm_blocks(int64_t n);
uint64_t multinomial_blocks(int64_t rows, int64_t categories, int64_t num_samples,
                            bool replacement);

// out (floating, any strides, no overlapping elements) filled in place.
void uniform_(const Tensor& out, double from, double to, PhiloxDraw d);
void normal_(const Tensor& out, double mean, double std, PhiloxDraw d);
// Integers in [low, low + range), range > 0.
void randint_(const Tensor& out, int64_t low, uint64_t range, PhiloxDraw d);
// out[i] = (u_i < p); out any dtype.
void bernoulli_(const Tensor& out, double p, PhiloxDraw d);
// out[i] = (u_i < p[i]); p floating with out's sizes (expanded).
void bernoulli_(const Tensor& out, const Tensor& p, PhiloxDraw d);
// output = x * (keep ? 1 / (1 - p) : 0), mask = keep with keep = (u_i >= p); all x's sizes.
void dropout(const Tensor& output, const Tensor& mask, const Tensor& x, double p, PhiloxDraw d);
// out: contiguous [n], any numeric dtype that holds n - 1.
void randperm(const Tensor& out, PhiloxDraw d);
// out: contiguous int64 [N, S]; probs: contiguous float64 [N, C], validated.
void multinomial(const Tensor& out, const Tensor& probs, bool replacement, PhiloxDraw d);

}  // namespace mica::cpu
