// Internal to the CPU pointwise kernels: runs a functor built for the compute type over tensors
// of one dtype through the generic strided loop, and the dtype sets a kernel dispatches over.
#pragma once

#include <type_traits>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/pointwise.h"
#include "tensor/kernels/pointwise_table.h"

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

// The make for a functor without parameters, and the dispatch sets, from the shared table.
using kernels::plain;
inline constexpr kernels::AllDTypes kAll{};
inline constexpr kernels::NumericDTypes kNumeric{};
inline constexpr kernels::FloatingDTypes kFloating{};

}  // namespace mica::cpu::detail
