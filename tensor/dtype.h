// Element types (DType), their C++ types, type promotion, Scalar, and the dtype dispatch
// helpers that turn a runtime DType into a template argument.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "tensor/error.h"
#include "tensor/half.h"

namespace mica {

enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float16, BFloat16, Float32, Float64 };

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kHalf = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kInt = DType::Int32;
inline constexpr int kNumDTypes = 8;

const char* dtype_name(DType t);  // "float32", "int64", ...
size_t element_size(DType t);
inline bool is_floating(DType t) {
  return t == kFloat16 || t == kBFloat16 || t == kFloat32 || t == kFloat64;
}
inline bool is_integral(DType t, bool include_bool) {
  return t == kUInt8 || t == kInt32 || t == kInt64 || (include_bool && t == kBool);
}
// The smallest dtype both a and b convert to without losing their category (PyTorch rules).
DType promote_types(DType a, DType b);
std::ostream& operator<<(std::ostream& os, DType t);

// C++ type of each dtype, and back.
template <DType D>
struct CppTypeOf;
template <>
struct CppTypeOf<kBool> {
  using type = bool;
};
template <>
struct CppTypeOf<kUInt8> {
  using type = uint8_t;
};
template <>
struct CppTypeOf<kInt32> {
  using type = int32_t;
};
template <>
struct CppTypeOf<kInt64> {
  using type = int64_t;
};
template <>
struct CppTypeOf<kFloat16> {
  using type = Half;
};
template <>
struct CppTypeOf<kBFloat16> {
  using type = BFloat16;
};
template <>
struct CppTypeOf<kFloat32> {
  using type = float;
};
template <>
struct CppTypeOf<kFloat64> {
  using type = double;
};

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<bool>() {
  return kBool;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return kUInt8;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return kInt32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return kInt64;
}
template <>
constexpr DType dtype_of<Half>() {
  return kFloat16;
}
template <>
constexpr DType dtype_of<BFloat16>() {
  return kBFloat16;
}
template <>
constexpr DType dtype_of<float>() {
  return kFloat32;
}
template <>
constexpr DType dtype_of<double>() {
  return kFloat64;
}

// Type arithmetic happens in: float for the 16-bit floats, the type itself otherwise.
template <class T>
using compute_t =
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

// Converts between any two element types (bool: nonzero -> true; float -> int truncates).
template <class To, class From>
MICA_INLINE To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<compute_t<From>>(v) != static_cast<compute_t<From>>(0);
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(static_cast<compute_t<From>>(v)));
  } else {
    return static_cast<To>(static_cast<compute_t<From>>(v));
  }
}

// A number passed to an op (fill value, scalar operand): float, integer or bool, like c10::Scalar.
class Scalar {
 public:
  enum class Kind : uint8_t { Float, Int, Bool };
  Scalar() : Scalar(int64_t{0}) {}
  Scalar(double v) : kind_(Kind::Float), d_(v), i_(static_cast<int64_t>(v)) {}
  Scalar(float v) : Scalar(static_cast<double>(v)) {}
  Scalar(bool v) : kind_(Kind::Bool), d_(v), i_(v) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Scalar(I v) : kind_(Kind::Int), d_(static_cast<double>(v)), i_(static_cast<int64_t>(v)) {}
  Scalar(Half v) : Scalar(static_cast<double>(static_cast<float>(v))) {}
  Scalar(BFloat16 v) : Scalar(static_cast<double>(static_cast<float>(v))) {}

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  double to_double() const { return d_; }
  int64_t to_int() const { return i_; }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>)
      return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_floating_point_v<T>)
      return static_cast<T>(d_);
    else if constexpr (std::is_integral_v<T>)
      return kind_ == Kind::Float ? static_cast<T>(d_) : static_cast<T>(i_);
    else
      return T(static_cast<float>(d_));
  }
  // The dtype a scalar of this kind has on its own (float -> float32 default, int -> int64).
  DType default_dtype() const {
    return kind_ == Kind::Float ? kFloat32 : kind_ == Kind::Int ? kInt64 : kBool;
  }

 private:
  Kind kind_;
  double d_;
  int64_t i_;
};
std::ostream& operator<<(std::ostream& os, const Scalar& s);

// Result dtype of tensor (dtype t) op scalar s: a scalar only promotes across categories
// (bool < integer < floating), e.g. int32 tensor + 1.5 -> float32, float16 tensor + 2.0 -> float16.
DType result_type(DType t, const Scalar& s);

// ---- dispatch: call f.template operator()<T>() with the C++ type of a runtime dtype ----
// clang-format off
#define MICA_DTYPE_CASE(D, ...) \
  case D:                       \
    return f.template operator()<typename CppTypeOf<D>::type>();

template <class F>
decltype(auto) dispatch_all(DType t, const char* op, F&& f) {
  switch (t) {
    MICA_DTYPE_CASE(kBool)
    MICA_DTYPE_CASE(kUInt8)
    MICA_DTYPE_CASE(kInt32)
    MICA_DTYPE_CASE(kInt64)
    MICA_DTYPE_CASE(kFloat16)
    MICA_DTYPE_CASE(kBFloat16)
    MICA_DTYPE_CASE(kFloat32)
    MICA_DTYPE_CASE(kFloat64)
  }
  MICA_FAIL(op, ": unsupported dtype ", dtype_name(t));
}
// All dtypes but bool.
template <class F>
decltype(auto) dispatch_numeric(DType t, const char* op, F&& f) {
  switch (t) {
    MICA_DTYPE_CASE(kUInt8)
    MICA_DTYPE_CASE(kInt32)
    MICA_DTYPE_CASE(kInt64)
    MICA_DTYPE_CASE(kFloat16)
    MICA_DTYPE_CASE(kBFloat16)
    MICA_DTYPE_CASE(kFloat32)
    MICA_DTYPE_CASE(kFloat64)
    default: break;
  }
  MICA_FAIL(op, ": not supported for dtype ", dtype_name(t));
}
// Floating dtypes only.
template <class F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    MICA_DTYPE_CASE(kFloat16)
    MICA_DTYPE_CASE(kBFloat16)
    MICA_DTYPE_CASE(kFloat32)
    MICA_DTYPE_CASE(kFloat64)
    default: break;
  }
  MICA_FAIL(op, ": expected a floating dtype (float16, bfloat16, float32, float64), got ",
            dtype_name(t));
}
// Integer dtypes only (indices).
template <class F>
decltype(auto) dispatch_index(DType t, const char* op, F&& f) {
  switch (t) {
    MICA_DTYPE_CASE(kInt32)
    MICA_DTYPE_CASE(kInt64)
    default: break;
  }
  MICA_FAIL(op, ": indices must be int64 or int32, got ", dtype_name(t));
}
// clang-format on
#undef MICA_DTYPE_CASE

}  // namespace mica
