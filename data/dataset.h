// Datasets: the Example record (named tensor fields), the Dataset interface (size, get) and the
// standard datasets built on it: TensorDataset, SequenceDataset (token sequences), LambdaDataset,
// TransformDataset, Subset, ConcatDataset, and the seeded random_split.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica::data {

// One record of a dataset, or (collated) one batch of records: an ordered list of tensor
// fields, each with a name ("" for positional fields). An image dataset gives
// Example{image, label} (label a 0-d int64 tensor); a token dataset gives
// Example{{"input_ids", ids}} with ids a 1-d int64 tensor of any length. Collating keeps the
// fields' order and names and adds a leading batch dimension.
class Example {
 public:
  Example() = default;
  // Positional fields: Example{image, label}.
  Example(std::initializer_list<Tensor> fields);
  explicit Example(std::vector<Tensor> fields);
  // Named fields: Example{{"input_ids", ids}, {"labels", labels}}.
  Example(std::initializer_list<std::pair<std::string, Tensor>> fields);

  size_t size() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  // Appends a field; names must be unique ("" may repeat).
  Example& add(std::string name, Tensor value);
  // Appends an integer field (a class label, a length) as a 0-d int64 tensor.
  Example& add(std::string name, int64_t value);

  // Field by position (throws when out of range) or by name (throws naming the known fields).
  const Tensor& operator[](size_t i) const;
  Tensor& operator[](size_t i);
  const Tensor& operator[](std::string_view name) const;
  Tensor& operator[](std::string_view name);
  bool contains(std::string_view name) const;
  // The position of a named field, or -1.
  int64_t find(std::string_view name) const;

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  std::vector<Tensor>& tensors() { return tensors_; }
  // "{image: [28, 28] uint8, label: [] int64}"
  std::string describe() const;

  // Keeps t alive as long as this example (the pinned staging buffer of an async host-to-device
  // copy must outlive the copy).
  void hold(Tensor t) { held_.push_back(std::move(t)); }

 private:
  std::vector<std::string> names_;
  std::vector<Tensor> tensors_;
  std::vector<Tensor> held_;
};

// A collated batch has the same type: the fields of its examples with a leading batch dim.
using Batch = Example;

// A map-style dataset: size() records, get(i) for i in [0, size()). get is const and must be
// safe to call from several threads at once (DataLoader workers do).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

// Tensors that share dim 0; get(i) returns their i-th slices (views) as the fields, so
// TensorDataset({images, labels}) with images [N, H, W] and labels [N] int64 gives
// Example{[H, W] image, [] int64 label}.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(std::vector<Tensor> tensors);
  explicit TensorDataset(std::vector<std::pair<std::string, Tensor>> named_tensors);
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  void check();
  std::vector<std::string> names_;
  std::vector<Tensor> tensors_;
  int64_t size_ = 0;
};

// Token sequences of varying length: get(i) = Example{{"input_ids", [len_i] int64}}, plus
// {"label", [] int64} when labels are given. Collate with pad_collate.
class SequenceDataset : public Dataset {
 public:
  explicit SequenceDataset(std::vector<std::vector<int64_t>> sequences,
                           std::vector<int64_t> labels = {});
  int64_t size() const override { return static_cast<int64_t>(sequences_.size()); }
  Example get(int64_t index) const override;

 private:
  std::vector<std::vector<int64_t>> sequences_;
  std::vector<int64_t> labels_;
};

// A dataset defined by a function: get(i) = fn(i). fn must be thread-safe.
class LambdaDataset : public Dataset {
 public:
  LambdaDataset(int64_t size, std::function<Example(int64_t)> fn);
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;

 private:
  int64_t size_;
  std::function<Example(int64_t)> fn_;
};

// Applies fn to every example of base (transforms, tokenization on the fly). fn must be
// thread-safe; for random transforms draw from data::worker_generator() so the result does
// not depend on the number of loader workers.
class TransformDataset : public Dataset {
 public:
  TransformDataset(DatasetPtr base, std::function<Example(Example)> fn);
  int64_t size() const override { return base_->size(); }
  Example get(int64_t index) const override;

 private:
  DatasetPtr base_;
  std::function<Example(Example)> fn_;
};

// The records of base at the given indices (in that order; repeats allowed).
class Subset : public Dataset {
 public:
  Subset(DatasetPtr base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  const std::vector<int64_t>& indices() const { return indices_; }
  const DatasetPtr& dataset() const { return base_; }

 private:
  DatasetPtr base_;
  std::vector<int64_t> indices_;
};

// The datasets one after another.
class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<DatasetPtr> datasets);
  int64_t size() const override { return offsets_.back(); }
  Example get(int64_t index) const override;

 private:
  std::vector<DatasetPtr> datasets_;
  std::vector<int64_t> offsets_;  // offsets_[k] = records before dataset k; back() = total
};

// Splits dataset into disjoint random subsets of the given lengths (which must sum to its
// size), or of the given fractions (summing to 1: each gets floor(f * n), and the remainder is
// dealt one by one to the first subsets, like torch). The permutation is randperm(n) on the
// given generator, on a fresh Generator(seed), or on the default CPU generator.
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  Generator& gen);
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions,
                                                  Generator& gen);
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  uint64_t seed);
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions,
                                                  uint64_t seed);
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths);
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions);
// Brace lists: random_split(ds, {800, 200}, 42) (lengths) or random_split(ds, {0.8, 0.2}, 42).
template <class T, class... Rest>
std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  std::initializer_list<T> sizes, Rest&&... rest) {
  if constexpr (std::is_floating_point_v<T>)
    return random_split(dataset, std::vector<double>(sizes.begin(), sizes.end()),
                        std::forward<Rest>(rest)...);
  else
    return random_split(dataset, std::vector<int64_t>(sizes.begin(), sizes.end()),
                        std::forward<Rest>(rest)...);
}

}  // namespace mica::data
