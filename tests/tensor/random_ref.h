// Test-only reference for mica's RNG: Philox4x32-10 written independently from the published
// algorithm (Salmon et al., SC'11), and the element-to-counter mapping of docs/rng.md for every
// random op, computed element by element in plain loops. Used by the op table and random_test.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "mica.h"

namespace mica::test::ref {

using Words4 = std::array<uint32_t, 4>;

// Philox4x32 with `rounds` rounds: multiply words 0 and 2 by the round constants, swap the
// products' halves into the other positions xor-ed with the key, bump the key by the golden
// ratio / sqrt(3) Weyl constants.
inline Words4 philox(Words4 x, std::array<uint32_t, 2> key, int rounds = 10) {
  for (int r = 0; r < rounds; ++r) {
    const uint64_t prod_a = 0xD2511F53ull * x[0];
    const uint64_t prod_b = 0xCD9E8D57ull * x[2];
    x = Words4{static_cast<uint32_t>(prod_b >> 32) ^ x[1] ^ key[0], static_cast<uint32_t>(prod_b),
               static_cast<uint32_t>(prod_a >> 32) ^ x[3] ^ key[1], static_cast<uint32_t>(prod_a)};
    key[0] += 0x9E3779B9u;
    key[1] += 0xBB67AE85u;
  }
  return x;
}

// Word k of the draw at (seed, offset): block offset + k/4, counter (lo, hi, 0, 0), key (lo, hi).
inline uint32_t word(uint64_t seed, uint64_t offset, uint64_t k) {
  const uint64_t b = offset + k / 4;
  const Words4 out = philox({uint32_t(b & 0xffffffffu), uint32_t(b >> 32), 0, 0},
                            {uint32_t(seed & 0xffffffffu), uint32_t(seed >> 32)});
  return out[k % 4];
}

inline uint64_t blocks(uint64_t words) {
  return (words + 3) / 4;
}

// Rounds a float value to dtype's precision (float for float32, mica's 16-bit types).
inline double round_float_to(DType dt, float v) {
  if (dt == kFloat16) return static_cast<float>(Half(v));
  if (dt == kBFloat16) return static_cast<float>(BFloat16(v));
  return v;
}

inline int digits(DType dt) {
  return dt == kFloat16 ? 11 : dt == kBFloat16 ? 8 : 24;
}

// Uniform [from, to) values of dtype dt, as doubles.
inline std::vector<double> uniform(DType dt, uint64_t seed, uint64_t offset, int64_t n, double from,
                                   double to) {
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    if (dt == kFloat64) {
      const uint64_t hi = word(seed, offset, 2 * i), lo = word(seed, offset, 2 * i + 1);
      const double u = std::ldexp(static_cast<double>(((hi << 32) + lo) >> 11), -53);
      double v = u * (to - from);
      v = v + from;
      out.push_back(from < to && v >= to ? from : v);
    } else {
      const int dg = digits(dt);
      const float u = std::ldexp(static_cast<float>(word(seed, offset, i) >> (32 - dg)), -dg);
      const float f = static_cast<float>(from), t = static_cast<float>(to);
      const float range = t - f;
      float v = u * range;
      v = v + f;
      const double r = round_float_to(dt, v);
      out.push_back(f < t && r >= t ? round_float_to(dt, f) : r);
    }
  }
  return out;
}

// Normal(mean, std) values of dtype dt: Box-Muller in double over pairs of elements.
inline std::vector<double> normal(DType dt, uint64_t seed, uint64_t offset, int64_t n, double mean,
                                  double std) {
  std::vector<double> out;
  for (int64_t j = 0; 2 * j < n; ++j) {
    double u1, u2;
    if (dt == kFloat64) {
      uint64_t w[4];
      for (int k = 0; k < 4; ++k) w[k] = word(seed, offset, 4 * j + k);
      u1 = std::ldexp(static_cast<double>((((w[0] << 32) + w[1]) >> 11) + 1), -53);
      u2 = std::ldexp(static_cast<double>(((w[2] << 32) + w[3]) >> 11), -53);
    } else {
      u1 = std::ldexp(static_cast<double>(word(seed, offset, 2 * j)) + 1.0, -32);
      u2 = std::ldexp(static_cast<double>(word(seed, offset, 2 * j + 1)), -32);
    }
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 6.283185307179586 * u2;
    const double z[2] = {radius * std::cos(angle), radius * std::sin(angle)};
    for (int k = 0; k < 2 && 2 * j + k < n; ++k) {
      if (dt == kFloat64) {
        double v = z[k] * std;
        out.push_back(v + mean);
      } else {
        float v = static_cast<float>(z[k]) * static_cast<float>(std);
        v = v + static_cast<float>(mean);
        out.push_back(round_float_to(dt, v));
      }
    }
  }
  return out;
}

// Integers in [low, high): one word mod range when range <= 2^32, else two words.
inline std::vector<double> randint(uint64_t seed, uint64_t offset, int64_t n, int64_t low,
                                   int64_t high) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  const bool wide = range > (uint64_t{1} << 32);
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t r;
    if (wide)
      r = ((uint64_t(word(seed, offset, 2 * i)) << 32) | word(seed, offset, 2 * i + 1)) % range;
    else
      r = word(seed, offset, i) % range;
    out.push_back(static_cast<double>(low + static_cast<int64_t>(r)));
  }
  return out;
}

// u_i = word_i * 2^-32 < p_i.
inline std::vector<double> bernoulli(uint64_t seed, uint64_t offset, const std::vector<double>& p) {
  std::vector<double> out;
  for (size_t i = 0; i < p.size(); ++i)
    out.push_back(std::ldexp(static_cast<double>(word(seed, offset, i)), -32) < p[i] ? 1 : 0);
  return out;
}

// {output, mask}: keep_i = u_i >= p, output = x * (keep ? 1/(1-p) : 0) in dtype's compute type.
inline std::pair<std::vector<double>, std::vector<double>> dropout(DType dt, uint64_t seed,
                                                                   uint64_t offset,
                                                                   const std::vector<double>& x,
                                                                   double p) {
  std::vector<double> out, mask;
  const double scale = 1.0 / (1.0 - p);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool keep = std::ldexp(static_cast<double>(word(seed, offset, i)), -32) >= p;
    mask.push_back(keep);
    if (dt == kFloat64)
      out.push_back(x[i] * (keep ? scale : 0.0));
    else
      out.push_back(
          round_float_to(dt, static_cast<float>(x[i]) * (keep ? static_cast<float>(scale) : 0.0f)));
  }
  return {out, mask};
}

// Indices sorted by 64-bit keys from words (2i, 2i+1), ties broken by index.
inline std::vector<double> randperm(uint64_t seed, uint64_t offset, int64_t n) {
  std::vector<std::pair<uint64_t, int64_t>> keys;
  for (int64_t i = 0; i < n; ++i)
    keys.push_back(
        {(uint64_t(word(seed, offset, 2 * i)) << 32) | word(seed, offset, 2 * i + 1), i});
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<double> out;
  for (const auto& k : keys) out.push_back(static_cast<double>(k.second));
  return out;
}

// probs: rows x cats, row-major. Returns rows x ns category indices.
inline std::vector<double> multinomial(uint64_t seed, uint64_t offset,
                                       const std::vector<double>& probs, int64_t rows, int64_t cats,
                                       int64_t ns, bool replacement) {
  std::vector<double> out;
  auto unit = [&](uint64_t i, bool open0) {
    const uint64_t bits =
        ((uint64_t(word(seed, offset, 2 * i)) << 32) | word(seed, offset, 2 * i + 1)) >> 11;
    return std::ldexp(static_cast<double>(bits + (open0 ? 1 : 0)), -53);
  };
  for (int64_t r = 0; r < rows; ++r) {
    const double* p = probs.data() + r * cats;
    if (replacement) {
      for (int64_t s = 0; s < ns; ++s) {
        double total = 0;
        for (int64_t c = 0; c < cats; ++c) total += p[c];
        const double target = unit(uint64_t(r * ns + s), false) * total;
        double running = 0;
        int64_t pick = -1, last = 0;
        for (int64_t c = 0; c < cats; ++c) {
          running += p[c];
          if (p[c] > 0) last = c;
          if (pick < 0 && running > target) pick = c;
        }
        out.push_back(static_cast<double>(pick < 0 ? last : pick));
      }
    } else {
      std::vector<std::pair<double, int64_t>> keys;
      for (int64_t c = 0; c < cats; ++c)
        if (p[c] > 0) keys.push_back({-std::log(unit(uint64_t(r * cats + c), true)) / p[c], c});
      std::sort(keys.begin(), keys.end());
      for (int64_t s = 0; s < ns; ++s) out.push_back(static_cast<double>(keys[s].second));
    }
  }
  return out;
}

}  // namespace mica::test::ref
