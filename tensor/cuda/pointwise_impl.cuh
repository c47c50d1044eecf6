// Internal to the CUDA pointwise kernels (pointwise_*.cu): the CUDA analogue of
// tensor/cpu/pointwise_impl.h. map_same_type builds an op's functor once on the host for the
// compute type and runs it through cuda::elementwise inside a small converting wrapper (nvcc
// allows no __device__ lambdas inside the generic dispatch lambdas); the dtype sets each op
// dispatches over; and the entry points that split the op groups across files.
#pragma once

#include <type_traits>

#include "tensor/cuda/loops.cuh"
#include "tensor/cuda/pointwise.h"
#include "tensor/kernels/pointwise.h"
#include "tensor/kernels/pointwise_table.h"

namespace mica::cuda::detail {

template <class T, class>
using Same = T;

// Runs f in the compute type C on inputs stored as any element type and stores an Out.
template <class F, class C, class Out>
struct ComputeIn {
  F f;
  template <class... Xs>
  MICA_INLINE Out operator()(Xs... xs) const {
    return convert<Out>(f(convert<C>(xs)...));
  }
};

// out[i] = make<C>()(in0[i], in1[i], ...) where every input has dtype T (chosen at run time from
// the first input by dispatch) and C = compute_t<T>. The output is bool when the functor returns
// bool (comparisons), else T. make builds the functor on the host, so parameters are converted
// to C once. Same contract as cpu::detail::map_same_type.
template <class Dispatch, class Make, class... Ts>
void map_same_type(const char* name, Dispatch dispatch, const Make& make, const Tensor& out,
                   const Tensor& first, const Ts&... rest) {
  dispatch(first.dtype(), name, [&]<class T>() {
    using C = compute_t<T>;
    const auto f = make.template operator()<C>();
    using F = std::remove_const_t<decltype(f)>;
    using R = decltype(f(C{}, Same<C, Ts>{}...));
    using Out = std::conditional_t<std::is_same_v<R, bool>, bool, T>;
    elementwise<Out, T, Same<T, Ts>...>(out, ComputeIn<F, C, Out>{f}, first, rest...);
  });
}

// The make for a functor without parameters, and the dispatch sets, from the shared table.
using kernels::plain;
inline constexpr kernels::AllDTypes kAll{};
inline constexpr kernels::NumericDTypes kNumeric{};
inline constexpr kernels::FloatingDTypes kFloating{};

// The op groups of the other files: comparisons and logical ops (pointwise_compare.cu), the
// floating math and activations (pointwise_unary_math.cu). Each returns false for an op that is
// not its own.
bool binary_compare(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
bool unary_math(ops::UnaryOp op, const Tensor& out, const Tensor& a,
                const ops::PointwiseArgs& args);

}  // namespace mica::cuda::detail
