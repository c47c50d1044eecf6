// CPU reduction kernels: each op picks its reducer (tensor/kernels/reduction.h) per dtype and
// runs it through reduce_loop, writing contiguous outputs.
#include "tensor/cpu/reduction.h"

#include <cmath>

namespace mica::cpu {

namespace {
// Runs reducer r over x and stores convert<O>(r.project(acc, count)) into the contiguous out.
template <class T, class O, class R>
void reduce_into(const Tensor& out, const Tensor& x, int64_t n_reduced, const R& r) {
  O* o = out.data_ptr<O>();
  reduce_loop<T>(x, n_reduced, r, [&](int64_t i, const typename R::acc_type& a, int64_t n) {
    o[i] = convert<O>(r.project(a, n));
  });
}

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

void var(const Tensor& out, const Tensor& x, int64_t n_reduced, double correction, bool take_sqrt) {
  dispatch_floating(x.dtype(), take_sqrt ? "std" : "var", [&]<class T>() {
    using A = kernels::acc_t<T>;
    reduce_into<T, T>(out, x, n_reduced,
                      kernels::VarReducer<T>{static_cast<A>(correction), take_sqrt});
  });
}

void max_min(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t n_reduced,
             bool is_max) {
  dispatch_all(x.dtype(), is_max ? "max" : "min", [&]<class T>() {
    auto run = [&]<bool kMax>() {
      if (!indices.defined()) {
        reduce_into<T, T>(values, x, n_reduced, kernels::ExtremeReducer<T, kMax>{});
        return;
      }
      T* v = values.defined() ? values.data_ptr<T>() : nullptr;
      int64_t* idx = indices.data_ptr<int64_t>();
      reduce_loop<T>(x, n_reduced, kernels::ArgExtremeReducer<T, kMax>{},
                     [&](int64_t i, const auto& a, int64_t) {
                       if (v) v[i] = convert<T>(a.value);
                       idx[i] = a.index;
                     });
    };
    if (is_max)
      run.template operator()<true>();
    else
      run.template operator()<false>();
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

void all_any(const Tensor& out, const Tensor& x, int64_t n_reduced, bool is_all) {
  dispatch_all(x.dtype(), is_all ? "all" : "any", [&]<class T>() {
    if (is_all)
      reduce_into<T, bool>(out, x, n_reduced, kernels::LogicalReducer<T, true>{});
    else
      reduce_into<T, bool>(out, x, n_reduced, kernels::LogicalReducer<T, false>{});
  });
}

}  // namespace mica::cpu
