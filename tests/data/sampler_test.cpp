// Sampler tests: sequential order, seeded per-epoch permutations, weighted draw frequencies, and
// distributed shards (cover every index, one shuffle on every rank, padding, drop_last).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "mica.h"

namespace mica::data {
namespace {

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), int64_t{0});
  return v;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(MixSeed, SeparatesNearbySeedsAndEpochs) {
  EXPECT_NE(mix_seed(1, 0), mix_seed(0, 1));
  EXPECT_NE(mix_seed(0, 0), mix_seed(0, 1));
  EXPECT_EQ(mix_seed(5, 9), mix_seed(5, 9));
}

TEST(SequentialSampler, CountsUp) {
  SequentialSampler s(5);
  EXPECT_EQ(s.size(), 5);
  EXPECT_EQ(s.indices(), iota(5));
  s.set_epoch(3);
  EXPECT_EQ(s.indices(), iota(5));
  EXPECT_THROW(SequentialSampler(-1), Error);
}

TEST(RandomSampler, APermutationReproduciblePerEpoch) {
  RandomSampler s(50, {.seed = 11});
  const auto e0 = s.indices();
  EXPECT_EQ(sorted(e0), iota(50));
  EXPECT_NE(e0, iota(50));
  s.set_epoch(1);
  const auto e1 = s.indices();
  EXPECT_EQ(sorted(e1), iota(50));
  EXPECT_NE(e0, e1);  // a new order each epoch
  // Any epoch replays in any order, and from a fresh sampler with the same seed.
  RandomSampler t(50, {.seed = 11});
  t.set_epoch(1);
  EXPECT_EQ(t.indices(), e1);
  t.set_epoch(0);
  EXPECT_EQ(t.indices(), e0);
  EXPECT_EQ(t.indices(), e0);
  RandomSampler other(50, {.seed = 12});
  EXPECT_NE(other.indices(), e0);
}

TEST(RandomSampler, ReplacementAndNumSamples) {
  RandomSampler with(4, {.seed = 1, .replacement = true, .num_samples = 1000});
  const auto v = with.indices();
  ASSERT_EQ(v.size(), 1000u);
  EXPECT_EQ(std::set<int64_t>(v.begin(), v.end()), (std::set<int64_t>{0, 1, 2, 3}));
  RandomSampler part(10, {.seed = 1, .num_samples = 4});
  const auto p = part.indices();
  EXPECT_EQ(p.size(), 4u);
  EXPECT_EQ(std::set<int64_t>(p.begin(), p.end()).size(), 4u);
  EXPECT_THROW(RandomSampler(3, {.num_samples = 4}), Error);
  EXPECT_THROW(RandomSampler(0, {.replacement = true, .num_samples = 1}), Error);
  EXPECT_TRUE(RandomSampler(0).indices().empty());
}

TEST(WeightedRandomSampler, FrequenciesFollowTheWeights) {
  const std::vector<double> w{1, 2, 3, 0, 4};
  WeightedRandomSampler s(w, {.num_samples = 100000, .seed = 3});
  std::map<int64_t, int64_t> count;
  for (int64_t i : s.indices()) ++count[i];
  EXPECT_EQ(count[3], 0);
  for (int64_t i : {0, 1, 2, 4}) {
    const double freq = static_cast<double>(count[i]) / 100000.0;
    EXPECT_NEAR(freq, w[static_cast<size_t>(i)] / 10.0, 0.01) << "index " << i;
  }
  WeightedRandomSampler again(w, {.num_samples = 100000, .seed = 3});
  EXPECT_EQ(again.indices(), s.indices());
  s.set_epoch(1);
  EXPECT_NE(again.indices(), s.indices());
}

TEST(WeightedRandomSampler, WithoutReplacementAndBadWeights) {
  WeightedRandomSampler s({1, 1, 0, 5}, {.num_samples = 3, .replacement = false, .seed = 0});
  EXPECT_EQ(sorted(s.indices()), (std::vector<int64_t>{0, 1, 3}));
  EXPECT_THROW(WeightedRandomSampler({1, 0}, {.num_samples = 2, .replacement = false}), Error);
  EXPECT_THROW(WeightedRandomSampler({1, -1}, {.num_samples = 1}), Error);
  EXPECT_THROW(WeightedRandomSampler({0, 0}, {.num_samples = 1}), Error);
  EXPECT_THROW(WeightedRandomSampler({1}, {.num_samples = 0}), Error);
}

std::vector<std::vector<int64_t>> shards(int64_t n, DistributedSamplerOptions opts,
                                         int64_t epoch = 0) {
  std::vector<std::vector<int64_t>> out;
  for (int64_t r = 0; r < opts.num_replicas; ++r) {
    opts.rank = r;
    DistributedSampler s(n, opts);
    s.set_epoch(epoch);
    out.push_back(s.indices());
    EXPECT_EQ(static_cast<int64_t>(out.back().size()), s.size());
  }
  return out;
}

TEST(DistributedSampler, ShardsCoverEveryIndexWithOneShuffle) {
  const int64_t n = 10;
  const auto sh = shards(n, {.num_replicas = 3, .seed = 9});
  // Every rank gets ceil(10 / 3) = 4, the 2 extra slots repeat the permutation's start.
  std::vector<int64_t> interleaved;
  for (size_t k = 0; k < 12; ++k) {
    ASSERT_EQ(sh[k % 3].size(), 4u);
    interleaved.push_back(sh[k % 3][k / 3]);
  }
  // The interleaved shards are one permutation, the one a single replica sees.
  DistributedSampler whole(n, {.num_replicas = 1, .rank = 0, .seed = 9});
  const auto perm = whole.indices();
  EXPECT_EQ(sorted(perm), iota(n));
  EXPECT_EQ(std::vector<int64_t>(interleaved.begin(), interleaved.begin() + n), perm);
  EXPECT_EQ(interleaved[10], perm[0]);
  EXPECT_EQ(interleaved[11], perm[1]);
  // Another epoch: a different permutation, still shared by all ranks.
  const auto sh1 = shards(n, {.num_replicas = 3, .seed = 9}, 1);
  whole.set_epoch(1);
  EXPECT_NE(whole.indices(), perm);
  EXPECT_EQ(sh1[1][0], whole.indices()[1]);
}

TEST(DistributedSampler, DropLastAndNoShuffle) {
  const auto dl = shards(10, {.num_replicas = 3, .seed = 2, .drop_last = true});
  std::set<int64_t> seen;
  for (const auto& s : dl) {
    EXPECT_EQ(s.size(), 3u);
    seen.insert(s.begin(), s.end());
  }
  EXPECT_EQ(seen.size(), 9u);  // no repeats; one index left out
  const auto plain = shards(7, {.num_replicas = 2, .shuffle = false});
  EXPECT_EQ(plain[0], (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(plain[1], (std::vector<int64_t>{1, 3, 5, 0}));
}

TEST(DistributedSampler, PadsBeyondTheDatasetSize) {
  const auto sh = shards(2, {.num_replicas = 5, .shuffle = false});
  std::vector<int64_t> all;
  for (const auto& s : sh) all.insert(all.end(), s.begin(), s.end());
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1, 0, 1, 0}));
  EXPECT_THROW(DistributedSampler(4, {.num_replicas = 2, .rank = 2}), Error);
  EXPECT_THROW(DistributedSampler(4, {.num_replicas = 0}), Error);
  EXPECT_TRUE(DistributedSampler(0, {.num_replicas = 2, .rank = 1}).indices().empty());
}

}  // namespace
}  // namespace mica::data
