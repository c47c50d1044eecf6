// Pointwise math written once as __host__ __device__ functors: used by the generic CPU loop
// (tensor/cpu/pointwise.cpp) and by the generic CUDA kernel alike. Each functor works in the
// compute type (float for the 16-bit floats).
#pragma once

#include <cmath>
#include <type_traits>

#include "tensor/macros.h"

namespace mica::kernels {

// ---- binary arithmetic ----
struct Add {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;
    else
      return a + b;
  }
};
struct Sub {
  template <class T>
  MICA_INLINE T operator()(T a, T b) const {
    return a - b;
  }
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

// ---- unary ----
struct Neg {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return -a;
  }
};
struct Exp {
  template <class T>
  MICA_INLINE T operator()(T a) const {
    return std::exp(a);
  }
};

// ---- comparisons (result bool) ----
struct Eq {
  template <class T>
  MICA_INLINE bool operator()(T a, T b) const {
    return a == b;
  }
};

}  // namespace mica::kernels
