// CUDA backend of the reductions, mirroring tensor/cpu/reduction.h: x is a CUDA view permuted so
// its last n_reduced dims are reduced (the front-end in tensor/ops/reduction.cpp prepares it);
// outputs are contiguous with x's kept sizes. Built from reduction_*.cu with CUDA, from
// stub_reduction.cpp without it (every function throws).
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// out dtype: int64 for integer/bool x, else x's dtype.
void sum(const Tensor& out, const Tensor& x, int64_t n_reduced);
void prod(const Tensor& out, const Tensor& x, int64_t n_reduced);
void mean(const Tensor& out, const Tensor& x, int64_t n_reduced);  // floating x
void var(const Tensor& out, const Tensor& x, int64_t n_reduced, double correction, bool take_sqrt);
// values (x's dtype) and/or indices (int64): either may be undefined (amax, argmax). Ties keep
// the first index; NaN counts as the extreme.
void max_min(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t n_reduced,
             bool is_max);
void norm(const Tensor& out, const Tensor& x, int64_t n_reduced, double p);        // floating x
void logsumexp(const Tensor& out, const Tensor& x, int64_t n_reduced);             // floating x
void all_any(const Tensor& out, const Tensor& x, int64_t n_reduced, bool is_all);  // bool out

}  // namespace mica::cuda
