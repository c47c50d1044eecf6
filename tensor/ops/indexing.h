// Raw indexing ops (PyTorch names and semantics): selecting, gathering and scattering through
// index tensors (int64 or int32), boolean masks, nonzero, embedding and one_hot. Indices are
// validated: an out-of-range index throws mica::Error naming the op, the index and the dim size.
// The shape ops (cat, stack, split, flip, pad, ...) are declared in tensor/ops/shape_ops.h.
#pragma once

#include "tensor/ops/shape_ops.h"
#include "tensor/tensor.h"

namespace mica::ops {

// t: [..., n, ...] (n at dim), index: [k] or 0-d, values in [0, n) -> [..., k, ...]
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);

// t: [d0, ..., dn], index: same number of dims, index.size(i) <= t.size(i) for i != dim, values
// in [0, t.size(dim)) -> index's shape; out[i][j][k] = t[i][index[i][j][k]][k] for dim 1.
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);

// Out-of-place scatters: a copy of t with, for dim 1, out[i][index[i][j][k]][k] = src[i][j][k]
// (scatter) or += src[i][j][k] (scatter_add). index: same number of dims as t, index.size(i) <=
// src.size(i) for all i and <= t.size(i) for i != dim. src has t's dtype. With repeated indices
// scatter keeps one of the values (unspecified which); scatter_add sums them all.
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& scatter_add_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);

// t[index] = values (t[index] += values when accumulate), like PyTorch's advanced indexing with
// one index tensor:
// - index bool (or uint8) of t's shape or of a leading part of it, t: [*m, *rest]; values
//   broadcast to [number of true elements, *rest];
// - index int64/int32 of any shape [*k], indexing dim 0 of t: [n, *rest]; negative indices count
//   from the end; values broadcast to [*k, *rest].
// values has t's dtype. Repeated indices: one value wins without accumulate, all add with it.
Tensor& index_put_(Tensor& t, const Tensor& index, const Tensor& values, bool accumulate = false);
Tensor& index_put_(Tensor& t, const Tensor& index, const Scalar& value, bool accumulate = false);
Tensor index_put(const Tensor& t, const Tensor& index, const Tensor& values,
                 bool accumulate = false);

// t and mask (bool) broadcast together -> 1-d tensor of the selected elements, row-major.
Tensor masked_select(const Tensor& t, const Tensor& mask);

// t: [d0, ..., dn-1] -> int64 [number of nonzero elements, n], their coordinates row-major.
Tensor nonzero(const Tensor& t);

// weight: [V, D], indices: [*] (int64/int32, values in [0, V)) -> [*, D]
Tensor embedding(const Tensor& weight, const Tensor& indices);

// indices: [*] (int64/int32, values in [0, num_classes)) -> int64 [*, num_classes];
// num_classes = -1 uses max(indices) + 1.
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

}  // namespace mica::ops
