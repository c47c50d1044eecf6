// Tensor methods that copy or convert: copy_, fill_, contiguous, clone, to(dtype/device), item.
#include <cstring>

#include "tensor/autograd_hooks.h"
#include "tensor/cpu/copy.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops/common.h"

namespace mica {

namespace {
bool overlaps(const Tensor& a, const Tensor& b) {
  return a.impl()->storage() == b.impl()->storage();
}

// Copies between devices or on one CUDA device. Only whole contiguous blocks move between
// devices; conversion and striding happen on the CPU side.
void copy_across(const Tensor& dst, const Tensor& src) {
  if (dst.is_cuda() && src.is_cpu()) {
    MICA_CHECK(dst.is_contiguous(), "copy_: copying into a non-contiguous CUDA tensor ",
               ops::detail::describe(dst), " is not implemented yet");
    Tensor staged = src.dtype() == dst.dtype() && src.is_contiguous() && src.sizes() == dst.sizes()
                        ? src
                        : empty(dst.sizes(), dst.dtype());
    if (!staged.is_same(src)) cpu::copy(staged, src);
    cuda::copy_host_to_device(dst.raw_data(), staged.raw_data(), dst.nbytes(), dst.device().index);
    return;
  }
  MICA_CHECK(src.is_contiguous() && src.sizes() == dst.sizes(),
             "copy_: copying from a non-contiguous or broadcast CUDA tensor ",
             ops::detail::describe(src), " is not implemented yet");
  if (dst.is_cpu()) {
    Tensor staged =
        src.dtype() == dst.dtype() && dst.is_contiguous() ? dst : empty(src.sizes(), src.dtype());
    cuda::copy_device_to_host(staged.raw_data(), src.raw_data(), src.nbytes(), src.device().index);
    if (!staged.is_same(dst)) cpu::copy(dst, staged);
    return;
  }
  MICA_CHECK(dst.is_contiguous() && src.dtype() == dst.dtype() && src.device() == dst.device(),
             "copy_: CUDA-to-CUDA copies with a dtype change, strides or across devices (",
             ops::detail::describe(src), " -> ", ops::detail::describe(dst),
             ") are not implemented yet");
  cuda::copy_device_to_device(dst.raw_data(), src.raw_data(), dst.nbytes(), dst.device().index);
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
  } else {
    copy_across(*this, src.sizes() == shape ? src : expanded.contiguous());
  }
  bump_version();
  if (record) autograd_hooks("copy_").after_copy_(*this, src_in);
  return *this;
}

Tensor& Tensor::fill_(const Scalar& v) {
  const bool record = needs_autograd(*this);
  if (record) autograd_hooks("fill_").before_inplace(*this, "fill_");
  if (is_cpu()) {
    cpu::fill(*this, v);
  } else {
    Tensor host = empty(sizes(), dtype());
    cpu::fill(host, v);
    copy_across(*this, host);
  }
  bump_version();
  if (record) autograd_hooks("fill_").after_copy_(*this, Tensor());
  return *this;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes(), options());
  if (is_cpu()) {
    cpu::copy(out, *this);
  } else {
    copy_across(out, *this);
  }
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
