// Vectorizable float versions of the transcendental activations the CPU kernels spend most time
// in (std::tanh is a per-element libm call that GCC cannot vectorize): tanh, the tanh-form GELU
// and its derivative, all built on kernels::exp_f32. Straight-line code with integer-mask
// selects, so the elementwise loops vectorize them. Double keeps the libm functions.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/kernels/nn.h"
#include "tensor/kernels/pointwise.h"

namespace mica::kernels {

// tanh for float within about 2 ulp. |x| < 0.625: the Taylor series x + c3 x^3 + ... + c21 x^21
// (alternating, truncation below 2e-9 relative); otherwise 1 - 2 / (exp(2|x|) + 1), whose
// cancellation is harmless there. The sign is copied from x (tanh(-0) = -0, NaN stays NaN).
MICA_INLINE float tanh_f32(float x) {
  const uint32_t xb = detail::float_bits(x);
  const uint32_t sign = xb & 0x80000000u;
  const float ax = detail::bits_float(xb & 0x7fffffffu);
  const float z = ax * ax;
  // Coefficients of x^21 ... x^3: 2^2n (2^2n - 1) B_2n / (2n)!.
  float q = 9.691537956929451e-05f;
  q = q * z - 2.3912911424355248e-04f;
  q = q * z + 5.90027440945586e-04f;
  q = q * z - 1.4558343870513183e-03f;
  q = q * z + 3.592128036572481e-03f;
  q = q * z - 8.863235529902197e-03f;
  q = q * z + 2.1869488536155203e-02f;
  q = q * z - 5.396825396825397e-02f;
  q = q * z + 1.3333333333333333e-01f;
  q = q * z - 3.3333333333333333e-01f;
  const float small = ax + ax * z * q;
  const float e = kernels::exp_f32(ax + ax);  // inf for large |x|: 2 / inf = 0
  const float large = 1.0f - 2.0f / (e + 1.0f);
  // 0.625f as float bits; ax's bits compare like ax itself (NaN > everything: large path).
  const int32_t use_small = -static_cast<int32_t>((xb & 0x7fffffffu) < 0x3f200000u);
  const uint32_t r = (detail::float_bits(small) & static_cast<uint32_t>(use_small)) |
                     (detail::float_bits(large) & ~static_cast<uint32_t>(use_small));
  return detail::bits_float(r | sign);
}

// GELU, tanh form: 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), evaluated as the
// equal x / (1 + exp(-2u)) (1 + tanh(u) = 2 sigmoid(2u)), which avoids the cancellation of
// 1 + tanh(u) for negative u.
MICA_INLINE float gelu_tanh_f32(float x) {
  constexpr float k0 = 0.79788456080286535588f, k1 = 0.044715f;
  const float u = k0 * (x + k1 * x * x * x);
  return x / (1.0f + kernels::exp_f32(-2.0f * u));
}

// d gelu_tanh / dx = s + 2 x s (1 - s) u' with s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3 0.044715
// x^2); s (1 - s) = E s^2 with E = exp(-2u), E clamped to exp(80) so E s^2 stays finite (it is
// then below 1e-34 anyway).
MICA_INLINE float gelu_tanh_grad_f32(float x) {
  constexpr float k0 = 0.79788456080286535588f, k1 = 0.044715f;
  const float u = k0 * (x + k1 * x * x * x);
  constexpr int32_t k80 = 0x42a00000;  // 80.0f
  int32_t ab = static_cast<int32_t>(detail::float_bits(-2.0f * u));
  const int32_t m = -static_cast<int32_t>(ab > k80);  // > 80 or +NaN (x is NaN then anyway)
  ab = (ab & ~m) | (k80 & m);
  const float e = kernels::exp_f32(detail::bits_float(static_cast<uint32_t>(ab)));
  const float s = 1.0f / (1.0f + e);
  const float du = k0 * (1.0f + 3.0f * k1 * x * x);
  return s + 2.0f * x * du * (e * s * s);
}

// Functors for the elementwise loops: the float versions above for float (and 16-bit types,
// which compute in float), the shared kernels otherwise.
struct FastTanh {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_same_v<T, float>)
      return tanh_f32(a);
    else
      return kernels::Tanh{}(a);
  }
};
struct FastGeluTanh {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_same_v<T, float>)
      return gelu_tanh_f32(a);
    else
      return kernels::GeluTanh{}(a);
  }
};

}  // namespace mica::kernels
