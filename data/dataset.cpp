// Datasets: Example fields, TensorDataset, SequenceDataset, LambdaDataset, TransformDataset,
// Subset, ConcatDataset and random_split.
#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::data {

// ---- Example ----

Example::Example(std::initializer_list<Tensor> fields) : Example(std::vector<Tensor>(fields)) {}

Example::Example(std::vector<Tensor> fields) : names_(fields.size()), tensors_(std::move(fields)) {}

Example::Example(std::initializer_list<std::pair<std::string, Tensor>> fields) {
  for (const auto& [name, t] : fields) add(name, t);
}

Example& Example::add(std::string name, Tensor value) {
  MICA_CHECK(name.empty() || find(name) < 0, "Example::add: a field named '", name,
             "' already exists in ", describe());
  names_.push_back(std::move(name));
  tensors_.push_back(std::move(value));
  return *this;
}

Example& Example::add(std::string name, int64_t value) {
  return add(std::move(name), scalar_tensor(value, TensorOptions(kInt64)));
}

const Tensor& Example::operator[](size_t i) const {
  MICA_CHECK(i < tensors_.size(), "Example: field ", i, " out of range for an example with ",
             tensors_.size(), " fields ", describe());
  return tensors_[i];
}

Tensor& Example::operator[](size_t i) {
  return const_cast<Tensor&>(std::as_const(*this)[i]);
}

int64_t Example::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (!name.empty() && names_[i] == name) return static_cast<int64_t>(i);
  return -1;
}

bool Example::contains(std::string_view name) const {
  return find(name) >= 0;
}

const Tensor& Example::operator[](std::string_view name) const {
  const int64_t i = find(name);
  MICA_CHECK(i >= 0, "Example: no field named '", name, "' in ", describe());
  return tensors_[static_cast<size_t>(i)];
}

Tensor& Example::operator[](std::string_view name) {
  return const_cast<Tensor&>(std::as_const(*this)[name]);
}

std::string Example::describe() const {
  std::ostringstream os;
  os << "{";
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (i) os << ", ";
    if (names_[i].empty())
      os << "#" << i << ": ";
    else
      os << names_[i] << ": ";
    if (tensors_[i].defined())
      os << shape_str(tensors_[i].sizes()) << " " << dtype_name(tensors_[i].dtype());
    else
      os << "undefined";
  }
  os << "}";
  return os.str();
}

// ---- TensorDataset ----

TensorDataset::TensorDataset(std::vector<Tensor> tensors)
    : names_(tensors.size()), tensors_(std::move(tensors)) {
  check();
}

TensorDataset::TensorDataset(std::vector<std::pair<std::string, Tensor>> named_tensors) {
  for (auto& [name, t] : named_tensors) {
    names_.push_back(std::move(name));
    tensors_.push_back(std::move(t));
  }
  check();
}

void TensorDataset::check() {
  MICA_CHECK(!tensors_.empty(), "TensorDataset: needs at least one tensor");
  for (size_t k = 0; k < tensors_.size(); ++k) {
    const Tensor& t = tensors_[k];
    MICA_CHECK(t.defined(), "TensorDataset: tensor ", k, " is undefined");
    MICA_CHECK(t.dim() >= 1, "TensorDataset: tensor ", k, " is 0-d; every tensor needs dim 0");
    MICA_CHECK(t.size(0) == tensors_[0].size(0),
               "TensorDataset: tensors must share dim 0, but "
               "tensor 0 has shape ",
               shape_str(tensors_[0].sizes()), " and tensor ", k, " has shape ",
               shape_str(t.sizes()));
  }
  size_ = tensors_[0].size(0);
}

Example TensorDataset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size_, "TensorDataset::get: index ", index,
             " out of range for a dataset of size ", size_);
  Example ex;
  for (size_t k = 0; k < tensors_.size(); ++k) ex.add(names_[k], tensors_[k].select(0, index));
  return ex;
}

// ---- SequenceDataset ----

SequenceDataset::SequenceDataset(std::vector<std::vector<int64_t>> sequences,
                                 std::vector<int64_t> labels)
    : sequences_(std::move(sequences)), labels_(std::move(labels)) {
  MICA_CHECK(labels_.empty() || labels_.size() == sequences_.size(),
             "SequenceDataset: ", sequences_.size(), " sequences but ", labels_.size(), " labels");
}

Example SequenceDataset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size(), "SequenceDataset::get: index ", index,
             " out of range for a dataset of size ", size());
  const auto& seq = sequences_[static_cast<size_t>(index)];
  Example ex;
  ex.add("input_ids", from_vector(seq, {static_cast<int64_t>(seq.size())}, TensorOptions(kInt64)));
  if (!labels_.empty()) ex.add("label", labels_[static_cast<size_t>(index)]);
  return ex;
}

// ---- LambdaDataset, TransformDataset ----

LambdaDataset::LambdaDataset(int64_t size, std::function<Example(int64_t)> fn)
    : size_(size), fn_(std::move(fn)) {
  MICA_CHECK(size >= 0, "LambdaDataset: negative size ", size);
  MICA_CHECK(static_cast<bool>(fn_), "LambdaDataset: empty function");
}

Example LambdaDataset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size_, "LambdaDataset::get: index ", index,
             " out of range for a dataset of size ", size_);
  return fn_(index);
}

TransformDataset::TransformDataset(DatasetPtr base, std::function<Example(Example)> fn)
    : base_(std::move(base)), fn_(std::move(fn)) {
  MICA_CHECK(base_ != nullptr, "TransformDataset: null base dataset");
  MICA_CHECK(static_cast<bool>(fn_), "TransformDataset: empty function");
}

Example TransformDataset::get(int64_t index) const {
  return fn_(base_->get(index));
}

// ---- Subset, ConcatDataset ----

Subset::Subset(DatasetPtr base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  MICA_CHECK(base_ != nullptr, "Subset: null base dataset");
  const int64_t n = base_->size();
  for (size_t k = 0; k < indices_.size(); ++k)
    MICA_CHECK(indices_[k] >= 0 && indices_[k] < n, "Subset: index ", indices_[k], " (position ", k,
               ") out of range for a dataset of size ", n);
}

Example Subset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size(), "Subset::get: index ", index,
             " out of range for a subset of size ", size());
  return base_->get(indices_[static_cast<size_t>(index)]);
}

ConcatDataset::ConcatDataset(std::vector<DatasetPtr> datasets) : datasets_(std::move(datasets)) {
  offsets_.push_back(0);
  for (size_t k = 0; k < datasets_.size(); ++k) {
    MICA_CHECK(datasets_[k] != nullptr, "ConcatDataset: dataset ", k, " is null");
    offsets_.push_back(offsets_.back() + datasets_[k]->size());
  }
}

Example ConcatDataset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size(), "ConcatDataset::get: index ", index,
             " out of range for a dataset of size ", size());
  // The last dataset whose offset is <= index (empty datasets share an offset and are skipped).
  const auto it = std::upper_bound(offsets_.begin(), offsets_.end(), index);
  const size_t k = static_cast<size_t>(it - offsets_.begin()) - 1;
  return datasets_[k]->get(index - offsets_[k]);
}

// ---- random_split ----

namespace {

std::vector<int64_t> lengths_from_fractions(const std::vector<double>& fractions, int64_t n) {
  MICA_CHECK(!fractions.empty(), "random_split: no fractions given");
  double sum = 0;
  for (double f : fractions) {
    MICA_CHECK(std::isfinite(f) && f >= 0 && f <= 1, "random_split: fraction ", f,
               " is not in [0, 1]");
    sum += f;
  }
  MICA_CHECK(std::abs(sum - 1.0) < 1e-6, "random_split: fractions sum to ", sum, ", expected 1");
  std::vector<int64_t> lengths;
  int64_t total = 0;
  for (double f : fractions) {
    lengths.push_back(static_cast<int64_t>(std::floor(f * static_cast<double>(n))));
    total += lengths.back();
  }
  for (size_t k = 0; total < n; k = (k + 1) % lengths.size(), ++total) ++lengths[k];
  return lengths;
}

}  // namespace

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  Generator& gen) {
  MICA_CHECK(dataset != nullptr, "random_split: null dataset");
  const int64_t n = dataset->size();
  int64_t total = 0;
  for (int64_t len : lengths) {
    MICA_CHECK(len >= 0, "random_split: negative length ", len);
    total += len;
  }
  MICA_CHECK(total == n, "random_split: lengths sum to ", total, " but the dataset has ", n,
             " records");
  const Tensor perm = randperm(n, std::nullopt, &gen);
  const int64_t* p = perm.data_ptr<int64_t>();
  std::vector<std::shared_ptr<Subset>> out;
  int64_t start = 0;
  for (int64_t len : lengths) {
    out.push_back(
        std::make_shared<Subset>(dataset, std::vector<int64_t>(p + start, p + start + len)));
    start += len;
  }
  return out;
}

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions,
                                                  Generator& gen) {
  MICA_CHECK(dataset != nullptr, "random_split: null dataset");
  return random_split(dataset, lengths_from_fractions(fractions, dataset->size()), gen);
}

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  uint64_t seed) {
  Generator gen(seed);
  return random_split(dataset, lengths, gen);
}

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions,
                                                  uint64_t seed) {
  Generator gen(seed);
  return random_split(dataset, fractions, gen);
}

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<int64_t>& lengths) {
  return random_split(dataset, lengths, default_generator());
}

std::vector<std::shared_ptr<Subset>> random_split(const DatasetPtr& dataset,
                                                  const std::vector<double>& fractions) {
  return random_split(dataset, fractions, default_generator());
}

}  // namespace mica::data
