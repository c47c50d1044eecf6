// CUDA GELU backward: out = grad * gelu'(x) for the exact (erf) and the tanh form, computed in
// compute_t<T> with the same formulas as tensor/cpu/pointwise_unary.cpp (float's tanh form
// through the shared gelu_tanh_grad_f32 of tensor/kernels/fast_math.h, a __host__ __device__
// helper), so CPU and CUDA agree.
#include <cmath>

#include "tensor/cuda/pointwise.h"
#include "tensor/cuda/pointwise_impl.cuh"
#include "tensor/kernels/fast_math.h"

namespace mica::cuda {

namespace {

// grad * d/dx [0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))], stored as T.
template <class T>
struct GeluTanhBackward {
  MICA_INLINE T operator()(T g, T v) const {
    using C = compute_t<T>;
    const C a = convert<C>(v);
    C d;
    if constexpr (std::is_same_v<C, float>) {
      d = kernels::gelu_tanh_grad_f32(a);
    } else {
      const C k0 = C(0.79788456080286535588), k1 = C(0.044715);
      const C t = std::tanh(k0 * (a + k1 * a * a * a));
      d = C(0.5) * (C(1) + t) + C(0.5) * a * (C(1) - t * t) * k0 * (C(1) + C(3) * k1 * a * a);
    }
    return convert<T>(convert<C>(g) * d);
  }
};

// grad * (Phi(x) + x phi(x)), stored as T.
template <class T>
struct GeluErfBackward {
  MICA_INLINE T operator()(T g, T v) const {
    using C = compute_t<T>;
    const C a = convert<C>(v);
    const C cdf = C(0.5) * (C(1) + std::erf(a * C(0.70710678118654752440)));
    const C pdf = C(0.39894228040143267794) * std::exp(C(-0.5) * a * a);
    return convert<T>(convert<C>(g) * (cdf + a * pdf));
  }
};

}  // namespace

void gelu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, bool tanh_form) {
  dispatch_floating(x.dtype(), "gelu_backward", [&]<class T>() {
    if (tanh_form)
      elementwise<T, T, T>(out, GeluTanhBackward<T>{}, grad, x);
    else
      elementwise<T, T, T>(out, GeluErfBackward<T>{}, grad, x);
  });
}

}  // namespace mica::cuda
