// Internal HDF5 helpers shared by data/hdf5_io.cpp and nn/serialization.cpp (not part of mica.h):
// one process-wide lock around HDF5 calls, a scope that silences HDF5's error printing, the
// innermost HDF5 error as text, an owning id that closes itself, and opening files so that
// closing them closes everything opened in them.
#pragma once

#include <hdf5.h>

#include <mutex>
#include <string>

namespace mica::hdf5_detail {

// Every mica HDF5 call runs under this one lock (inline: one instance in the whole program).
inline std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

// Holds the lock and turns off HDF5's automatic error-stack printing for the scope.
class Hdf5Scope {
 public:
  Hdf5Scope() : lock_(hdf5_mutex()) {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Hdf5Scope() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  Hdf5Scope(const Hdf5Scope&) = delete;
  Hdf5Scope& operator=(const Hdf5Scope&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// " (innermost HDF5 error)" or "" when HDF5 recorded none; clears HDF5's error stack.
inline std::string hdf5_error() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? std::string() : " (" + msg + ")";
}

// An owned HDF5 id, closed with the matching H5*close function.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// H5Fopen with the "strong" close degree: closing the file also closes every object still open
// in it, so an error path that loses an object id cannot keep the file (and the library) open.
// Returns a negative id on failure, like H5Fopen.
inline hid_t open_file_closing_all(const std::string& path, unsigned flags) {
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.ok() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) return -1;
  return H5Fopen(path.c_str(), flags, fapl.get());
}

}  // namespace mica::hdf5_detail
