// CPU backend of the indexing ops: index range scans, gathers and scatters through an index
// tensor, nonzero, masked_select and the triangle mask of tril/triu. Inputs arrive validated.
#pragma once

#include <utility>

#include "tensor/tensor.h"

namespace mica::cpu {

// (min, max) of an int32/int64 index tensor (any strides); (0, -1) when it is empty.
std::pair<int64_t, int64_t> index_min_max(const Tensor& index);

// out[i] = *(src_base[i] + index[i] * mult) for every element i of out. src_base is a view with
// out's sizes over the source storage (strides may be 0); index (int32/int64) has out's sizes
// (strides may be 0). With wrap > 0 a negative index value v reads v + wrap. Every resulting
// offset must land inside the source (the front-end validates the index range).
void gather_offsets(const Tensor& out, const Tensor& src_base, const Tensor& index, int64_t mult,
                    int64_t wrap = 0);

// *(dst_base[i] + index[i] * mult) = src[i] (or += when accumulate) for every element i of
// index. dst_base, index and src share one shape (strides may be 0); src has dst's dtype.
// Negative index values wrap as in gather_offsets.
// Writes to one location from several i: the last write wins without accumulate (order
// unspecified), every contribution is summed with it.
void scatter_offsets(const Tensor& dst_base, const Tensor& src, const Tensor& index, int64_t mult,
                     bool accumulate, int64_t wrap = 0);

// Row-major coordinates of the nonzero elements of t: int64 [n, t.dim()].
Tensor nonzero(const Tensor& t);

// The elements of t where mask is true, in row-major order (t and mask have one shape).
Tensor masked_select(const Tensor& t, const Tensor& mask);

// Zeroes, in a contiguous tensor viewed as [batch, rows, cols], the elements above diagonal
// `diagonal` (upper = false, tril) or below it (upper = true, triu).
void zero_triangle(const Tensor& t, int64_t diagonal, bool upper);

}  // namespace mica::cpu
