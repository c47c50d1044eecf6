// Tensor methods that copy or convert: copy_, fill_, contiguous, clone, to(dtype/device), item.
#include "tensor/cpu/copy.h"
#include "tensor/autograd_hooks.h"
#include "tensor/cuda/copy.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops/common.h"

namespace mica {

namespace {
bool overlaps(const Tensor& a, const Tensor& b) {
  return a.impl()->storage() == b.impl()->storage();
}

bool whole_block(const Tensor& dst, const Tensor& src) {
  return dst.dtype() == src.dtype() && dst.sizes() == src.sizes() && dst.is_contiguous() &&
         src.is_contiguous();
}

// Copies between devices: src (broadcastable to dst) moves as one contiguous block in its own
// shape; broadcasting, striding and dtype conversion happen on the device side (host-to-device:
// after the transfer, from a device staging tensor; device-to-host: before it, into a contiguous
// tensor of dst's dtype), except that a strided or broadcast CPU destination is written from a
// host staging tensor. Between two CUDA devices the block goes through the host.
void copy_across(const Tensor& dst, const Tensor& src) {
  const Shape& shape = dst.sizes();
  if (dst.numel() == 0) return;
  if (dst.is_cuda() && src.is_cpu()) {
    const int device = dst.device().index;
    const Tensor host = src.contiguous();
    if (whole_block(dst, host)) {
      cuda::copy_host_to_device(dst.raw_data(), host.raw_data(), dst.nbytes(), device);
      return;
    }
    Tensor staged = empty(host.sizes(), TensorOptions(host.dtype()).device(dst.device()));
    cuda::copy_host_to_device(staged.raw_data(), host.raw_data(), host.nbytes(), device);
    cuda::copy(dst, staged.expand(shape));
    return;
  }
  if (dst.is_cpu() && src.is_cuda()) {
    const int device = src.device().index;
    Tensor dev = src;
    if (!src.is_contiguous() || src.dtype() != dst.dtype()) {
      dev = empty(src.sizes(), TensorOptions(dst.dtype()).device(src.device()));
      cuda::copy(dev, src);
    }
    if (whole_block(dst, dev)) {
      cuda::copy_device_to_host(dst.raw_data(), dev.raw_data(), dst.nbytes(), device);
      return;
    }
    Tensor host = empty(dev.sizes(), dev.dtype());
    cuda::copy_device_to_host(host.raw_data(), dev.raw_data(), dev.nbytes(), device);
    cpu::copy(dst, host.expand(shape));
    return;
  }
  MICA_CHECK(dst.is_cuda() && src.is_cuda(), "copy_: unsupported devices ", src.device(), " -> ",
             dst.device());
  Tensor host = empty(src.sizes(), src.dtype());
  copy_across(host, src);
  copy_across(dst, host);
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src_in) {
  ops::detail::check_defined("copy_", src_in, "src");
  Tensor src = src_in;
  Shape shape = sizes();
  MICA_CHECK(broadcast_shapes(src.sizes(), shape, "copy_") == shape, "copy_: source shape ",
             shape_str(src.sizes()), " cannot be broadcast to destination shape ",
             shape_str(shape));
  const bool record = needs_autograd(*this) || needs_autograd(src);
  if (record) autograd_hooks("copy_").before_inplace(*this, "copy_");
  if (overlaps(*this, src) && !is_same(src)) {
    BelowAutogradGuard raw;
    src = src.clone();
  }
  if (is_same(src)) return *this;
  Tensor expanded;
  {
    BelowAutogradGuard raw;  // the expansion is part of copy_'s own (recorded) backward
    expanded = src.expand(shape);
  }
  if (is_cpu() && src.is_cpu()) {
    cpu::copy(*this, expanded);
  } else if (device() == src.device()) {
    cuda::copy(*this, expanded);
  } else {
    BelowAutogradGuard raw;  // staging copies are not part of the graph
    copy_across(*this, src);
  }
  bump_version();
  if (record) autograd_hooks("copy_").after_copy_(*this, src_in);
  return *this;
}

Tensor& Tensor::fill_(const Scalar& v) {
  const bool record = needs_autograd(*this);
  if (record) autograd_hooks("fill_").before_inplace(*this, "fill_");
  if (is_cpu())
    cpu::fill(*this, v);
  else
    cuda::fill(*this, v);
  bump_version();
  if (record) autograd_hooks("fill_").after_copy_(*this, Tensor());
  return *this;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes(), options());
  if (is_cpu())
    cpu::copy(out, *this);
  else
    cuda::copy(out, *this);
  if (needs_autograd(*this)) autograd_hooks("clone").record_copy(*this, out, CopyKind::Clone);
  return out;
}

Tensor Tensor::to(DType t) const {
  return to(device(), t);
}
Tensor Tensor::to(Device d) const {
  return to(d, dtype());
}
Tensor Tensor::to(Device d, DType t) const {
  if (d == device() && t == dtype()) return *this;
  Tensor out = empty(sizes(), TensorOptions(t).device(d));
  {
    BelowAutogradGuard raw;
    out.copy_(*this);
  }
  if (needs_autograd(*this))
    autograd_hooks("to").record_copy(*this, out,
                                     d == device() ? CopyKind::ToDtype : CopyKind::ToDevice);
  return out;
}

Scalar Tensor::item() const {
  MICA_CHECK(numel() == 1, "item: expected a tensor with one element, got shape ",
             shape_str(sizes()));
  Tensor host = is_cpu() ? *this : to(Device(kCPU));
  return dispatch_all(dtype(), "item",
                      [&]<class T>() { return Scalar(*static_cast<const T*>(host.raw_data())); });
}

}  // namespace mica
