// Shape op front-ends: cat/stack/split/chunk/repeat/repeat_interleave/flip/roll/tril/triu/pad.
// Most reduce to strided copies between views (cpu::copy, or cuda::copy on a GPU); flip
// copies from a view with negated strides, tril/triu zero a triangle in a contiguous copy.
#include "tensor/ops/shape_ops.h"

#include <algorithm>
#include <string>

#include "tensor/autograd_hooks.h"
#include "tensor/cpu/copy.h"
#include "tensor/cpu/indexing.h"
#include "tensor/cuda/copy.h"
#include "tensor/cuda/indexing.h"
#include "tensor/ops/common.h"
#include "tensor/ops/indexing.h"

namespace mica::ops {

namespace {
Tensor as_1d(const Tensor& t) {
  return t.dim() == 0 ? t.make_view({1}, {1}, t.storage_offset()) : t;
}

// dst[i] = convert(src[i]); src already has dst's sizes (expanded), both on dst's device.
void copy_into(const Tensor& dst, const Tensor& src) {
  if (dst.is_cpu())
    cpu::copy(dst, src);
  else
    cuda::copy(dst, src);
}

// A copy of t (fresh memory, same dtype and device).
Tensor fresh_copy(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.options());
  copy_into(out, t);
  return out;
}

// t on the host (a contiguous copy when t is on a GPU).
Tensor host_copy(const Tensor& t) {
  if (t.is_cpu()) return t;
  return (t.is_contiguous() ? t : fresh_copy(t)).to(Device(kCPU));
}
}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  const char* op = "cat";
  MICA_CHECK(!tensors.empty(), op, ": expected a non-empty list of tensors");
  for (const Tensor& t : tensors) detail::check_defined(op, t, "tensors");
  for (const Tensor& t : tensors) detail::check_same_device(op, {&tensors[0], &t});
  DType dt = tensors[0].dtype();
  for (const Tensor& t : tensors) dt = promote_types(dt, t.dtype());
  const Tensor* ref = nullptr;
  size_t ref_pos = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    MICA_CHECK(t.dim() > 0, op, ": zero-dimensional tensor (at position ", i,
               ") cannot be concatenated");
    if (!ref && !(t.dim() == 1 && t.size(0) == 0)) {
      ref = &t;
      ref_pos = i;
    }
  }
  if (!ref) return empty({0}, TensorOptions(dt).device(tensors[0].device()));
  const int64_t d = wrap_dim(dim, ref->dim(), op);
  Shape shape = ref->sizes();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.size(0) == 0) continue;  // legacy: empty 1-d tensors are skipped
    MICA_CHECK(t.dim() == ref->dim(), op, ": tensor ", i, " has shape ", shape_str(t.sizes()),
               " but tensor ", ref_pos, " has shape ", shape_str(ref->sizes()),
               " (all tensors need the same number of dims)");
    for (int64_t k = 0; k < t.dim(); ++k)
      MICA_CHECK(k == d || t.size(k) == ref->size(k), op,
                 ": sizes of tensors must match except in dimension ", d, "; expected size ",
                 ref->size(k), " but got size ", t.size(k), " for tensor number ", i,
                 " in the list (shapes ", shape_str(ref->sizes()), " and ", shape_str(t.sizes()),
                 ")");
    shape[d] += t.size(d);
  }
  Tensor out = empty(shape, TensorOptions(dt).device(ref->device()));
  int64_t off = 0;
  for (const Tensor& t : tensors) {
    if (t.dim() == 1 && t.size(0) == 0) continue;
    if (t.size(d) > 0) copy_into(out.narrow(d, off, t.size(d)), t);
    off += t.size(d);
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  const char* op = "stack";
  MICA_CHECK(!tensors.empty(), op, ": expected a non-empty list of tensors");
  for (const Tensor& t : tensors) detail::check_defined(op, t, "tensors");
  for (size_t i = 1; i < tensors.size(); ++i)
    MICA_CHECK(tensors[i].sizes() == tensors[0].sizes(), op,
               ": expects each tensor to be equal size, but got ", shape_str(tensors[0].sizes()),
               " at entry 0 and ", shape_str(tensors[i].sizes()), " at entry ", i);
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, op);
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  const char* op = "split";
  detail::check_defined(op, t, "self");
  MICA_CHECK(t.dim() > 0, op, ": cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, t.dim(), op);
  const int64_t n = t.size(d);
  MICA_CHECK(split_size > 0 || (split_size == 0 && n == 0), op, ": split_size must be positive ",
             "(or 0 for an empty dim), got ", split_size, " for dim ", d, " of size ", n);
  std::vector<Tensor> out;
  if (n == 0) return {t.narrow(d, 0, 0)};
  for (int64_t start = 0; start < n; start += split_size)
    out.push_back(t.narrow(d, start, std::min(split_size, n - start)));
  return out;
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim) {
  const char* op = "split";
  detail::check_defined(op, t, "self");
  MICA_CHECK(t.dim() > 0, op, ": cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, t.dim(), op);
  int64_t sum = 0;
  for (int64_t s : split_sizes) {
    MICA_CHECK(s >= 0, op, ": split sizes must be non-negative, got ", shape_str(split_sizes));
    sum += s;
  }
  MICA_CHECK(sum == t.size(d), op, ": split sizes ", shape_str(split_sizes), " add up to ", sum,
             " but dim ", d, " has size ", t.size(d), " (shape ", shape_str(t.sizes()), ")");
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    out.push_back(t.narrow(d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  const char* op = "chunk";
  detail::check_defined(op, t, "self");
  MICA_CHECK(t.dim() > 0, op, ": cannot chunk a 0-d tensor");
  MICA_CHECK(chunks > 0, op, ": chunks must be positive, got ", chunks);
  const int64_t d = wrap_dim(dim, t.dim(), op);
  const int64_t n = t.size(d);
  if (n == 0) return std::vector<Tensor>(static_cast<size_t>(chunks), t.narrow(d, 0, 0));
  return split(t, (n + chunks - 1) / chunks, d);
}

Tensor repeat(const Tensor& t, const Shape& repeats) {
  const char* op = "repeat";
  detail::check_defined(op, t, "self");
  const int64_t m = static_cast<int64_t>(repeats.size());
  MICA_CHECK(m >= t.dim(), op, ": the number of repeats ", shape_str(repeats),
             " cannot be smaller than the number of dims of the tensor ", shape_str(t.sizes()));
  for (int64_t r : repeats)
    MICA_CHECK(r >= 0, op, ": repeats must be non-negative, got ", shape_str(repeats));
  // out viewed as [r0, s0, r1, s1, ...] gets t viewed as [1, s0, 1, s1, ...] broadcast to it.
  const int64_t lead = m - t.dim();
  Shape out_shape(m), inter(2 * m), src_st(2 * m, 0);
  for (int64_t i = 0; i < m; ++i) {
    const int64_t s = i < lead ? 1 : t.size(i - lead);
    out_shape[i] = repeats[i] * s;
    inter[2 * i] = repeats[i];
    inter[2 * i + 1] = s;
    src_st[2 * i + 1] = i < lead ? 0 : t.stride(i - lead);
  }
  Tensor out = empty(out_shape, t.options());
  if (out.numel() > 0) copy_into(out.view(inter), t.make_view(inter, src_st, t.storage_offset()));
  return out;
}

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim) {
  const char* op = "repeat_interleave";
  detail::check_defined(op, t, "self");
  MICA_CHECK(repeats >= 0, op, ": repeats must be non-negative, got ", repeats);
  const Tensor in = dim ? as_1d(t) : t.reshape({t.numel()});
  const int64_t d = dim ? wrap_dim(*dim, in.dim(), op) : 0;
  Shape expanded = in.sizes();
  expanded.insert(expanded.begin() + d + 1, repeats);
  Shape result = in.sizes();
  result[d] *= repeats;
  return fresh_copy(in.unsqueeze(d + 1).expand(expanded)).view(result);
}

Tensor repeat_interleave(const Tensor& repeats) {
  const char* op = "repeat_interleave";
  detail::check_defined(op, repeats, "repeats");
  MICA_CHECK(repeats.dtype() == kInt64 || repeats.dtype() == kInt32, op,
             ": repeats must be int64 or int32, got ", dtype_name(repeats.dtype()));
  MICA_CHECK(repeats.dim() <= 1, op, ": repeats must be 0-d or 1-d, got shape ",
             shape_str(repeats.sizes()));
  // The output size depends on the values: computed on the host (and copied to repeats' device).
  const Tensor r = host_copy(repeats).to(kInt64).contiguous();
  const int64_t* rp = r.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    MICA_CHECK(rp[i] >= 0, op, ": repeats must be non-negative, got ", rp[i], " at position ", i);
    total += rp[i];
  }
  Tensor out = empty({total}, TensorOptions(kInt64));
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < r.numel(); ++i) o = std::fill_n(o, rp[i], i);
  return repeats.is_cuda() ? out.to(repeats.device()) : out;
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim) {
  const char* op = "repeat_interleave";
  detail::check_defined(op, t, "self");
  detail::check_defined(op, repeats, "repeats");
  detail::check_same_device(op, {&t, &repeats});
  MICA_CHECK(repeats.dtype() == kInt64 || repeats.dtype() == kInt32, op,
             ": repeats must be int64 or int32, got ", dtype_name(repeats.dtype()));
  MICA_CHECK(repeats.dim() <= 1, op, ": repeats must be 0-d or 1-d, got shape ",
             shape_str(repeats.sizes()));
  if (repeats.numel() == 1) return repeat_interleave(t, repeats.item<int64_t>(), dim);
  const Tensor in = dim ? as_1d(t) : t.reshape({t.numel()});
  const int64_t d = dim ? wrap_dim(*dim, in.dim(), op) : 0;
  MICA_CHECK(repeats.numel() == in.size(d), op, ": repeats ", shape_str(repeats.sizes()),
             " must have the same size as the input along dim ", d, " (shape ",
             shape_str(in.sizes()), ")");
  return index_select(in, d, repeat_interleave(repeats));
}

Tensor flip(const Tensor& t, const Shape& dims) {
  const char* op = "flip";
  detail::check_defined(op, t, "self");
  std::vector<bool> flipped(static_cast<size_t>(std::max<int64_t>(t.dim(), 1)), false);
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, t.dim(), op);
    MICA_CHECK(!flipped[d], op, ": dim ", d, " appears multiple times in the list of dims ",
               shape_str(dims));
    flipped[d] = true;
  }
  Tensor out = empty(t.sizes(), t.options());
  if (t.numel() == 0) return out;
  // Read t backwards along the flipped dims: start at their last element, negate their strides.
  // This view exists only inside this function (mica's views have non-negative strides).
  Shape st = t.strides();
  int64_t offset = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d)
    if (flipped[d]) {
      offset += (t.size(d) - 1) * st[d];
      st[d] = -st[d];
    }
  copy_into(out, t.make_view(t.sizes(), st, offset));
  return out;
}

Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims) {
  const char* op = "roll";
  detail::check_defined(op, t, "self");
  if (dims.empty()) {
    MICA_CHECK(shifts.size() == 1, op, ": without dims, shifts must have one element, got ",
               shape_str(shifts));
    return roll(t.reshape({t.numel()}), shifts, {0}).view(t.sizes());
  }
  MICA_CHECK(shifts.size() == dims.size(), op, ": shifts ", shape_str(shifts), " and dims ",
             shape_str(dims), " must have the same length");
  Tensor cur = t;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], t.dim(), op);
    const int64_t n = t.dim() == 0 ? 1 : t.size(d);
    if (n == 0 || t.dim() == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    Tensor out = empty(t.sizes(), t.options());
    copy_into(out.narrow(d, s, n - s), cur.narrow(d, 0, n - s));
    copy_into(out.narrow(d, 0, s), cur.narrow(d, n - s, s));
    cur = out;
  }
  return cur.is_same(t) ? fresh_copy(t) : cur;
}

namespace {
Tensor triangle(const char* op, const Tensor& t, int64_t diagonal, bool upper) {
  detail::check_defined(op, t, "self");
  MICA_CHECK(t.dim() >= 2, op, ": expected a tensor with at least 2 dims, got shape ",
             shape_str(t.sizes()));
  Tensor out = fresh_copy(t);
  if (out.is_cuda())
    cuda::zero_triangle(out, diagonal, upper);
  else
    cpu::zero_triangle(out, diagonal, upper);
  return out;
}
}  // namespace

Tensor tril(const Tensor& t, int64_t diagonal) {
  return triangle("tril", t, diagonal, false);
}
Tensor triu(const Tensor& t, int64_t diagonal) {
  return triangle("triu", t, diagonal, true);
}

Tensor pad(const Tensor& t, const Shape& pads, PadMode mode, const Scalar& value) {
  const char* op = "pad";
  detail::check_defined(op, t, "self");
  const int64_t np = static_cast<int64_t>(pads.size()) / 2;
  MICA_CHECK(pads.size() % 2 == 0, op, ": pads must have an even length, got ", shape_str(pads));
  MICA_CHECK(np <= t.dim(), op, ": pads ", shape_str(pads), " pad ", np,
             " dims but the tensor has shape ", shape_str(t.sizes()));
  const char* mode_name = mode == PadMode::Constant  ? "constant"
                          : mode == PadMode::Reflect ? "reflect"
                                                     : "replicate";
  // pad dim d = ndim - 1 - k by (left[d], right[d])
  const int64_t nd = t.dim();
  Shape left(nd, 0), right(nd, 0), out_shape = t.sizes();
  for (int64_t k = 0; k < np; ++k) {
    const int64_t d = nd - 1 - k;
    left[d] = pads[2 * k];
    right[d] = pads[2 * k + 1];
    const int64_t n = t.size(d);
    if (mode == PadMode::Reflect)
      MICA_CHECK(left[d] >= 0 && right[d] >= 0 && left[d] < n && right[d] < n, op,
                 ": reflect padding (", left[d], ", ", right[d],
                 ") must be non-negative and less than the size ", n, " of dim ", d, " (shape ",
                 shape_str(t.sizes()), ")");
    if (mode == PadMode::Replicate)
      MICA_CHECK(left[d] >= 0 && right[d] >= 0 && (n > 0 || left[d] + right[d] == 0), op,
                 ": replicate padding (", left[d], ", ", right[d],
                 ") must be non-negative, and dim ", d, " must be non-empty (shape ",
                 shape_str(t.sizes()), ")");
    out_shape[d] = n + left[d] + right[d];
    MICA_CHECK(out_shape[d] >= 0, op, ": ", mode_name, " padding (", left[d], ", ", right[d],
               ") makes dim ", d, " of shape ", shape_str(t.sizes()), " negative");
  }
  Tensor out = mode == PadMode::Constant ? full(out_shape, value, t.options())
                                         : empty(out_shape, t.options());
  // copy the input (cropped where a constant pad is negative) into the middle
  Tensor dst = out, src = t;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t crop_l = std::max<int64_t>(-left[d], 0), crop_r = std::max<int64_t>(-right[d], 0);
    const int64_t len = t.size(d) - crop_l - crop_r;
    if (len <= 0) return out;  // nothing of the input survives
    dst = dst.narrow(d, std::max<int64_t>(left[d], 0), len);
    src = src.narrow(d, crop_l, len);
  }
  if (src.numel() > 0) copy_into(dst, src);
  if (mode == PadMode::Constant || out.numel() == 0) return out;
  // Fill the borders one padded dim at a time, reading from the part already filled: the
  // middle of the dims not yet processed, the full extent of those already processed.
  for (int64_t d = nd - 1; d >= nd - np; --d) {
    Tensor region = out;
    for (int64_t e = nd - np; e < d; ++e) region = region.narrow(e, left[e], t.size(e));
    const int64_t l = left[d], n = t.size(d), r = right[d];
    if (mode == PadMode::Reflect) {
      for (int64_t i = 1; i <= l; ++i)
        copy_into(region.narrow(d, l - i, 1), region.narrow(d, l + i, 1));
      for (int64_t i = 1; i <= r; ++i)
        copy_into(region.narrow(d, l + n - 1 + i, 1), region.narrow(d, l + n - 1 - i, 1));
    } else {
      Tensor first = region.narrow(d, l, 1), last = region.narrow(d, l + n - 1, 1);
      if (l > 0) {
        Tensor dl = region.narrow(d, 0, l);
        copy_into(dl, first.expand(dl.sizes()));
      }
      if (r > 0) {
        Tensor dr = region.narrow(d, l + n, r);
        copy_into(dr, last.expand(dr.sizes()));
      }
    }
  }
  return out;
}

}  // namespace mica::ops
