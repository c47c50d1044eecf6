// Hash-based data sampling shared by the standard workloads (../shared/WORKLOADS.md, mirrored
// in docs/WORKLOADS.md): batches are chosen by splitmix64 hashes instead of a framework RNG, so
// mica, its PyTorch peers and any other library see exactly the same data.
#pragma once

#include <cstdint>
#include <vector>

namespace mica::data {

// splitmix64's output function of x (wrapping uint64 arithmetic).
constexpr uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// h(seed, stream, i) = splitmix64(splitmix64(seed * 1000003 + stream) + i).
constexpr uint64_t sample_hash(uint64_t seed, uint64_t stream, uint64_t i) {
  return splitmix64(splitmix64(seed * 1000003ull + stream) + i);
}

// The epoch permutation of n examples: 0..n-1 stably sorted by h(seed, stream, epoch * n + i).
std::vector<int64_t> hash_permutation(int64_t n, uint64_t epoch, uint64_t seed = 1337,
                                      uint64_t stream = 4);

}  // namespace mica::data
