// The strided plan shared by the CPU loops and the CUDA kernels: an op's sizes and per-operand
// element strides with size-1 dims dropped and dims that are contiguous for every operand merged,
// innermost first. Built on the host; a StridedPlan is trivially copyable, so it is passed to
// CUDA kernels by value.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/error.h"
#include "tensor/macros.h"
#include "tensor/shape.h"

namespace mica::kernels {

inline constexpr int kMaxDims = 25;

// Sizes and per-operand element strides after dropping size-1 dims and merging dims that are
// contiguous with each other for every operand. dims are innermost-first.
template <int N>
struct StridedPlan {
  int ndim = 0;
  int64_t numel = 1;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];
};

template <int N>
StridedPlan<N> make_plan(const Shape& sizes, const std::array<const Shape*, N>& strides) {
  StridedPlan<N> p;
  MICA_CHECK(sizes.size() <= static_cast<size_t>(kMaxDims), "strided loop: tensors with more than ",
             kMaxDims, " dims are not supported (got ", sizes.size(), ")");
  p.numel = shape_numel(sizes);
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    if (sizes[d] == 1) continue;
    if (p.ndim > 0) {
      bool merge = true;
      const int last = p.ndim - 1;
      for (int k = 0; k < N; ++k)
        merge = merge && (*strides[k])[d] == p.strides[k][last] * p.sizes[last];
      if (merge) {
        p.sizes[last] *= sizes[d];
        continue;
      }
    }
    p.sizes[p.ndim] = sizes[d];
    for (int k = 0; k < N; ++k) p.strides[k][p.ndim] = (*strides[k])[d];
    ++p.ndim;
  }
  if (p.ndim == 0) {  // a single element
    p.sizes[0] = 1;
    for (int k = 0; k < N; ++k) p.strides[k][0] = 1;
    p.ndim = 1;
  }
  return p;
}

// Element offsets of every operand for a flat (row-major over the plan) index; usable on the host
// and in CUDA kernels.
template <int N>
MICA_INLINE void plan_offsets(const StridedPlan<N>& p, int64_t flat, int64_t (&offsets)[N]) {
  for (int k = 0; k < N; ++k) offsets[k] = 0;
  for (int d = 0; d < p.ndim; ++d) {
    const int64_t i = flat % p.sizes[d];
    flat /= p.sizes[d];
    for (int k = 0; k < N; ++k) offsets[k] += i * p.strides[k][d];
  }
}

}  // namespace mica::kernels
