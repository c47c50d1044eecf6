// The hash-ordered epoch permutation of the standard workloads.
#include "data/sample_hash.h"

#include <algorithm>
#include <numeric>

namespace mica::data {

std::vector<int64_t> hash_permutation(int64_t n, uint64_t epoch, uint64_t seed, uint64_t stream) {
  std::vector<uint64_t> key(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    key[static_cast<size_t>(i)] =
        sample_hash(seed, stream, epoch * static_cast<uint64_t>(n) + static_cast<uint64_t>(i));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return key[static_cast<size_t>(a)] < key[static_cast<size_t>(b)];
  });
  return perm;
}

}  // namespace mica::data
