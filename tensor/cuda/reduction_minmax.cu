// CUDA max/min, amax/amin and argmax/argmin: the shared extreme reducers of
// tensor/kernels/reduction.h through the generic CUDA reduction (tensor/cuda/reduction.cuh).
// With indices, partial states are combined with ties broken by the lower index, so the result
// is the CPU's first occurrence; NaN counts as the extreme.
#include "tensor/cuda/reduction.cuh"
#include "tensor/cuda/reduction.h"

namespace mica::cuda {

namespace {
// values[o] (when values is not null) and indices[o] from an arg-extreme state.
template <class T>
struct ArgWriter {
  T* values;
  int64_t* indices;
  __device__ __forceinline__ void operator()(int64_t o, const kernels::ValueIndex<compute_t<T>>& a,
                                             int64_t) const {
    if (values) values[o] = convert<T>(a.value);
    indices[o] = a.index;
  }
};

template <class T, bool kMax>
void run_max_min(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t n_reduced) {
  if (!indices.defined()) {
    reduce_into<T, T>(values, x, n_reduced, kernels::ExtremeReducer<T, kMax>{});
    return;
  }
  T* v = values.defined() ? values.data_ptr<T>() : nullptr;
  reduce<T>(x, n_reduced, kernels::ArgExtremeReducer<T, kMax>{},
            ArgWriter<T>{v, indices.data_ptr<int64_t>()});
}
}  // namespace

void max_min(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t n_reduced,
             bool is_max) {
  dispatch_all(x.dtype(), is_max ? "max" : "min", [&]<class T>() {
    if (is_max)
      run_max_min<T, true>(values, indices, x, n_reduced);
    else
      run_max_min<T, false>(values, indices, x, n_reduced);
  });
}

}  // namespace mica::cuda
