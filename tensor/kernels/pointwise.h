// Pointwise math written once as __host__ __device__ functors: used by the generic CPU loop
// (tensor/cpu/pointwise*.cpp) and by the generic CUDA kernel alike. Each functor works in the
// compute type T (float for the 16-bit floats); parametrized ops carry their parameters as
// members (LeakyRelu<T>{slope}), converted to T once by the backend. Functors never throw:
// the front-ends (tensor/ops/pointwise*.cpp) reject inputs a functor cannot handle (integer
// division by zero, negative integer powers of a scalar exponent).
#pragma once

#include <cmath>
#include <type_traits>

#include "tensor/macros.h"

namespace mica::kernels {

template <class T>
MICA_INLINE bool is_nan(T a) {
  if constexpr (std::is_floating_point_v<T>)
    return a != a;
  else
    return false;
}

// a * b for integers with wrap-around (computed unsigned, no signed-overflow UB).
template <class T>
MICA_INLINE T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}
// -a for integers with wrap-around.
template <class T>
MICA_INLINE T wrap_neg(T a) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(U(0) - static_cast<U>(a)));
  } else {
    return -a;
  }
}

// ---- binary arithmetic ----
template <class T>
struct Add {  // a + alpha * b
  T alpha;
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || (alpha && b);
    else
      return a + alpha * b;
  }
};
template <class T>
struct Sub {  // a - alpha * b
  T alpha;
  MICA_INLINE T operator()(T a, T b) const { return a - alpha * b; }
};
struct Mul {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a && b;
    else
      return a * b;
  }
};
struct Div {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    return a / b;
  }
};
// Division rounded toward zero. Integers: b != 0 (checked by the front-end).
struct DivTrunc {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::trunc(a / b);
    } else {
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return wrap_neg(a);  // avoids the INT_MIN / -1 trap
      return b == T(0) ? T(0) : static_cast<T>(a / b);
    }
  }
};
// Division rounded toward negative infinity (Python's //). Floats: the quotient is formed from
// fmod so that it is exact where a / b rounds across an integer; b == 0 gives a / b.
struct DivFloor {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (b == T(0)) return a / b;
      const T rem = std::fmod(a, b);
      T q = (a - rem) / b;
      if (rem != T(0) && ((b < T(0)) != (rem < T(0)))) q -= T(1);
      if (q == T(0)) return std::copysign(T(0), a / b);
      T fq = std::floor(q);
      if (q - fq > T(0.5)) fq += T(1);
      return fq;
    } else {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return wrap_neg(a);
        T q = static_cast<T>(a / b);
        const T r = static_cast<T>(a % b);
        if (r != T(0) && ((r < T(0)) != (b < T(0)))) q = static_cast<T>(q - 1);
        return q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};

// Integer power by squaring, wrapping on overflow; negative exponents give 1 / a^-e truncated
// (1 for a == 1, +-1 for a == -1, else 0), like PyTorch.
template <class T>
MICA_INLINE T int_pow(T a, T e) {
  if constexpr (std::is_signed_v<T>) {
    if (e < T(0)) {
      if (a == T(1)) return T(1);
      if (a == T(-1)) return (e & T(1)) ? T(-1) : T(1);
      return T(0);
    }
  }
  T result = T(1);
  while (e != T(0)) {
    if (e & T(1)) result = wrap_mul(result, a);
    e = static_cast<T>(e >> 1);
    a = wrap_mul(a, a);
  }
  return result;
}
struct Pow {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::pow(a, b);
    else
      return int_pow(a, b);
  }
};
// a ** exponent for a scalar exponent, with the exact shortcuts PyTorch takes (sqrt, square,
// reciprocal, ...), which differ from std::pow on signed zeros and infinities.
template <class T>
struct PowScalar {
  T exponent;
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) {
      const T e = exponent;
      if (e == T(2)) return a * a;
      if (e == T(0.5)) return std::sqrt(a);
      if (e == T(-1)) return T(1) / a;
      if (e == T(3)) return a * a * a;
      if (e == T(-0.5)) return T(1) / std::sqrt(a);
      if (e == T(-2)) return T(1) / (a * a);
      return std::pow(a, e);
    } else {
      return int_pow(a, exponent);
    }
  }
};

// NaN-propagating minimum / maximum (a NaN in either operand gives NaN).
struct Minimum {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return b < a ? b : a;
  }
};
struct Maximum {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return a < b ? b : a;
  }
};

// start + weight * (end - start), computed from the nearer end for accuracy.
template <class T>
MICA_INLINE T lerp(T start, T end, T weight) {
  const T diff = end - start;
  return (weight < T(0.5) && weight > T(-0.5)) ? start + weight * diff
                                               : end - diff * (T(1) - weight);
}
template <class T>
struct LerpScalar {
  T weight;
  MICA_INLINE T operator()(T start, T end) const { return lerp(start, end, weight); }
};

// ---- first-order activation gradients: (grad_output, saved tensor) -> grad_input ----
struct SiluBackward {  // g * s (1 + x (1 - s)), s = sigmoid(x)
  template <class T>
  MICA_INLINE T operator()(T g, T x) const {
    const T s = T(1) / (T(1) + std::exp(-x));
    return g * (s * (T(1) + x * (T(1) - s)));
  }
};
struct ReluBackward {  // from relu's output y
  template <class T>
  MICA_INLINE T operator()(T g, T y) const {
    return y > T(0) ? g : T(0);
  }
};
template <class T>
struct LeakyReluBackward {
  T negative_slope;
  MICA_INLINE T operator()(T g, T x) const { return x > T(0) ? g : g * negative_slope; }
};

// ---- comparisons and logical ops (result bool) ----
struct Eq {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a == b;
  }
};
struct Ne {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a != b;
  }
};
struct Lt {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a < b;
  }
};
struct Le {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct Gt {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a > b;
  }
};
struct Ge {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct LogicalAnd {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a != T(0) && b != T(0);
  }
};
struct LogicalOr {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a != T(0) || b != T(0);
  }
};
struct LogicalXor {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return (a != T(0)) != (b != T(0));
  }
};
struct LogicalNot {
  template <class T>
  MICA_INLINE bool operator()(T a) const {
    return a == T(0);  // NaN is true, so not(NaN) is false
  }
};

// ---- unary arithmetic ----
struct Neg {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return wrap_neg(a);
  }
};
struct Abs {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::fabs(a);
    else if constexpr (std::is_unsigned_v<T>)
      return a;
    else
      return a < T(0) ? wrap_neg(a) : a;
  }
};
struct Sign {  // -1, 0 or 1; NaN gives 0 like PyTorch
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>)
      return static_cast<T>(a > T(0));
    else
      return static_cast<T>(static_cast<int>(T(0) < a) - static_cast<int>(a < T(0)));
  }
};
struct Floor {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::floor(a);
    else
      return a;
  }
};
struct Ceil {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::ceil(a);
    else
      return a;
  }
};
struct Round {  // half to even (the default rounding mode)
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::nearbyint(a);
    else
      return a;
  }
};
struct Trunc {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::trunc(a);
    else
      return a;
  }
};
// Clamp to [lo, hi] with scalar bounds (either optional); NaN inputs stay NaN; lo > hi gives hi.
template <class T>
struct Clamp {
  T lo, hi;
  bool has_lo, has_hi;
  MICA_INLINE T operator()(T a) const {
    const T r = (has_lo && a < lo) ? lo : a;
    return (has_hi && hi < r) ? hi : r;
  }
};
// Clamp with tensor bounds: maximum then minimum, so NaN in any operand propagates.
struct ClampTensor {
  template <class T>
  MICA_INLINE T operator()(T a, T lo, T hi) const {
    return Minimum{}(Maximum{}(a, lo), hi);
  }
};

// ---- floating math (integer inputs are converted to float32 by the front-end) ----
struct Exp {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::exp(a);
  }
};
struct Log {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::log(a);
  }
};
struct Log1p {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::log1p(a);
  }
};
struct Expm1 {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::expm1(a);
  }
};
struct Sqrt {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::sqrt(a);
  }
};
struct Rsqrt {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return T(1) / std::sqrt(a);
  }
};
struct Sin {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::sin(a);
  }
};
struct Cos {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::cos(a);
  }
};
struct Tanh {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::tanh(a);
  }
};
struct Sigmoid {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return T(1) / (T(1) + std::exp(-a));
  }
};
struct Erf {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::erf(a);
  }
};

// ---- activations ----
struct Relu {  // NaN stays NaN
  template <class T>
  MICA_INLINE T operator()(T a) const {
    if constexpr (std::is_unsigned_v<T>)
      return a;
    else
      return a < T(0) ? T(0) : a;
  }
};
struct Gelu {  // x * Phi(x), exact (erf) form
  template <class T>
  MICA_INLINE T operator()(T a) const {
    constexpr T kInvSqrt2 = T(0.70710678118654752440);
    return T(0.5) * a * (T(1) + std::erf(a * kInvSqrt2));
  }
};
struct GeluTanh {  // tanh approximation
  template <class T>
  MICA_INLINE T operator()(T a) const {
    constexpr T kSqrt2OverPi = T(0.79788456080286535588);
    constexpr T kCoeff = T(0.044715);
    const T inner = kSqrt2OverPi * (a + kCoeff * a * a * a);
    return T(0.5) * a * (T(1) + std::tanh(inner));
  }
};
struct Silu {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return a / (T(1) + std::exp(-a));
  }
};
// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
template <class T>
struct Softplus {
  T beta, threshold;
  MICA_INLINE T operator()(T a) const {
    const T z = a * beta;
    return z > threshold ? a : std::log1p(std::exp(z)) / beta;
  }
};
template <class T>
struct LeakyRelu {
  T negative_slope;
  MICA_INLINE T operator()(T a) const { return a > T(0) ? a : a * negative_slope; }
};

// ---- ternary ----
struct Where {
  template <class T>
  MICA_INLINE T operator()(bool cond, T a, T b) const {
    return cond ? a : b;
  }
};
struct Lerp {
  template <class T>
  MICA_INLINE T operator()(T start, T end, T weight) const {
    return lerp(start, end, weight);
  }
};
template <class T>
struct Addcmul {  // self + value * a * b
  T value;
  MICA_INLINE T operator()(T self, T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(self + wrap_mul(wrap_mul(value, a), b));
    else
      return self + value * a * b;
  }
};
template <class T>
struct Addcdiv {  // self + value * a / b (floating only)
  T value;
  MICA_INLINE T operator()(T self, T a, T b) const { return self + value * (a / b); }
};

}  // namespace mica::kernels
