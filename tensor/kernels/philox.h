// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) and the
// transforms from its 32-bit words to uniform, normal and integer samples, written once as
// __host__ __device__ code so the CPU and CUDA backends produce the identical stream. The
// element-to-counter mapping that ties these together is specified in docs/rng.md.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/half.h"
#include "tensor/macros.h"

namespace mica::kernels {

// ---- the Philox4x32-10 block function ----
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // round multipliers
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // key schedule increments (Weyl sequence)
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
inline constexpr int kPhiloxRounds = 10;

// One Philox block: four 32-bit output words.
struct PhiloxBlock {
  uint32_t w[4];
};

// One round: two 32x32 -> 64-bit products, their halves xor-ed with the other words and the key.
MICA_INLINE void philox_round(uint32_t c[4], uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c[0];
  const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c[2];
  const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  const uint32_t n0 = hi1 ^ c[1] ^ k0;
  const uint32_t n2 = hi0 ^ c[3] ^ k1;
  c[0] = n0;
  c[1] = lo1;
  c[2] = n2;
  c[3] = lo0;
}

// Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1): ten rounds, the key bumped by
// (W0, W1) between rounds.
MICA_INLINE PhiloxBlock philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                      uint32_t k0, uint32_t k1) {
  uint32_t c[4] = {c0, c1, c2, c3};
  for (int r = 0; r < kPhiloxRounds; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    philox_round(c, k0, k1);
  }
  return PhiloxBlock{{c[0], c[1], c[2], c[3]}};
}

// mica's stream: block b of the stream of seed s is Philox(key = (lo32(s), hi32(s)),
// counter = (lo32(b), hi32(b), 0, 0)). A draw at generator offset o reads blocks o, o+1, ...;
// word k of the draw is word k % 4 of block o + k / 4.
MICA_INLINE PhiloxBlock philox_block(uint64_t seed, uint64_t block) {
  return philox4x32_10(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u,
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Word k of the draw at (seed, offset). Computes a whole block for one word: kernels that need
// consecutive words should use PhiloxStream (CPU) or compute the block once (CUDA).
MICA_INLINE uint32_t philox_word(uint64_t seed, uint64_t offset, uint64_t k) {
  return philox_block(seed, offset + k / 4).w[k % 4];
}

// Reads words of one draw in increasing order, computing each block once.
struct PhiloxStream {
  uint64_t seed;
  uint64_t offset;
  uint64_t cached = ~uint64_t{0};
  PhiloxBlock block{};

  MICA_INLINE PhiloxStream(uint64_t s, uint64_t o) : seed(s), offset(o) {}
  MICA_INLINE uint32_t word(uint64_t k) {
    const uint64_t b = k / 4;
    if (b != cached) {
      block = philox_block(seed, offset + b);
      cached = b;
    }
    return block.w[k % 4];
  }
};

// Number of Philox blocks a draw of `words` words consumes (the generator offset advance).
MICA_INLINE uint64_t philox_blocks(uint64_t words) {
  return (words + 3) / 4;
}

// ---- exactly rounded float arithmetic (no fused multiply-add contraction on either side) ----
MICA_INLINE float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
MICA_INLINE float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
MICA_INLINE double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
MICA_INLINE double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

// ---- uniform transforms ----
inline constexpr float kTwoPow24Inv = 5.9604644775390625e-08f;                       // 2^-24
inline constexpr double kTwoPow32Inv = 2.3283064365386962890625e-10;                 // 2^-32
inline constexpr double kTwoPow53Inv = 1.1102230246251565404236316680908203125e-16;  // 2^-53

// float32 in [0, 1): the top 24 bits of x, times 2^-24 (exact).
MICA_INLINE float uniform_float(uint32_t x) {
  return static_cast<float>(x >> 8) * kTwoPow24Inv;
}
// A float in [0, 1) that a float type with `digits` significant bits (11 for float16, 8 for
// bfloat16, 24 for float32) represents exactly: the top `digits` bits of x times 2^-digits.
MICA_INLINE float uniform_float_digits(uint32_t x, int digits) {
  return static_cast<float>(x >> (32 - digits)) * (1.0f / static_cast<float>(1u << digits));
}
// 53 bits from two words (hi = the earlier word), in [0, 1).
MICA_INLINE uint64_t bits53(uint32_t hi, uint32_t lo) {
  return ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
}
MICA_INLINE double uniform_double(uint32_t hi, uint32_t lo) {
  return static_cast<double>(bits53(hi, lo)) * kTwoPow53Inv;
}
// In (0, 1]: for logarithms.
MICA_INLINE double uniform_double_open0(uint32_t hi, uint32_t lo) {
  return static_cast<double>(bits53(hi, lo) + 1) * kTwoPow53Inv;
}
// x * 2^-32 in [0, 1), exact in double: bernoulli and dropout thresholds.
MICA_INLINE double uniform_double32(uint32_t x) {
  return static_cast<double>(x) * kTwoPow32Inv;
}

// ---- normal transforms (Box-Muller, computed in double) ----
inline constexpr double kTwoPi = 6.283185307179586;  // the double nearest 2*pi

// Two independent standard normals from u1 in (0, 1] and u2 in [0, 1):
// z0 = r cos(t), z1 = r sin(t) with r = sqrt(-2 log u1), t = 2 pi u2, all in double.
MICA_INLINE void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = kTwoPi * u2;
  z0 = r * std::cos(t);
  z1 = r * std::sin(t);
}
// float32 normals (and the 16-bit floats, which round these): a pair from words (a, b) with
// u1 = (a + 1) 2^-32, u2 = b 2^-32, Box-Muller in double, each result rounded once to float.
MICA_INLINE void normal_pair_float(uint32_t a, uint32_t b, float& z0, float& z1) {
  double d0, d1;
  box_muller((static_cast<double>(a) + 1.0) * kTwoPow32Inv, uniform_double32(b), d0, d1);
  z0 = static_cast<float>(d0);
  z1 = static_cast<float>(d1);
}
// float64 normals: a pair from one block: u1 from words (0, 1) in (0, 1], u2 from words (2, 3).
MICA_INLINE void normal_pair_double(const PhiloxBlock& blk, double& z0, double& z1) {
  box_muller(uniform_double_open0(blk.w[0], blk.w[1]), uniform_double(blk.w[2], blk.w[3]), z0, z1);
}

// ---- per-element samples of a float type T (float, double, Half, BFloat16) ----
// Significant bits of T: the uniform of a 16-bit float uses only as many bits as it can hold,
// so converting it to T is exact and never rounds up to 1.
template <class T>
inline constexpr int kUniformDigits = 24;
template <>
inline constexpr int kUniformDigits<Half> = 11;
template <>
inline constexpr int kUniformDigits<BFloat16> = 8;

// z * scale + shift as two separately rounded operations in C (float, or double).
template <class C>
MICA_INLINE C affine_rn(C z, C scale, C shift) {
  return add_rn(mul_rn(z, scale), shift);
}

// Uniform element in [from, to) from its uniform u in [0, 1) (C = float for float/Half/BFloat16,
// double for double): from + u * (to - from) in C, rounded to T; a result that rounds to `to`
// or above becomes `from`.
template <class T, class C>
MICA_INLINE T uniform_from_unit(C u, C from, C to) {
  const T r = static_cast<T>(affine_rn(u, add_rn(to, -from), from));
  return (from < to && static_cast<C>(r) >= to) ? static_cast<T>(from) : r;
}

// ---- integer transforms ----
// An integer in [low, low + range): one word (x % range) when range <= 2^32, else two words
// ((hi << 32 | lo) % range). range is (high - low) as an unsigned 64-bit number, > 0.
MICA_INLINE int64_t randint_from_words(int64_t low, uint64_t range, uint32_t hi, uint32_t lo) {
  const uint64_t v = range <= (uint64_t{1} << 32)
                         ? static_cast<uint64_t>(hi) % range
                         : ((static_cast<uint64_t>(hi) << 32) | lo) % range;
  return static_cast<int64_t>(static_cast<uint64_t>(low) + v);
}
MICA_INLINE int randint_words(uint64_t range) {
  return range <= (uint64_t{1} << 32) ? 1 : 2;
}

}  // namespace mica::kernels
