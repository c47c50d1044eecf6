// CPU backend of the scans and sorting ops (tensor/ops/sort.h): kernels that work line by line
// along one dim, in parallel over the lines.
#pragma once

#include "tensor/tensor.h"

namespace mica::cpu {

// out: x's sizes, contiguous; int64 for integer/bool x, else x's dtype. x has at least one dim.
void cumsum(const Tensor& out, const Tensor& x, int64_t dim);
void cumprod(const Tensor& out, const Tensor& x, int64_t dim);
// values (x's dtype, may be undefined) and indices (int64): x's sizes; stable.
void sort(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
          bool descending);
// values (x's dtype) and indices (int64): x's sizes with size k along dim (k <= x.size(dim)).
void topk(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k, int64_t dim,
          bool largest);

}  // namespace mica::cpu
