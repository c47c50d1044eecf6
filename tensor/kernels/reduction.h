// Reduction math written once as __host__ __device__ reducers, shared by the CPU reduction loop
// (tensor/cpu/reduction.h) and the future CUDA one. A reducer R over input element type T has:
//   using acc_type;                        the running state
//   static constexpr bool kReorderable;    true when partial states may be combined in any order
//                                          (no first-occurrence index semantics)
//   acc_type init() const;                 the state of an empty range
//   acc_type step(acc_type a, T v, int64_t index) const;  index: flat position in the reduced range
//   acc_type combine(acc_type a, acc_type b) const;       a covers earlier positions than b
// and, where the result is one value, out_type project(acc_type a, int64_t count) const.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/dtype.h"
#include "tensor/macros.h"

namespace mica::kernels {

// Sum-like accumulator: double for float32/float64 (accurate long sums), float for the 16-bit
// floats, int64 for integers and bool.
template <class T>
using acc_t = std::conditional_t<
    std::is_same_v<T, float> || std::is_same_v<T, double>, double,
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, int64_t>>;

template <class T>
MICA_INLINE bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return v != v;
  else
    return false;
}

template <class C>
MICA_INLINE C lowest_value() {
  if constexpr (std::is_floating_point_v<C>)
    return -std::numeric_limits<C>::infinity();
  else
    return std::numeric_limits<C>::lowest();
}
template <class C>
MICA_INLINE C highest_value() {
  if constexpr (std::is_floating_point_v<C>)
    return std::numeric_limits<C>::infinity();
  else
    return std::numeric_limits<C>::max();
}

// ---- sum and product (out type: A converted to the output dtype by the caller) ----
template <class T, class A = acc_t<T>>
struct SumReducer {
  using acc_type = A;
  static constexpr bool kReorderable = true;
  MICA_INLINE A init() const { return A(0); }
  MICA_INLINE A step(A a, T v, int64_t) const { return a + convert<A>(v); }
  MICA_INLINE A combine(A a, A b) const { return a + b; }
  MICA_INLINE A project(A a, int64_t) const { return a; }
};

template <class T, class A = acc_t<T>>
struct MeanReducer : SumReducer<T, A> {
  MICA_INLINE A project(A a, int64_t n) const { return a / static_cast<A>(n); }  // empty: NaN
};

template <class T, class A = acc_t<T>>
struct ProdReducer {
  using acc_type = A;
  static constexpr bool kReorderable = true;
  MICA_INLINE A init() const { return A(1); }
  MICA_INLINE A step(A a, T v, int64_t) const { return a * convert<A>(v); }
  MICA_INLINE A combine(A a, A b) const { return a * b; }
  MICA_INLINE A project(A a, int64_t) const { return a; }
};

// ---- variance: Welford's update, Chan et al.'s combination ----
template <class A>
struct WelfordState {
  A mean;
  A m2;  // sum of squared deviations from the mean
  A n;
};

template <class T, class A = acc_t<T>>
struct VarReducer {
  using acc_type = WelfordState<A>;
  static constexpr bool kReorderable = true;
  A correction;
  bool take_sqrt;
  MICA_INLINE acc_type init() const { return {A(0), A(0), A(0)}; }
  MICA_INLINE acc_type step(acc_type a, T v, int64_t) const {
    const A x = convert<A>(v);
    a.n += A(1);
    const A d = x - a.mean;
    a.mean += d / a.n;
    a.m2 += d * (x - a.mean);
    return a;
  }
  MICA_INLINE acc_type combine(acc_type a, acc_type b) const {
    if (b.n == A(0)) return a;
    if (a.n == A(0)) return b;
    const A n = a.n + b.n;
    const A d = b.mean - a.mean;
    return {a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n * b.n / n), n};
  }
  // Like PyTorch: m2 / max(0, n - correction), so n <= correction gives inf (or NaN).
  MICA_INLINE A project(acc_type a, int64_t) const {
    const A denom = a.n - correction > A(0) ? a.n - correction : A(0);
    const A var = a.m2 / denom;
    return take_sqrt ? std::sqrt(var) : var;
  }
};

// ---- max / min with the index of the first extreme (NaN counts as the extreme) ----
template <class C>
struct ValueIndex {
  C value;
  int64_t index;  // -1: empty
};

template <class T, bool kMax>
struct ArgExtremeReducer {
  using C = compute_t<T>;
  using acc_type = ValueIndex<C>;
  static constexpr bool kReorderable = false;
  MICA_INLINE static bool better(C v, C cur) {
    if constexpr (kMax)
      return v > cur || (is_nan(v) && !is_nan(cur));
    else
      return v < cur || (is_nan(v) && !is_nan(cur));
  }
  MICA_INLINE acc_type init() const { return {C(0), -1}; }
  MICA_INLINE acc_type step(acc_type a, T v, int64_t index) const {
    const C x = convert<C>(v);
    return a.index < 0 || better(x, a.value) ? acc_type{x, index} : a;
  }
  MICA_INLINE acc_type combine(acc_type a, acc_type b) const {
    if (b.index < 0) return a;
    return a.index < 0 || better(b.value, a.value) ? b : a;
  }
};

// Value-only max / min (amax, amin): NaN propagates; the empty result is never used.
template <class T, bool kMax>
struct ExtremeReducer {
  using C = compute_t<T>;
  using acc_type = C;
  static constexpr bool kReorderable = true;
  MICA_INLINE C init() const { return kMax ? lowest_value<C>() : highest_value<C>(); }
  MICA_INLINE C step(C a, T v, int64_t) const { return combine(a, convert<C>(v)); }
  // Bitwise | (no short circuit) keeps the select branch-free, so lanes vectorize.
  MICA_INLINE C combine(C a, C b) const {
    if constexpr (kMax)
      return ((b > a) | is_nan(b)) ? b : a;
    else
      return ((b < a) | is_nan(b)) ? b : a;
  }
  MICA_INLINE C project(C a, int64_t) const { return a; }
};

// ---- vector norms ----
template <class A>
MICA_INLINE A abs_value(A x) {
  return x < A(0) ? -x : x;
}

// p = 0: the number of nonzero elements.
template <class T, class A = acc_t<T>>
struct NormZeroReducer : SumReducer<T, A> {
  MICA_INLINE A step(A a, T v, int64_t) const { return a + (convert<A>(v) != A(0) ? A(1) : A(0)); }
};
template <class T, class A = acc_t<T>>
struct NormOneReducer : SumReducer<T, A> {
  MICA_INLINE A step(A a, T v, int64_t) const { return a + abs_value(convert<A>(v)); }
};
template <class T, class A = acc_t<T>>
struct NormTwoReducer : SumReducer<T, A> {
  MICA_INLINE A step(A a, T v, int64_t) const {
    const A x = convert<A>(v);
    return a + x * x;
  }
  MICA_INLINE A project(A a, int64_t) const { return std::sqrt(a); }
};
template <class T, class A = acc_t<T>>
struct NormPReducer : SumReducer<T, A> {
  A p;
  MICA_INLINE A step(A a, T v, int64_t) const { return a + std::pow(abs_value(convert<A>(v)), p); }
  MICA_INLINE A project(A a, int64_t) const { return std::pow(a, A(1) / p); }
};
// p = +inf / -inf: the largest / smallest absolute value (NaN propagates).
template <class T, bool kMax, class A = acc_t<T>>
struct NormInfReducer {
  using acc_type = A;
  static constexpr bool kReorderable = true;
  MICA_INLINE A init() const { return kMax ? A(0) : highest_value<A>(); }
  MICA_INLINE A step(A a, T v, int64_t) const { return combine(a, abs_value(convert<A>(v))); }
  MICA_INLINE A combine(A a, A b) const {
    if constexpr (kMax)
      return ((b > a) | is_nan(b)) ? b : a;
    else
      return ((b < a) | is_nan(b)) ? b : a;
  }
  MICA_INLINE A project(A a, int64_t) const { return a; }
};

// ---- logsumexp: a running maximum and the sum of exp(x - maximum) ----
template <class A>
struct MaxSumExp {
  A max;
  A sum;
};

template <class T, class A = acc_t<T>>
struct LogSumExpReducer {
  using acc_type = MaxSumExp<A>;
  static constexpr bool kReorderable = true;
  MICA_INLINE acc_type init() const { return {lowest_value<A>(), A(0)}; }
  // Adds a group (m, s) to a; equal maxima (also both infinite) add without exp(inf - inf).
  MICA_INLINE static acc_type merge(acc_type a, A m, A s) {
    if (m > a.max) return {m, a.sum * std::exp(a.max - m) + s};
    if (m == a.max) return {a.max, a.sum + s};
    return {a.max, a.sum + s * std::exp(m - a.max)};  // NaN m lands here and makes sum NaN
  }
  MICA_INLINE acc_type step(acc_type a, T v, int64_t) const {
    return merge(a, convert<A>(v), A(1));
  }
  MICA_INLINE acc_type combine(acc_type a, acc_type b) const { return merge(a, b.max, b.sum); }
  // Empty: -inf + log(0) = -inf, like PyTorch.
  MICA_INLINE A project(acc_type a, int64_t) const { return a.max + std::log(a.sum); }
};

// ---- all / any (bool results; NaN counts as true) ----
template <class T, bool kAll>
struct LogicalReducer {
  using acc_type = bool;
  static constexpr bool kReorderable = true;
  MICA_INLINE bool init() const { return kAll; }
  MICA_INLINE bool step(bool a, T v, int64_t) const {
    return kAll ? (a && convert<bool>(v)) : (a || convert<bool>(v));
  }
  MICA_INLINE bool combine(bool a, bool b) const { return kAll ? (a && b) : (a || b); }
  MICA_INLINE bool project(bool a, int64_t) const { return a; }
};

}  // namespace mica::kernels
