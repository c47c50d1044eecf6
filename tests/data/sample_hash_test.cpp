// The workloads' sampling hash and epoch permutation against the check values published in
// WORKLOADS.md.
#include <gtest/gtest.h>

#include "data/sample_hash.h"

namespace mica::data {
namespace {

TEST(SampleHash, MatchesPublishedCheckValues) {
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(sample_hash(1337, 1, 0), 10547887158711343952ull);
  EXPECT_EQ(sample_hash(1337, 1, 1), 8022015769922315494ull);
}

TEST(SampleHash, FashionMnistEpochPermutationStartsAsPublished) {
  const auto perm = hash_permutation(60000, 0);
  ASSERT_EQ(perm.size(), 60000u);
  EXPECT_EQ(std::vector<int64_t>(perm.begin(), perm.begin() + 5),
            (std::vector<int64_t>{17733, 8906, 25108, 10086, 18464}));
  std::vector<bool> seen(60000, false);
  for (int64_t i : perm) seen[static_cast<size_t>(i)] = true;
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 60000);
  EXPECT_NE(hash_permutation(60000, 1)[0], perm[0]);
}

}  // namespace
}  // namespace mica::data
