// Internal to the CPU pointwise kernels: runs a functor built for the compute type over tensors
// of one dtype through the generic strided loop, and the dtype sets a kernel dispatches over.
#pragma once

#include <type_traits>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/pointwise.h"

namespace mica::cpu::detail {

template <class T, class>
using Same = T;

// out[i] = make<C>()(in0[i], in1[i], ...) where every input has dtype T (chosen at run time from
// the first input by dispatch) and C = compute_t<T>. The output is bool when the functor returns
// bool (comparisons), else T. make builds the functor once, so parameters are converted to C
// outside the loop.
template <class Dispatch, class Make, class... Ts>
void map_same_type(const char* name, Dispatch dispatch, const Make& make, const Tensor& out,
                   const Tensor& first, const Ts&... rest) {
  dispatch(first.dtype(), name, [&]<class T>() {
    using C = compute_t<T>;
    const auto f = make.template operator()<C>();
    using R = decltype(f(C{}, Same<C, Ts>{}...));
    using Out = std::conditional_t<std::is_same_v<R, bool>, bool, T>;
    elementwise<Out, T, Same<T, Ts>...>(
        out,
        [f](T x, Same<T, Ts>... xs) { return convert<Out>(f(convert<C>(x), convert<C>(xs)...)); },
        first, rest...);
  });
}

// A make callable for a functor without parameters.
template <class F>
inline constexpr auto plain = []<class C>() { return F{}; };

// Dispatch sets as callables, so a kernel names which dtypes its functor supports.
inline constexpr auto kAll = [](DType t, const char* n, auto&& f) { return dispatch_all(t, n, f); };
inline constexpr auto kNumeric = [](DType t, const char* n, auto&& f) {
  return dispatch_numeric(t, n, f);
};
inline constexpr auto kFloating = [](DType t, const char* n, auto&& f) {
  return dispatch_floating(t, n, f);
};

}  // namespace mica::cpu::detail
