// Tensor: a cheap, shared handle to a TensorImpl. Metadata, element access, conversion and the
// view methods live here; math ops are free functions (tensor/ops.h, and the differentiable
// API of autograd/).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tensor/options.h"
#include "tensor/tensor_impl.h"

namespace mica {

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata ----
  const Shape& sizes() const { return checked()->sizes(); }
  const Shape& shape() const { return sizes(); }
  const Shape& strides() const { return checked()->strides(); }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(sizes().size()); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return checked()->numel(); }
  DType dtype() const { return checked()->dtype(); }
  DType scalar_type() const { return dtype(); }
  Device device() const { return checked()->device(); }
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  int64_t storage_offset() const { return checked()->storage_offset(); }
  bool is_contiguous() const { return checked()->is_contiguous(); }
  size_t element_size() const { return mica::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  uint64_t version() const { return checked()->version(); }
  void bump_version() const { checked()->bump_version(); }
  bool requires_grad() const { return checked()->requires_grad(); }
  // Raw flag setter (no checks); users call requires_grad_.
  Tensor& set_requires_grad(bool r) {
    checked()->set_requires_grad(r);
    return *this;
  }

  // ---- autograd (implemented by the autograd layer through tensor/autograd_hooks.h) ----
  // Marks a leaf as needing gradients (floating dtypes only).
  Tensor& requires_grad_(bool r = true);
  // Backpropagates from this tensor (a scalar, or with an explicit gradient of its shape).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  // The accumulated gradient of a leaf (or of a tensor that called retain_grad); undefined if none.
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  bool is_leaf() const;
  void retain_grad() const;
  // The same data without history (shares storage and version counter).
  Tensor detach() const;
  // fn(grad) runs when this tensor's gradient is computed; returning a defined tensor replaces it.
  int64_t register_hook(std::function<Tensor(const Tensor&)> fn) const;
  // Name of the node that produced this tensor ("AddBackward"), or "" for leaves.
  std::string grad_fn_name() const;

  // ---- element access ----
  // Typed pointer to element 0; T must match dtype (throws otherwise).
  template <class T>
  T* data_ptr() const;
  void* raw_data() const { return checked()->data(); }
  // The value of a one-element tensor, converted to T (copies from the GPU if needed).
  template <class T>
  T item() const;
  Scalar item() const;

  // ---- conversion and copies ----
  Tensor contiguous() const;
  Tensor clone() const;
  // Copies src into this tensor in place (src broadcast to this shape, dtype/device converted).
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(const Scalar& v);
  Tensor& zero_() { return fill_(0); }
  Tensor to(DType t) const;
  Tensor to(Device d) const;
  Tensor to(Device d, DType t) const;
  Tensor cpu() const { return to(Device(kCPU)); }
  Tensor cuda(int index = 0) const { return to(Device(kCUDA, index)); }
  Tensor float_() const { return to(kFloat32); }

  // ---- views (share storage with this tensor) ----
  Tensor view(const Shape& shape) const;     // one dim may be -1; needs compatible strides
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;                         // 2-d transpose (0-d and 1-d: itself)
  Tensor expand(const Shape& shape) const;  // -1 keeps a size; new sizes get stride 0
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  Tensor as_strided(const Shape& sizes, const Shape& strides, int64_t storage_offset = -1) const;
  // A view with new metadata over the same storage (no checks; building block for views).
  Tensor make_view(Shape sizes, Shape strides, int64_t storage_offset) const;

 private:
  TensorImpl* checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- template definitions ----
template <class T>
T* Tensor::data_ptr() const {
  MICA_CHECK(dtype_of<T>() == dtype(), "data_ptr: requested ", dtype_name(dtype_of<T>()),
             " but the tensor is ", dtype_name(dtype()));
  return static_cast<T*>(raw_data());
}

template <class T>
T Tensor::item() const {
  return item().to<T>();
}

}  // namespace mica
