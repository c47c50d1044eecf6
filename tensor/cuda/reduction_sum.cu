// CUDA sum, prod and mean: the shared reducers of tensor/kernels/reduction.h through the generic
// CUDA reduction (tensor/cuda/reduction.cuh).
#include "tensor/cuda/reduction.cuh"
#include "tensor/cuda/reduction.h"

namespace mica::cuda {

namespace {
// The output type of sum/prod: int64 for integers and bool, the input type otherwise.
template <class T>
using sum_out_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, T, int64_t>;
}  // namespace

void sum(const Tensor& out, const Tensor& x, int64_t n_reduced) {
  dispatch_all(x.dtype(), "sum", [&]<class T>() {
    reduce_into<T, sum_out_t<T>>(out, x, n_reduced, kernels::SumReducer<T>{});
  });
}

void prod(const Tensor& out, const Tensor& x, int64_t n_reduced) {
  dispatch_all(x.dtype(), "prod", [&]<class T>() {
    reduce_into<T, sum_out_t<T>>(out, x, n_reduced, kernels::ProdReducer<T>{});
  });
}

void mean(const Tensor& out, const Tensor& x, int64_t n_reduced) {
  dispatch_floating(x.dtype(), "mean", [&]<class T>() {
    reduce_into<T, T>(out, x, n_reduced, kernels::MeanReducer<T>{});
  });
}

}  // namespace mica::cuda
