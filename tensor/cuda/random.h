// CUDA backend of the random ops, mirroring the fills of tensor/cpu/random.h: element i (row-major
// order) reads exactly the Philox words docs/rng.md assigns to it, through the shared transforms
// of tensor/kernels/philox.h, so a draw gives the CPU's numbers (bitwise, except normals: device
// log/sin/cos may differ from the host's by an ulp before rounding). The draw sizes
// (cpu::*_blocks) are device-independent; randperm and multinomial run on the host (see
// tensor/ops/random.cpp). Without CUDA, stub_random.cpp throws.
#pragma once

#include <optional>

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica::cuda {

// out (floating, any strides, no overlapping elements) filled in place on its device.
void uniform_(const Tensor& out, double from, double to, PhiloxDraw d);
void normal_(const Tensor& out, double mean, double std, PhiloxDraw d);
// Integers in [low, low + range), range > 0.
void randint_(const Tensor& out, int64_t low, uint64_t range, PhiloxDraw d);
// out[i] = (u_i < p); out any dtype.
void bernoulli_(const Tensor& out, double p, PhiloxDraw d);
// out[i] = (u_i < p[i]); p floating with out's sizes (expanded), on out's device.
void bernoulli_(const Tensor& out, const Tensor& p, PhiloxDraw d);
// output = x * (keep ? 1 / (1 - p) : 0), mask (bool) = keep with keep = (u_i >= p); x's sizes.
void dropout(const Tensor& output, const Tensor& mask, const Tensor& x, double p, PhiloxDraw d);

// The first (row-major) value of the floating tensor p outside [0, 1] (NaN included), or none.
std::optional<double> first_invalid_probability(const Tensor& p);

}  // namespace mica::cuda
