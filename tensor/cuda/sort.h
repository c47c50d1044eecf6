// CUDA backend of the scans and sorting ops (tensor/ops/sort.h), mirroring tensor/cpu/sort.h:
// lines along one dim of any strides. Scans are in scan.cu, sort/topk in sort.cu; without CUDA,
// stub_sort.cpp throws for every function.
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// out: x's sizes, contiguous; int64 for integer/bool x, else x's dtype. x has at least one dim.
void cumsum(const Tensor& out, const Tensor& x, int64_t dim);
void cumprod(const Tensor& out, const Tensor& x, int64_t dim);
// values (x's dtype, may be undefined) and indices (int64): x's sizes; stable (ties keep their
// order), NaN above every number (last ascending, first descending), -0 equal to +0.
void sort(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
          bool descending);
// values (x's dtype) and indices (int64): x's sizes with size k along dim (k <= x.size(dim));
// sorted, ties by the lower index.
void topk(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k, int64_t dim,
          bool largest);

}  // namespace mica::cuda
