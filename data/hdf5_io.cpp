// HDF5 dataset reading/writing through the C API, with RAII handles, HDF5's own error printing
// silenced (its innermost message goes into the mica::Error instead), and one lock around all
// calls so the readers are safe from loader threads whatever libhdf5 was built with.
#include "data/hdf5_io.h"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "data/hdf5_support.h"
#include "tensor/ops/factory.h"

namespace mica::data {

namespace {

namespace fs = std::filesystem;

using hdf5_detail::hdf5_error;
using hdf5_detail::Hdf5Scope;
using hdf5_detail::Id;
using hdf5_detail::open_file_closing_all;

struct TypeMap {
  DType dtype;
  hid_t mem;  // the native type HDF5 converts the stored values to
};

TypeMap map_stored_type(hid_t dset, const std::string& where) {
  Id type(H5Dget_type(dset), H5Tclose);
  MICA_CHECK(type.ok(), "read_hdf5: ", where, ": cannot read the element type", hdf5_error());
  const H5T_class_t cls = H5Tget_class(type.get());
  const size_t size = H5Tget_size(type.get());
  if (cls == H5T_FLOAT && size == 4) return {kFloat32, H5T_NATIVE_FLOAT};
  if (cls == H5T_FLOAT && size == 8) return {kFloat64, H5T_NATIVE_DOUBLE};
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
    if (size == 1 && !is_signed) return {kUInt8, H5T_NATIVE_UINT8};
    if (size <= 2 || (size == 4 && is_signed)) return {kInt32, H5T_NATIVE_INT32};
    if ((size == 4 && !is_signed) || (size == 8 && is_signed)) return {kInt64, H5T_NATIVE_INT64};
  }
  MICA_FAIL(
      "read_hdf5: ", where, ": unsupported element type (HDF5 class ", static_cast<int>(cls), ", ",
      size,
      " bytes); supported: float32, float64, uint8, int8, int16, uint16, int32, uint32, int64");
}

std::pair<hid_t, hid_t> write_types(DType t) {  // {file type, memory type}
  switch (t) {
    case kFloat32:
      return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
    case kFloat64:
      return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
    case kInt32:
      return {H5T_STD_I32LE, H5T_NATIVE_INT32};
    case kInt64:
      return {H5T_STD_I64LE, H5T_NATIVE_INT64};
    case kUInt8:
      return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
    default:
      MICA_FAIL("write_hdf5: unsupported dtype ", dtype_name(t),
                " (supported: float32, float64, int32, int64, uint8; convert with .to())");
  }
}

hid_t open_file(const std::string& path, unsigned flags, const char* fn) {
  std::error_code ec;
  MICA_CHECK(fs::is_regular_file(path, ec), fn, ": file not found: ", path);
  MICA_CHECK(H5Fis_hdf5(path.c_str()) > 0, fn, ": ", path, " is not an HDF5 file");
  const hid_t f = open_file_closing_all(path, flags);
  MICA_CHECK(f >= 0, fn, ": cannot open ", path, hdf5_error());
  return f;
}

// Whether name ("a/b/x") resolves in the file (each link along the path is checked).
bool link_exists(hid_t file, const std::string& name) {
  size_t pos = 0;
  while (true) {
    const size_t slash = name.find('/', pos);
    const std::string prefix = name.substr(0, slash);
    if (!prefix.empty() && H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

std::vector<std::string> list_datasets(hid_t file) {
  std::vector<std::string> names;
  H5Lvisit(
      file, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t group, const char* name, const H5L_info_t*, void* out) -> herr_t {
        const hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
        if (obj >= 0) {
          if (H5Iget_type(obj) == H5I_DATASET)
            static_cast<std::vector<std::string>*>(out)->push_back(name);
          H5Oclose(obj);
        }
        return 0;
      },
      &names);
  H5Eclear2(H5E_DEFAULT);
  std::sort(names.begin(), names.end());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Opens dataset name of file, with an error naming what the file does have.
hid_t open_dataset(hid_t file, const std::string& path, const std::string& name, const char* fn) {
  MICA_CHECK(!name.empty(), fn, ": empty dataset name");
  const std::string where = path + ":" + name;
  MICA_CHECK(link_exists(file, name), fn, ": dataset '", name, "' not found in ", path,
             " (datasets: ", joined(list_datasets(file)), ")");
  Id obj(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
  MICA_CHECK(obj.ok() && H5Iget_type(obj.get()) == H5I_DATASET, fn, ": '", name, "' in ", path,
             " is not a dataset (datasets: ", joined(list_datasets(file)), ")");
  const hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  MICA_CHECK(d >= 0, fn, ": cannot open ", where, hdf5_error());
  return d;
}

Shape dataset_shape(hid_t dset, const std::string& where, const char* fn) {
  Id space(H5Dget_space(dset), H5Sclose);
  const int rank = space.ok() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  MICA_CHECK(rank >= 0, fn, ": ", where, ": cannot read the dataspace", hdf5_error());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

// Reads rows [start, start + count) along dim 0 (the whole dataset when shape is 0-d) into a
// new tensor.
Tensor read_rows(hid_t dset, const Shape& shape, const TypeMap& tm, int64_t start, int64_t count,
                 const std::string& where, const char* fn) {
  Shape out_shape = shape;
  if (!shape.empty()) out_shape[0] = count;
  Tensor out = empty(out_shape, tm.dtype);
  if (out.numel() == 0) return out;
  herr_t rc;
  if (shape.empty()) {
    rc = H5Dread(dset, tm.mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.raw_data());
  } else {
    Id file_space(H5Dget_space(dset), H5Sclose);
    std::vector<hsize_t> offset(shape.size(), 0), counts(out_shape.begin(), out_shape.end());
    offset[0] = static_cast<hsize_t>(start);
    MICA_CHECK(
        file_space.ok() && H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(),
                                               nullptr, counts.data(), nullptr) >= 0,
        fn, ": ", where, ": cannot select rows", hdf5_error());
    Id mem_space(H5Screate_simple(static_cast<int>(counts.size()), counts.data(), nullptr),
                 H5Sclose);
    rc = H5Dread(dset, tm.mem, mem_space.get(), file_space.get(), H5P_DEFAULT, out.raw_data());
  }
  MICA_CHECK(rc >= 0, fn, ": ", where, ": read failed", hdf5_error());
  return out;
}

void write_dataset(hid_t file, const std::string& path, const std::string& name, const Tensor& t) {
  const auto [file_type, mem_type] = write_types(t.dtype());
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                        : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
           H5Sclose);
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  MICA_CHECK(space.ok() && lcpl.ok() && H5Pset_create_intermediate_group(lcpl.get(), 1) >= 0,
             "write_hdf5: cannot set up ", path, ":", name, hdf5_error());
  Id dset(
      H5Dcreate2(file, name.c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  MICA_CHECK(dset.ok(), "write_hdf5: cannot create dataset '", name, "' in ", path, hdf5_error());
  if (t.numel() > 0)
    MICA_CHECK(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()) >= 0,
               "write_hdf5: writing '", name, "' to ", path, " failed", hdf5_error());
}

}  // namespace

Tensor read_hdf5(const std::string& path, const std::string& name) {
  Hdf5Scope scope;
  Id file(open_file(path, H5F_ACC_RDONLY, "read_hdf5"), H5Fclose);
  Id dset(open_dataset(file.get(), path, name, "read_hdf5"), H5Dclose);
  const std::string where = path + ":" + name;
  const TypeMap tm = map_stored_type(dset.get(), where);
  const Shape shape = dataset_shape(dset.get(), where, "read_hdf5");
  return read_rows(dset.get(), shape, tm, 0, shape.empty() ? 1 : shape[0], where, "read_hdf5");
}

void write_hdf5(const std::string& path, const std::string& name, const Tensor& t_in,
                Hdf5WriteOptions opts) {
  MICA_CHECK(t_in.defined(), "write_hdf5: undefined tensor for '", name, "'");
  MICA_CHECK(!name.empty(), "write_hdf5: empty dataset name");
  write_types(t_in.dtype());  // rejects unsupported dtypes before touching the file
  const Tensor t = t_in.cpu().contiguous();
  Hdf5Scope scope;
  if (opts.append) {
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    Id file(exists ? open_file(path, H5F_ACC_RDWR, "write_hdf5")
                   : H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
            H5Fclose);
    MICA_CHECK(file.ok(), "write_hdf5: cannot create ", path, hdf5_error());
    if (link_exists(file.get(), name))
      MICA_CHECK(H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT) >= 0,
                 "write_hdf5: cannot replace '", name, "' in ", path, hdf5_error());
    write_dataset(file.get(), path, name, t);
    MICA_CHECK(H5Fclose(file.release()) >= 0, "write_hdf5: closing ", path, " failed",
               hdf5_error());
    return;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    MICA_CHECK(file.ok(), "write_hdf5: cannot create ", tmp, hdf5_error());
    write_dataset(file.get(), path, name, t);
    MICA_CHECK(H5Fclose(file.release()) >= 0, "write_hdf5: closing ", tmp, " failed", hdf5_error());
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    MICA_FAIL("write_hdf5: cannot rename ", tmp, " to ", path);
  }
}

std::vector<std::string> hdf5_datasets(const std::string& path) {
  Hdf5Scope scope;
  Id file(open_file(path, H5F_ACC_RDONLY, "hdf5_datasets"), H5Fclose);
  return list_datasets(file.get());
}

// ---- Hdf5Array ----

struct Hdf5Array::Handle {
  hid_t file = -1, dset = -1;
  hid_t mem = -1;
  ~Handle() {
    Hdf5Scope scope;
    if (dset >= 0) H5Dclose(dset);
    if (file >= 0) H5Fclose(file);
  }
};

Hdf5Array::Hdf5Array(const std::string& path, const std::string& name) : path_(path), name_(name) {
  auto h = std::make_shared<Handle>();
  {
    Hdf5Scope scope;
    Id file(open_file(path, H5F_ACC_RDONLY, "Hdf5Array"), H5Fclose);
    Id dset(open_dataset(file.get(), path, name, "Hdf5Array"), H5Dclose);
    const std::string where = path + ":" + name;
    const TypeMap tm = map_stored_type(dset.get(), where);
    shape_ = dataset_shape(dset.get(), where, "Hdf5Array");
    MICA_CHECK(!shape_.empty(), "Hdf5Array: ", where,
               " is a scalar; expected examples along dim 0 (use read_hdf5)");
    dtype_ = tm.dtype;
    h->mem = tm.mem;
    h->file = file.release();
    h->dset = dset.release();
  }
  handle_ = std::move(h);
}

Tensor Hdf5Array::get_range(int64_t start, int64_t count) const {
  MICA_CHECK(start >= 0 && count >= 0 && start <= size() && count <= size() - start,
             "Hdf5Array::get_range: rows [", start, ", ", start + count, ") out of range for ",
             size(), " examples in ", path_, ":", name_);
  Hdf5Scope scope;
  return read_rows(handle_->dset, shape_, {dtype_, handle_->mem}, start, count, path_ + ":" + name_,
                   "Hdf5Array");
}

Tensor Hdf5Array::get(int64_t i) const {
  const int64_t n = size();
  MICA_CHECK(i >= -n && i < n, "Hdf5Array::get: index ", i, " out of range for ", n,
             " examples in ", path_, ":", name_);
  return get_range(i < 0 ? i + n : i, 1).select(0, 0);
}

Tensor Hdf5Array::load_all() const {
  return get_range(0, size());
}

Hdf5Dataset::Hdf5Dataset(const std::string& path, const std::vector<std::string>& names) {
  MICA_CHECK(!names.empty(), "Hdf5Dataset: ", path, ": no dataset names given");
  for (const std::string& name : names) {
    arrays_.emplace_back(name, Hdf5Array(path, name));
    const int64_t n = arrays_.back().second.size();
    MICA_CHECK(arrays_.size() == 1 || n == size_, "Hdf5Dataset: ", path, ": '", name, "' has ", n,
               " examples but '", arrays_.front().first, "' has ", size_);
    size_ = n;
  }
}

Example Hdf5Dataset::get(int64_t index) const {
  MICA_CHECK(index >= 0 && index < size_, "Hdf5Dataset: index ", index, " is out of range for ",
             size_, " examples");
  Example e;
  for (const auto& [name, array] : arrays_) e.add(name, array.get(index));
  return e;
}

}  // namespace mica::data
