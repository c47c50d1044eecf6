// DType names, sizes, promotion and Scalar printing.
#include "tensor/dtype.h"

#include <ostream>

namespace mica {

const char* dtype_name(DType t) {
  switch (t) {
    case kBool:
      return "bool";
    case kUInt8:
      return "uint8";
    case kInt32:
      return "int32";
    case kInt64:
      return "int64";
    case kFloat16:
      return "float16";
    case kBFloat16:
      return "bfloat16";
    case kFloat32:
      return "float32";
    case kFloat64:
      return "float64";
  }
  return "unknown";
}

size_t element_size(DType t) {
  switch (t) {
    case kBool:
    case kUInt8:
      return 1;
    case kFloat16:
    case kBFloat16:
      return 2;
    case kInt32:
    case kFloat32:
      return 4;
    case kInt64:
    case kFloat64:
      return 8;
  }
  return 0;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == kBool) return b;
  if (b == kBool) return a;
  const bool fa = is_floating(a), fb = is_floating(b);
  if (fa != fb) return fa ? a : b;  // floating wins over integer
  if (!fa) {  // both integer: uint8 < int32 < int64 (uint8 with signed -> signed)
    auto rank = [](DType t) { return t == kUInt8 ? 0 : t == kInt32 ? 1 : 2; };
    return rank(a) >= rank(b) ? a : b;
  }
  // both floating
  if ((a == kFloat16 && b == kBFloat16) || (a == kBFloat16 && b == kFloat16)) return kFloat32;
  auto rank = [](DType t) { return t == kFloat64 ? 3 : t == kFloat32 ? 2 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

DType result_type(DType t, const Scalar& s) {
  if (s.kind() == Scalar::Kind::Float && !is_floating(t)) return kFloat32;
  if (s.kind() == Scalar::Kind::Int && t == kBool) return kInt64;
  return t;
}

std::ostream& operator<<(std::ostream& os, DType t) {
  return os << dtype_name(t);
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.kind() == Scalar::Kind::Float) return os << s.to_double();
  if (s.kind() == Scalar::Kind::Bool) return os << (s.to_int() ? "true" : "false");
  return os << s.to_int();
}

}  // namespace mica
