// HDF5 arrays (libhdf5's C API): read and write one named dataset as a tensor, list a file's
// datasets, and Hdf5Array, a lazily read view of a dataset's N examples along dim 0.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "tensor/tensor.h"

namespace mica::data {

// The dataset's values as a CPU tensor of its shape (a scalar dataset gives a 0-d tensor).
// Stored types map to: float32 -> float32, float64 -> float64, uint8 -> uint8, int8/int16/
// uint16/int32 -> int32, uint32/int64 -> int64; others (strings, compounds, uint64, float16)
// are rejected. name may be a path inside the file ("group/sub/x"). A missing file, a file that
// is not HDF5, or a missing dataset throws mica::Error naming them (and listing the datasets the
// file has).
Tensor read_hdf5(const std::string& path, const std::string& name);

struct Hdf5WriteOptions {
  // false: the file is (re)created holding only this dataset, atomically (temporary file, then
  // rename). true: the dataset is added to an existing file (created if missing) in place; an
  // existing dataset of that name is replaced.
  bool append = false;
};

// t: any shape, float32/float64/int32/int64/uint8 (other dtypes are rejected: convert first).
// Intermediate groups of name ("a/b/x") are created.
void write_hdf5(const std::string& path, const std::string& name, const Tensor& t,
                Hdf5WriteOptions opts = {});

// Every dataset in the file, as full paths without the leading "/", sorted.
std::vector<std::string> hdf5_datasets(const std::string& path);

// A dataset of N examples along dim 0 ([N, *item]), read one example (or a range) at a time,
// so files larger than memory can feed a training loop. Copies share the open file. Reads are
// serialized (safe from loader worker threads).
class Hdf5Array {
 public:
  Hdf5Array(const std::string& path, const std::string& name);

  int64_t size() const { return shape_.empty() ? 0 : shape_[0]; }  // N
  // Example i (negative counts from the end): [*item], dtype().
  Tensor get(int64_t i) const;
  // Examples [start, start + count): [count, *item].
  Tensor get_range(int64_t start, int64_t count) const;
  // The whole dataset: [N, *item].
  Tensor load_all() const;

  const Shape& shape() const { return shape_; }  // [N, *item]
  Shape item_shape() const { return Shape(shape_.begin() + 1, shape_.end()); }
  DType dtype() const { return dtype_; }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }

 private:
  struct Handle;
  std::shared_ptr<Handle> handle_;
  std::string path_, name_;
  Shape shape_;
  DType dtype_ = kFloat32;
};

// HDF5 arrays as a Dataset: named fields, each an Hdf5Array with the same N, read lazily one
// example at a time (safe from DataLoader worker threads). Example: Hdf5Dataset(path,
// {"images", "labels"}) gives Example{{"images", [*item]}, {"labels", [*item]}}.
class Hdf5Dataset : public Dataset {
 public:
  Hdf5Dataset(const std::string& path, const std::vector<std::string>& names);
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;

 private:
  std::vector<std::pair<std::string, Hdf5Array>> arrays_;
  int64_t size_ = 0;
};

}  // namespace mica::data
