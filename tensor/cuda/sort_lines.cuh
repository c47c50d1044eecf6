// Lines along one dim for the CUDA scan and sort kernels (scan.cu, sort.cu): a strided plan over
// every other dim, so line l of each operand starts at plan_offsets(plan, l) elements.
#pragma once

#include <array>

#include "tensor/kernels/strided_plan.h"
#include "tensor/tensor.h"

namespace mica::cuda {

// The plan over all dims but dim of N tensors that share their sizes except along dim (ts[0]
// gives them); its numel is the number of lines.
template <int N>
kernels::StridedPlan<N> line_plan(const std::array<const Tensor*, N>& ts, int64_t dim) {
  Shape sizes;
  std::array<Shape, N> strides;
  for (int64_t d = 0; d < ts[0]->dim(); ++d) {
    if (d == dim) continue;
    sizes.push_back(ts[0]->size(d));
    for (int k = 0; k < N; ++k) strides[k].push_back(ts[k]->stride(d));
  }
  std::array<const Shape*, N> ptrs;
  for (int k = 0; k < N; ++k) ptrs[k] = &strides[k];
  return kernels::make_plan<N>(sizes, ptrs);
}

}  // namespace mica::cuda
