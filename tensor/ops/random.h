// Random sampling on mica's counter-based Philox stream: factories (rand, randn, randint,
// randperm, ...) and samplers (bernoulli, multinomial) in namespace mica like torch::rand,
// in-place fills and dropout in mica::ops. Every generator argument is optional (null: the
// default generator of the tensor's device). Element i of a draw depends only on (seed,
// offset, i), so results do not depend on the thread count, and the CUDA backend reproduces
// them (the mapping is specified in docs/rng.md).
#pragma once

#include <optional>

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica {

// ---- factories ----
// Uniform in [0, 1); opts.dtype must be floating.
Tensor rand(const Shape& size, TensorOptions opts = {}, Generator* gen = nullptr);
// Standard normal; opts.dtype must be floating.
Tensor randn(const Shape& size, TensorOptions opts = {}, Generator* gen = nullptr);
// Normal with the given mean and standard deviation (std >= 0).
Tensor normal(double mean, double std, const Shape& size, TensorOptions opts = {},
              Generator* gen = nullptr);
// Integers uniform in [low, high) (or [0, high)); int64 unless opts gives a dtype.
Tensor randint(int64_t low, int64_t high, const Shape& size,
               std::optional<TensorOptions> opts = std::nullopt, Generator* gen = nullptr);
Tensor randint(int64_t high, const Shape& size, std::optional<TensorOptions> opts = std::nullopt,
               Generator* gen = nullptr);
// The like-variants take t's shape, and its dtype and device unless opts overrides them.
Tensor rand_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt,
                 Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt,
                  Generator* gen = nullptr);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high,
                    std::optional<TensorOptions> opts = std::nullopt, Generator* gen = nullptr);
// A uniformly random permutation of 0 .. n-1; int64 unless opts gives a dtype.
Tensor randperm(int64_t n, std::optional<TensorOptions> opts = std::nullopt,
                Generator* gen = nullptr);

// ---- samplers ----
// Draws 0/1 with probability p elementwise. p: any shape, floating, values in [0, 1].
// The result has p's shape and dtype.
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
// A tensor shaped like self (its dtype and device) of 0/1 draws with probability p.
Tensor bernoulli(const Tensor& self, double p, Generator* gen = nullptr);
// probs: [C] or [N, C] non-negative finite weights (not necessarily normalized), floating.
// Returns int64 [num_samples] or [N, num_samples]: category indices drawn proportionally to
// probs, with or without replacement (without: no repeats, in the order drawn; needs
// num_samples <= the number of nonzero categories of every row).
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false,
                   Generator* gen = nullptr);

}  // namespace mica

namespace mica::ops {

// ---- in-place fills (any layout; element i is t's i-th element in row-major order) ----
// Uniform in [from, to) (from <= to); t floating.
Tensor& uniform_(Tensor& t, double from = 0, double to = 1, Generator* gen = nullptr);
// Normal(mean, std) with std >= 0; t floating.
Tensor& normal_(Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);
// 0/1 with probability p (t any dtype).
Tensor& bernoulli_(Tensor& t, double p = 0.5, Generator* gen = nullptr);
// 0/1 with probability p[i]; p: floating, broadcastable to t's shape.
Tensor& bernoulli_(Tensor& t, const Tensor& p, Generator* gen = nullptr);

// ---- dropout ----
struct DropoutResult {
  Tensor output;  // x * mask / (1 - p): x's shape and dtype
  Tensor mask;    // bool, x's shape: true where x was kept (for the backward)
};
// x: any shape, floating. In training, zeroes each element with probability p and scales the
// rest by 1 / (1 - p). p = 0 or evaluation (training = false): output is a copy of x and the
// mask all true; p = 1: output is x * 0 and the mask all false. These cases draw no numbers.
DropoutResult dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace mica::ops
