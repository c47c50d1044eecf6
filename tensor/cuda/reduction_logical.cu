// CUDA all/any: the shared logical reducers of tensor/kernels/reduction.h through the generic
// CUDA reduction (tensor/cuda/reduction.cuh); NaN counts as true.
#include "tensor/cuda/reduction.cuh"
#include "tensor/cuda/reduction.h"

namespace mica::cuda {

void all_any(const Tensor& out, const Tensor& x, int64_t n_reduced, bool is_all) {
  dispatch_all(x.dtype(), is_all ? "all" : "any", [&]<class T>() {
    if (is_all)
      reduce_into<T, bool>(out, x, n_reduced, kernels::LogicalReducer<T, true>{});
    else
      reduce_into<T, bool>(out, x, n_reduced, kernels::LogicalReducer<T, false>{});
  });
}

}  // namespace mica::cuda
