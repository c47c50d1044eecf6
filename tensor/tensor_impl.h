// TensorImpl: what a Tensor handle points to — storage, offset, sizes, strides, dtype, a
// version counter shared with views, and an opaque slot the autograd layer fills in.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace mica {

// Opaque per-tensor autograd state. The tensor layer only stores it; autograd/ defines it.
struct AutogradMetaInterface {
  virtual ~AutogradMetaInterface() = default;
};

// Counts in-place modifications; shared by a tensor and its views so that autograd can detect
// that a tensor saved for backward was modified.
struct VersionCounter {
  std::atomic<uint64_t> version{0};
};

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, int64_t offset, Shape sizes, Shape strides,
             DType dtype, std::shared_ptr<VersionCounter> version = nullptr);

  const std::shared_ptr<Storage>& storage() const { return storage_; }
  int64_t storage_offset() const { return offset_; }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  int64_t numel() const { return numel_; }
  bool is_contiguous() const { return contiguous_; }
  // Address of element 0 (storage base + offset * element size).
  void* data() const {
    return static_cast<char*>(storage_->data()) +
           offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  const std::shared_ptr<VersionCounter>& version_counter() const { return version_; }
  uint64_t version() const { return version_->version.load(std::memory_order_relaxed); }
  void bump_version() { version_->version.fetch_add(1, std::memory_order_relaxed); }

  bool requires_grad() const { return requires_grad_; }
  void set_requires_grad(bool r) { requires_grad_ = r; }
  AutogradMetaInterface* autograd_meta() const { return autograd_meta_.get(); }
  void set_autograd_meta(std::unique_ptr<AutogradMetaInterface> m) {
    autograd_meta_ = std::move(m);
  }

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_;
  Shape sizes_;
  Shape strides_;
  DType dtype_;
  int64_t numel_;
  bool contiguous_;
  bool requires_grad_ = false;
  std::shared_ptr<VersionCounter> version_;
  std::unique_ptr<AutogradMetaInterface> autograd_meta_;
};

}  // namespace mica
