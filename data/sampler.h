// Samplers: the order in which a DataLoader visits dataset indices in one epoch. Each sampler
// gives the whole epoch's index list at once, a pure function of its options and its epoch, so
// an epoch can be replayed or resumed exactly: SequentialSampler, RandomSampler (seeded, a new
// permutation each epoch), WeightedRandomSampler and DistributedSampler (a shard per rank).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace mica::data {

// The seed of stream `stream` derived from `seed` (a SplitMix64-style hash of both), so that
// nearby (seed, epoch) pairs give unrelated streams: mix_seed(s, e) seeds epoch e of a sampler
// seeded with s.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The number of indices one epoch yields.
  virtual int64_t size() const = 0;
  // This epoch's indices, in order.
  virtual std::vector<int64_t> indices() const = 0;
  // Selects the epoch (the permutation of shuffling samplers depends on it).
  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }

 protected:
  int64_t epoch_ = 0;
};

// 0, 1, ..., n-1 every epoch.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  int64_t size() const override { return n_; }
  std::vector<int64_t> indices() const override;

 private:
  int64_t n_;
};

struct RandomSamplerOptions {
  uint64_t seed = 0;
  bool replacement = false;                           // true: independent uniform draws
  std::optional<int64_t> num_samples = std::nullopt;  // default n; without replacement at most n
};

// A random permutation of 0..n-1 (or uniform draws with replacement), drawn with a Generator
// seeded mix_seed(seed, epoch): the same seed and epoch always give the same order.
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, RandomSamplerOptions opts = {});
  int64_t size() const override { return num_samples_; }
  std::vector<int64_t> indices() const override;

 private:
  int64_t n_;
  RandomSamplerOptions opts_;
  int64_t num_samples_;
};

struct WeightedRandomSamplerOptions {
  int64_t num_samples = 0;  // indices per epoch (> 0)
  bool replacement = true;  // false: no index twice (num_samples <= nonzero weights)
  uint64_t seed = 0;
};

// Draws index i with probability weights[i] / sum(weights) (weights non-negative, finite, not
// all zero), seeded like RandomSampler.
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, WeightedRandomSamplerOptions opts);
  int64_t size() const override { return opts_.num_samples; }
  std::vector<int64_t> indices() const override;

 private:
  std::vector<double> weights_;
  WeightedRandomSamplerOptions opts_;
};

struct DistributedSamplerOptions {
  int64_t num_replicas = 1;  // world size
  int64_t rank = 0;          // in [0, num_replicas)
  bool shuffle = true;
  uint64_t seed = 0;  // must be the same on every rank
  bool drop_last = false;
};

// The shard of rank r among num_replicas: every rank draws the same permutation (seed, epoch),
// and takes positions r, r + R, r + 2R, ... of it. Without drop_last the permutation is padded
// by repeating its start so that every rank gets ceil(n / R) indices (like torch); with
// drop_last its tail is cut so that every rank gets floor(n / R).
class DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t n, DistributedSamplerOptions opts);
  int64_t size() const override { return num_samples_; }
  std::vector<int64_t> indices() const override;

 private:
  int64_t n_;
  DistributedSamplerOptions opts_;
  int64_t num_samples_;  // per rank
};

}  // namespace mica::data
