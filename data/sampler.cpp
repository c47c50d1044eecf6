// Samplers: sequential, seeded random (per epoch), weighted and distributed index orders.
#include "data/sampler.h"

#include <cmath>
#include <numeric>

#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::data {

namespace {

uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<int64_t> to_vector(const Tensor& t) {  // t: [k] int64
  const int64_t* p = t.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

std::vector<int64_t> permutation(int64_t n, uint64_t seed, int64_t epoch) {
  Generator gen(mix_seed(seed, static_cast<uint64_t>(epoch)));
  return to_vector(randperm(n, std::nullopt, &gen));
}

}  // namespace

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  return splitmix64(seed ^ splitmix64(stream));
}

// ---- SequentialSampler ----

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  MICA_CHECK(n >= 0, "SequentialSampler: negative size ", n);
}

std::vector<int64_t> SequentialSampler::indices() const {
  std::vector<int64_t> out(static_cast<size_t>(n_));
  std::iota(out.begin(), out.end(), int64_t{0});
  return out;
}

// ---- RandomSampler ----

RandomSampler::RandomSampler(int64_t n, RandomSamplerOptions opts) : n_(n), opts_(opts) {
  MICA_CHECK(n >= 0, "RandomSampler: negative size ", n);
  num_samples_ = opts.num_samples.value_or(n);
  MICA_CHECK(num_samples_ >= 0, "RandomSampler: negative num_samples ", num_samples_);
  MICA_CHECK(opts.replacement || num_samples_ <= n, "RandomSampler: num_samples ", num_samples_,
             " exceeds the dataset size ", n, " without replacement");
  MICA_CHECK(n > 0 || num_samples_ == 0, "RandomSampler: cannot draw ", num_samples_,
             " samples from an empty dataset");
}

std::vector<int64_t> RandomSampler::indices() const {
  if (opts_.replacement) {
    if (num_samples_ == 0) return {};
    Generator gen(mix_seed(opts_.seed, static_cast<uint64_t>(epoch_)));
    return to_vector(randint(0, n_, {num_samples_}, std::nullopt, &gen));
  }
  std::vector<int64_t> perm = permutation(n_, opts_.seed, epoch_);
  perm.resize(static_cast<size_t>(num_samples_));
  return perm;
}

// ---- WeightedRandomSampler ----

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights,
                                             WeightedRandomSamplerOptions opts)
    : weights_(std::move(weights)), opts_(opts) {
  MICA_CHECK(!weights_.empty(), "WeightedRandomSampler: no weights");
  MICA_CHECK(opts_.num_samples > 0, "WeightedRandomSampler: num_samples must be positive, got ",
             opts_.num_samples);
  double sum = 0;
  int64_t nonzero = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    MICA_CHECK(std::isfinite(weights_[i]) && weights_[i] >= 0, "WeightedRandomSampler: weight ", i,
               " is ", weights_[i], "; weights must be finite and non-negative");
    sum += weights_[i];
    nonzero += weights_[i] > 0;
  }
  MICA_CHECK(sum > 0, "WeightedRandomSampler: all weights are zero");
  MICA_CHECK(opts_.replacement || opts_.num_samples <= nonzero,
             "WeightedRandomSampler: ", opts_.num_samples, " samples without replacement but only ",
             nonzero, " nonzero weights");
}

std::vector<int64_t> WeightedRandomSampler::indices() const {
  Generator gen(mix_seed(opts_.seed, static_cast<uint64_t>(epoch_)));
  const Tensor probs =
      from_vector(weights_, {static_cast<int64_t>(weights_.size())}, TensorOptions(kFloat64));
  return to_vector(multinomial(probs, opts_.num_samples, opts_.replacement, &gen));
}

// ---- DistributedSampler ----

DistributedSampler::DistributedSampler(int64_t n, DistributedSamplerOptions opts)
    : n_(n), opts_(opts) {
  MICA_CHECK(n >= 0, "DistributedSampler: negative size ", n);
  MICA_CHECK(opts.num_replicas >= 1, "DistributedSampler: num_replicas must be positive, got ",
             opts.num_replicas);
  MICA_CHECK(opts.rank >= 0 && opts.rank < opts.num_replicas, "DistributedSampler: rank ",
             opts.rank, " is not in [0, ", opts.num_replicas, ")");
  num_samples_ =
      opts.drop_last ? n / opts.num_replicas : (n + opts.num_replicas - 1) / opts.num_replicas;
}

std::vector<int64_t> DistributedSampler::indices() const {
  std::vector<int64_t> order;
  if (opts_.shuffle) {
    order = permutation(n_, opts_.seed, epoch_);
  } else {
    order.resize(static_cast<size_t>(n_));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  const size_t total = static_cast<size_t>(num_samples_ * opts_.num_replicas);
  if (order.size() < total) {  // pad by repeating the start (n > 0 here)
    const size_t n = order.size();
    order.reserve(total);
    for (size_t k = 0; order.size() < total; ++k) order.push_back(order[k % n]);
  }
  order.resize(total);
  std::vector<int64_t> shard;
  shard.reserve(static_cast<size_t>(num_samples_));
  for (size_t k = static_cast<size_t>(opts_.rank); k < total;
       k += static_cast<size_t>(opts_.num_replicas))
    shard.push_back(order[k]);
  return shard;
}

}  // namespace mica::data
