// 16-bit floating types stored as raw bits: BFloat16 and Half (IEEE binary16). Conversions
// from float round to nearest even, like PyTorch; arithmetic happens in float.
#pragma once

#include <cstdint>
#include <cstring>

#include "tensor/macros.h"

namespace mica {

namespace detail {
MICA_INLINE uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}
MICA_INLINE float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof(f));
  return f;
}

MICA_INLINE uint16_t float_to_bf16_bits(float f) {
  uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);                      // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}
MICA_INLINE float bf16_bits_to_float(uint16_t b) {
  return bits_float(static_cast<uint32_t>(b) << 16);
}

MICA_INLINE uint16_t float_to_half_bits(float f) {
  uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) return static_cast<uint16_t>(sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (x < 0x38800000u) {
    // Below 2^-14: the result is a half subnormal (or zero). Adding 0.5f aligns the binary
    // point so the float adder performs round-to-nearest-even at the half subnormal unit 2^-24.
    const float t = bits_float(x) + 0.5f;
    return static_cast<uint16_t>(sign | (float_bits(t) - 0x3f000000u));
  }
  const uint32_t mant_odd = (x >> 13) & 1u;
  x += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu + mant_odd;
  return static_cast<uint16_t>(sign | (x >> 13));
}
MICA_INLINE float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    const float v = static_cast<float>(mant) * 5.9604644775390625e-08f;  // mant * 2^-24
    return sign ? -v : v;
  }
  return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}
}  // namespace detail

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  MICA_HD BFloat16(float f) : bits(detail::float_to_bf16_bits(f)) {}
  MICA_HD operator float() const { return detail::bf16_bits_to_float(bits); }
  static MICA_HD BFloat16 from_bits(uint16_t b) {
    BFloat16 r;
    r.bits = b;
    return r;
  }
};

struct Half {
  uint16_t bits = 0;
  Half() = default;
  MICA_HD Half(float f) : bits(detail::float_to_half_bits(f)) {}
  MICA_HD operator float() const { return detail::half_bits_to_float(bits); }
  static MICA_HD Half from_bits(uint16_t b) {
    Half r;
    r.bits = b;
    return r;
  }
};

}  // namespace mica
