// CUDA var/std, vector norms and logsumexp: the shared reducers of tensor/kernels/reduction.h
// through the generic CUDA reduction (tensor/cuda/reduction.cuh).
#include <cmath>

#include "tensor/cuda/reduction.cuh"
#include "tensor/cuda/reduction.h"

namespace mica::cuda {

void var(const Tensor& out, const Tensor& x, int64_t n_reduced, double correction, bool take_sqrt) {
  dispatch_floating(x.dtype(), take_sqrt ? "std" : "var", [&]<class T>() {
    using A = kernels::acc_t<T>;
    reduce_into<T, T>(out, x, n_reduced,
                      kernels::VarReducer<T>{static_cast<A>(correction), take_sqrt});
  });
}

void norm(const Tensor& out, const Tensor& x, int64_t n_reduced, double p) {
  dispatch_floating(x.dtype(), "norm", [&]<class T>() {
    using A = kernels::acc_t<T>;
    if (p == 0)
      reduce_into<T, T>(out, x, n_reduced, kernels::NormZeroReducer<T>{});
    else if (p == 1)
      reduce_into<T, T>(out, x, n_reduced, kernels::NormOneReducer<T>{});
    else if (p == 2)
      reduce_into<T, T>(out, x, n_reduced, kernels::NormTwoReducer<T>{});
    else if (std::isinf(p) && p > 0)
      reduce_into<T, T>(out, x, n_reduced, kernels::NormInfReducer<T, true>{});
    else if (std::isinf(p))
      reduce_into<T, T>(out, x, n_reduced, kernels::NormInfReducer<T, false>{});
    else
      reduce_into<T, T>(out, x, n_reduced, kernels::NormPReducer<T>{{}, static_cast<A>(p)});
  });
}

void logsumexp(const Tensor& out, const Tensor& x, int64_t n_reduced) {
  dispatch_floating(x.dtype(), "logsumexp", [&]<class T>() {
    reduce_into<T, T>(out, x, n_reduced, kernels::LogSumExpReducer<T>{});
  });
}

}  // namespace mica::cuda
