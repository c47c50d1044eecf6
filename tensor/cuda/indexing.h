// CUDA backend of the indexing ops, mirroring tensor/cpu/indexing.h: index range scans, offset
// gathers and scatters (accumulation is deterministic: sorted by destination, each destination
// summed in element order like the CPU), nonzero, masked_select and the tril/triu triangle mask.
// Inputs arrive validated and on one CUDA device. Kernels live in indexing*.cu; a build without
// CUDA links stub_indexing.cpp instead.
#pragma once

#include <utility>

#include "tensor/tensor.h"

namespace mica::cuda {

// (min, max) of an int32/int64 index tensor (any strides); (0, -1) when it is empty. Reduces on
// the device and waits for the two numbers.
std::pair<int64_t, int64_t> index_min_max(const Tensor& index);

// out[i] = *(src_base[i] + index[i] * mult), as cpu::gather_offsets.
// out, src_base, index: one shape (src_base and index strides may be 0).
void gather_offsets(const Tensor& out, const Tensor& src_base, const Tensor& index, int64_t mult,
                    int64_t wrap = 0);

// *(dst_base[i] + index[i] * mult) = src[i] (or += when accumulate), as cpu::scatter_offsets.
// dst_base, src, index: one shape. With accumulate, every destination gets its contributions
// added in increasing i (the CPU's order), each sum rounded to the dtype: bitwise the CPU result.
void scatter_offsets(const Tensor& dst_base, const Tensor& src, const Tensor& index, int64_t mult,
                     bool accumulate, int64_t wrap = 0);

// Row-major coordinates of the nonzero elements of t: int64 [n, t.dim()] on t's device.
Tensor nonzero(const Tensor& t);

// The elements of t where mask is true, in row-major order (t and mask: one shape, any strides).
Tensor masked_select(const Tensor& t, const Tensor& mask);

// Zeroes, in a contiguous tensor viewed as [batch, rows, cols], the elements above diagonal
// `diagonal` (upper = false, tril) or below it (upper = true, triu).
void zero_triangle(const Tensor& t, int64_t diagonal, bool upper);

}  // namespace mica::cuda
