// HDF5 state-dict files through the C API: RAII ids, HDF5's error printing silenced (its
// innermost message goes into the mica::Error), one lock around all calls. Files use the 1.8+
// object formats (checksummed superblock, object headers and link indexes, creation-ordered
// links) and a CRC-32 per dataset, so truncation and flipped bytes are detected, not read.
#include "nn/serialization.h"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

#include "data/hdf5_support.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/shape.h"

namespace mica::nn {

namespace {

namespace fs = std::filesystem;
static_assert(std::endian::native == std::endian::little,
              "mica's file formats assume little-endian");

constexpr const char* kFormatAttr = "mica_format";
constexpr const char* kFormatName = "mica.state_dict.v1";
constexpr const char* kDtypeAttr = "mica_dtype";
constexpr const char* kCrcAttr = "crc32";

using hdf5_detail::hdf5_error;
using hdf5_detail::Hdf5Scope;
using hdf5_detail::Id;
using hdf5_detail::open_file_closing_all;

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's crc32.
uint32_t crc32(const void* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// The stored HDF5 type of each dtype (class, size) and its memory type.
struct StoredType {
  hid_t file, mem;
  H5T_class_t cls;
  size_t size;
};

StoredType stored_type(DType t) {
  switch (t) {
    case kFloat32:
      return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, H5T_FLOAT, 4};
    case kFloat64:
      return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, H5T_FLOAT, 8};
    case kInt64:
      return {H5T_STD_I64LE, H5T_NATIVE_INT64, H5T_INTEGER, 8};
    case kInt32:
      return {H5T_STD_I32LE, H5T_NATIVE_INT32, H5T_INTEGER, 4};
    case kUInt8:
    case kBool:
      return {H5T_STD_U8LE, H5T_NATIVE_UINT8, H5T_INTEGER, 1};
    case kBFloat16:
    case kFloat16:
      return {H5T_STD_U16LE, H5T_NATIVE_UINT16, H5T_INTEGER, 2};
  }
  MICA_FAIL("save_state_dict: unsupported dtype ", dtype_name(t));
}

bool parse_dtype(const std::string& s, DType& out) {
  for (DType t : {kFloat32, kFloat64, kInt64, kInt32, kUInt8, kBool, kBFloat16, kFloat16}) {
    if (s == dtype_name(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

void check_name(const std::string& name, const std::string& path) {
  MICA_CHECK(!name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos,
             "save_state_dict: ", path, ": invalid tensor name '", name,
             "' (names are non-empty, without '/', and not '.' or '..')");
}

// ---- string attributes (fixed-length UTF-8, stored inside the checksummed object header) ----
void write_string_attr(hid_t obj, const std::string& name, const std::string& value,
                       const std::string& where) {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  const size_t len = std::max<size_t>(value.size(), 1);
  MICA_CHECK(type.ok() && H5Tset_size(type.get(), len) >= 0 &&
                 H5Tset_strpad(type.get(), H5T_STR_NULLPAD) >= 0 &&
                 H5Tset_cset(type.get(), H5T_CSET_UTF8) >= 0,
             "save_state_dict: ", where, ": cannot make a string type", hdf5_error());
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
          H5Aclose);
  MICA_CHECK(attr.ok(), "save_state_dict: ", where, ": cannot create attribute '", name, "'",
             hdf5_error());
  std::string buf = value;
  buf.resize(len, '\0');
  MICA_CHECK(H5Awrite(attr.get(), type.get(), buf.data()) >= 0, "save_state_dict: ", where,
             ": cannot write attribute '", name, "'", hdf5_error());
}

void write_u32_attr(hid_t obj, const char* name, uint32_t value, const std::string& where) {
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attr(H5Acreate2(obj, name, H5T_STD_U32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  MICA_CHECK(attr.ok() && H5Awrite(attr.get(), H5T_NATIVE_UINT32, &value) >= 0,
             "save_state_dict: ", where, ": cannot write attribute '", name, "'", hdf5_error());
}

// Reads a scalar fixed- or variable-length string attribute; throws with `where` on failure.
std::string read_string_attr(hid_t attr, const std::string& where, const std::string& name) {
  Id type(H5Aget_type(attr), H5Tclose);
  MICA_CHECK(type.ok() && H5Tget_class(type.get()) == H5T_STRING, where, ": attribute '", name,
             "' is not a string", hdf5_error());
  Id space(H5Aget_space(attr), H5Sclose);
  MICA_CHECK(space.ok() && H5Sget_simple_extent_npoints(space.get()) == 1, where, ": attribute '",
             name, "' is not a scalar", hdf5_error());
  if (H5Tis_variable_str(type.get()) > 0) {
    Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* s = nullptr;
    MICA_CHECK(H5Aread(attr, mem.get(), &s) >= 0 && s != nullptr, where,
               ": cannot read attribute '", name, "'", hdf5_error());
    std::string out(s);
    H5free_memory(s);
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  MICA_CHECK(size > 0 && size < (size_t{1} << 31), where, ": attribute '", name,
             "' has an invalid size");
  std::string buf(size, '\0');
  MICA_CHECK(H5Aread(attr, type.get(), buf.data()) >= 0, where, ": cannot read attribute '", name,
             "'", hdf5_error());
  buf.resize(strnlen(buf.data(), buf.size()));
  return buf;
}

// Every attribute of obj: name -> string value (non-string attributes are skipped unless
// they are the crc).
struct ObjAttrs {
  std::map<std::string, std::string> strings;
  bool has_crc = false;
  uint32_t crc = 0;
};

ObjAttrs read_attrs(hid_t obj, const std::string& where) {
  ObjAttrs out;
  H5O_info_t info;
  MICA_CHECK(H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) >= 0, where,
             ": cannot read the attributes", hdf5_error());
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    Id attr(H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
    MICA_CHECK(attr.ok(), where, ": cannot open attribute ", i, hdf5_error());
    const ssize_t n = H5Aget_name(attr.get(), 0, nullptr);
    MICA_CHECK(n >= 0 && n < 65536, where, ": cannot read an attribute name", hdf5_error());
    std::string name(static_cast<size_t>(n), '\0');
    H5Aget_name(attr.get(), static_cast<size_t>(n) + 1, name.data());
    if (name == kCrcAttr) {
      Id type(H5Aget_type(attr.get()), H5Tclose);
      MICA_CHECK(type.ok() && H5Tget_class(type.get()) == H5T_INTEGER &&
                     H5Aread(attr.get(), H5T_NATIVE_UINT32, &out.crc) >= 0,
                 where, ": unreadable crc32 attribute", hdf5_error());
      out.has_crc = true;
      continue;
    }
    Id type(H5Aget_type(attr.get()), H5Tclose);
    if (!type.ok() || H5Tget_class(type.get()) != H5T_STRING) continue;
    out.strings[name] = read_string_attr(attr.get(), where, name);
  }
  return out;
}

// ---- writing ----
void write_tensor(hid_t file, const std::string& name, const Tensor& t, const std::string& path) {
  const std::string where = path + ": tensor '" + name + "'";
  MICA_CHECK(t.defined(), "save_state_dict: ", where, " is undefined");
  const StoredType st = stored_type(t.dtype());
  Tensor c;
  {
    NoGradGuard no_grad;
    c = t.detach().to(Device(kCPU)).contiguous();
  }
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                        : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
           H5Sclose);
  MICA_CHECK(space.ok(), "save_state_dict: ", where, ": cannot create the dataspace", hdf5_error());
  Id dset(
      H5Dcreate2(file, name.c_str(), st.file, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  MICA_CHECK(dset.ok(), "save_state_dict: ", where, ": cannot create the dataset", hdf5_error());
  if (c.numel() > 0)
    MICA_CHECK(H5Dwrite(dset.get(), st.mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.raw_data()) >= 0,
               "save_state_dict: ", where, ": write failed", hdf5_error());
  write_string_attr(dset.get(), kDtypeAttr, dtype_name(t.dtype()), where);
  write_u32_attr(dset.get(), kCrcAttr, crc32(c.raw_data(), c.nbytes()), where);
}

void fsync_path(const std::string& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string temp_name(const fs::path& target) {
  static std::atomic<uint64_t> counter{0};
  return (target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                                  std::to_string(::getpid()) + "-" + std::to_string(counter++)))
      .string();
}

// ---- reading ----
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
};

class Reader {
 public:
  Reader(const std::string& path, const char* fn) : path_(path), fn_(fn) {
    std::error_code ec;
    MICA_CHECK(fs::is_regular_file(path, ec), fn, ": file not found: ", path);
    file_size_ = fs::file_size(path, ec);
    MICA_CHECK(H5Fis_hdf5(path.c_str()) > 0, fn, ": ", path,
               " is not an HDF5 file (or its header is corrupt)", hdf5_error());
    file_ = open_file_closing_all(path, H5F_ACC_RDONLY);
    MICA_CHECK(file_ >= 0, fn, ": cannot open ", path, " (truncated or corrupt?)", hdf5_error());
    try {
      read_root();
    } catch (...) {  // the destructor does not run when the constructor throws
      H5Fclose(file_);
      throw;
    }
  }
  ~Reader() {
    if (file_ >= 0) H5Fclose(file_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

 private:
  void read_root() {
    const char* fn = fn_;
    const std::string& path = path_;
    Id root(H5Gopen2(file_, "/", H5P_DEFAULT), H5Gclose);
    MICA_CHECK(root.ok(), fn, ": ", path, ": cannot open the root group", hdf5_error());
    attrs_ = read_attrs(root.get(), std::string(fn) + ": " + path).strings;
    auto it = attrs_.find(kFormatAttr);
    MICA_CHECK(it != attrs_.end() && it->second == kFormatName, fn, ": ", path,
               " is not a mica state-dict file (no '", kFormatAttr, "' = '", kFormatName,
               "' attribute)");
    attrs_.erase(it);
    list_entries(root.get());
  }

 public:
  const std::vector<Entry>& entries() const { return entries_; }
  const Attributes& attributes() const { return attrs_; }

  // Reads entry e into dst (a contiguous CPU tensor of e's dtype and shape), checking its CRC.
  void read(const Entry& e, Tensor& dst) const {
    const std::string where = path_ + ": tensor '" + e.name + "'";
    Id dset(H5Dopen2(file_, e.name.c_str(), H5P_DEFAULT), H5Dclose);
    MICA_CHECK(dset.ok(), fn_, ": ", where, ": cannot open", hdf5_error());
    if (dst.numel() > 0)
      MICA_CHECK(H5Dread(dset.get(), stored_type(e.dtype).mem, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         dst.raw_data()) >= 0,
                 fn_, ": ", where, ": read failed (truncated or corrupt file?)", hdf5_error());
    MICA_CHECK(crc32(dst.raw_data(), dst.nbytes()) == crcs_.at(e.name), fn_, ": ", where,
               ": checksum mismatch (the data is corrupt)");
  }

 private:
  void list_entries(hid_t root) {
    H5G_info_t info;
    MICA_CHECK(H5Gget_info(root, &info) >= 0, fn_, ": ", path_, ": cannot list the file",
               hdf5_error());
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t n = H5Lget_name_by_idx(root, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, nullptr,
                                           0, H5P_DEFAULT);
      MICA_CHECK(n > 0 && n < 65536, fn_, ": ", path_, ": cannot read link ", i, " (corrupt?)",
                 hdf5_error());
      std::string name(static_cast<size_t>(n), '\0');
      H5Lget_name_by_idx(root, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name.data(),
                         static_cast<size_t>(n) + 1, H5P_DEFAULT);
      entries_.push_back(describe(name));
    }
  }

  Entry describe(const std::string& name) {
    const std::string where = path_ + ": tensor '" + name + "'";
    Id obj(H5Oopen(file_, name.c_str(), H5P_DEFAULT), H5Oclose);
    MICA_CHECK(obj.ok() && H5Iget_type(obj.get()) == H5I_DATASET, fn_, ": ", where,
               " is not a dataset (corrupt, or not written by mica)", hdf5_error());
    const ObjAttrs a = read_attrs(obj.get(), std::string(fn_) + ": " + where);
    auto dt = a.strings.find(kDtypeAttr);
    Entry e{name, kFloat32, {}};
    MICA_CHECK(dt != a.strings.end() && parse_dtype(dt->second, e.dtype), fn_, ": ", where,
               ": missing or unknown '", kDtypeAttr, "' attribute");
    MICA_CHECK(a.has_crc, fn_, ": ", where, ": missing crc32 attribute");
    crcs_[name] = a.crc;
    Id type(H5Dget_type(obj.get()), H5Tclose);
    const StoredType st = stored_type(e.dtype);
    MICA_CHECK(
        type.ok() && H5Tget_class(type.get()) == st.cls && H5Tget_size(type.get()) == st.size, fn_,
        ": ", where, ": stored element type does not match its dtype ", dtype_name(e.dtype),
        hdf5_error());
    Id space(H5Dget_space(obj.get()), H5Sclose);
    const int rank = space.ok() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    MICA_CHECK(rank >= 0 && rank <= 64, fn_, ": ", where, ": unreadable dataspace", hdf5_error());
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    // The data cannot be larger than the file: guards allocations against corrupt shapes.
    long double bytes = static_cast<long double>(st.size);
    for (hsize_t d : dims) bytes *= static_cast<long double>(d);
    MICA_CHECK(bytes <= static_cast<long double>(file_size_), fn_, ": ", where, ": shape ",
               shape_str(Shape(dims.begin(), dims.end())), " needs more bytes than the file has",
               " (corrupt)");
    e.shape = Shape(dims.begin(), dims.end());
    return e;
  }

  std::string path_;
  const char* fn_;
  uintmax_t file_size_ = 0;
  hid_t file_ = -1;
  Attributes attrs_;
  std::vector<Entry> entries_;
  std::map<std::string, uint32_t> crcs_;
};

}  // namespace

void save_state_dict(const std::string& path, const StateDict& sd, const Attributes& attrs) {
  for (const auto& [name, t] : sd) check_name(name, path);
  for (const auto& [name, value] : attrs)
    MICA_CHECK(!name.empty() && name.rfind("mica_", 0) != 0 && name != kCrcAttr,
               "save_state_dict: ", path, ": invalid attribute name '", name,
               "' (non-empty, not 'crc32', not starting with 'mica_')");
  detail::write_atomically(path, "save_state_dict", [&](const std::string& tmp) {
    Hdf5Scope scope;
    Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    MICA_CHECK(fcpl.ok() && fapl.ok() &&
                   H5Pset_link_creation_order(fcpl.get(),
                                              H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
                   H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0,
               "save_state_dict: cannot set up the file properties", hdf5_error());
    Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    MICA_CHECK(file.ok(), "save_state_dict: cannot create ", tmp, hdf5_error());
    {
      Id root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
      MICA_CHECK(root.ok(), "save_state_dict: ", tmp, ": no root group", hdf5_error());
      write_string_attr(root.get(), kFormatAttr, kFormatName, path);
      for (const auto& [name, value] : attrs) write_string_attr(root.get(), name, value, path);
    }
    for (const auto& [name, t] : sd) write_tensor(file.get(), name, t, path);
    MICA_CHECK(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, "save_state_dict: flushing ", tmp,
               " failed", hdf5_error());
    MICA_CHECK(H5Fclose(file.release()) >= 0, "save_state_dict: closing ", tmp, " failed",
               hdf5_error());
  });
}

namespace detail {

void write_atomically(const std::string& path, const char* fn,
                      const std::function<void(const std::string& tmp)>& write) {
  const fs::path target = fs::absolute(fs::path(path));
  std::error_code ec;
  MICA_CHECK(fs::is_directory(target.parent_path(), ec), fn, ": ", path, ": directory ",
             target.parent_path().string(), " does not exist");
  const std::string tmp = temp_name(target);
  try {
    write(tmp);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fsync_path(tmp, false);
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    MICA_FAIL(fn, ": cannot rename ", tmp, " to ", path, " (", ec.message(), ")");
  }
  fsync_path(target.parent_path().string(), true);
}

}  // namespace detail

StateDict load_state_dict(const std::string& path, Attributes* attrs) {
  Hdf5Scope scope;
  Reader reader(path, "load_state_dict");
  StateDict out;
  for (const Entry& e : reader.entries()) {
    Tensor t = empty(e.shape, e.dtype);
    reader.read(e, t);
    out.insert(e.name, t);
  }
  if (attrs) *attrs = reader.attributes();
  return out;
}

void load_state_dict_into(const std::string& path, StateDict& expected, bool strict,
                          Attributes* attrs) {
  const char* fn = "load_state_dict";
  StateDict loaded;
  {
    Hdf5Scope scope;
    Reader reader(path, fn);
    std::set<std::string> in_file;
    for (const Entry& e : reader.entries()) {
      in_file.insert(e.name);
      if (!expected.contains(e.name)) {
        MICA_CHECK(!strict, fn, ": ", path, ": unexpected tensor '", e.name,
                   "' (not in the expected state dict)");
        continue;
      }
      const Tensor& want = expected.at(e.name);
      MICA_CHECK(want.dtype() == e.dtype, fn, ": ", path, ": tensor '", e.name, "' has dtype ",
                 dtype_name(e.dtype), ", expected ", dtype_name(want.dtype()));
      MICA_CHECK(want.sizes() == e.shape, fn, ": ", path, ": tensor '", e.name, "' has shape ",
                 shape_str(e.shape), ", expected ", shape_str(want.sizes()));
      Tensor t = empty(e.shape, e.dtype);
      reader.read(e, t);
      loaded.insert(e.name, t);
    }
    if (strict)
      for (const auto& [name, t] : expected)
        MICA_CHECK(in_file.count(name) != 0, fn, ": ", path, ": missing tensor '", name, "'");
    if (attrs) *attrs = reader.attributes();
  }
  NoGradGuard no_grad;
  for (const auto& [name, t] : loaded) expected.at(name).copy_(t);
}

Attributes read_attributes(const std::string& path) {
  Hdf5Scope scope;
  Reader reader(path, "read_attributes");
  return reader.attributes();
}

}  // namespace mica::nn
