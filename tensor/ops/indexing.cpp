// Indexing op front-ends: argument and index-range checks, output shapes, and the reduction of
// every op to the backends' offset gather/scatter (a view of the source with the indexed dim's
// stride zeroed, plus the index values times that stride), dispatched by device to
// tensor/cpu/indexing.cpp or tensor/cuda/indexing*.cu.
#include "tensor/ops/indexing.h"

#include <string>

#include "tensor/cpu/indexing.h"
#include "tensor/cuda/indexing.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
// ---- device dispatch (signatures of tensor/cpu/indexing.h) ----
std::pair<int64_t, int64_t> index_min_max(const Tensor& index) {
  return index.is_cuda() ? cuda::index_min_max(index) : cpu::index_min_max(index);
}
void gather_offsets(const Tensor& out, const Tensor& src_base, const Tensor& index, int64_t mult,
                    int64_t wrap = 0) {
  if (out.is_cuda())
    cuda::gather_offsets(out, src_base, index, mult, wrap);
  else
    cpu::gather_offsets(out, src_base, index, mult, wrap);
}
void scatter_offsets(const Tensor& dst_base, const Tensor& src, const Tensor& index, int64_t mult,
                     bool accumulate, int64_t wrap = 0) {
  if (dst_base.is_cuda())
    cuda::scatter_offsets(dst_base, src, index, mult, accumulate, wrap);
  else
    cpu::scatter_offsets(dst_base, src, index, mult, accumulate, wrap);
}
Tensor nonzero_coords(const Tensor& t) {
  return t.is_cuda() ? cuda::nonzero(t) : cpu::nonzero(t);
}
// A copy of t in fresh memory (same dtype and device, any source strides).
Tensor fresh_copy(const Tensor& t) {
  return t.clone();
}

void check_index_dtype(const char* op, const Tensor& index) {
  MICA_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
             ": indices must be int64 or int32, got ", dtype_name(index.dtype()), " ",
             shape_str(index.sizes()));
}

// Throws unless every value of index lies in [0, size) (or [-size, size) with allow_negative).
void check_index_range(const char* op, const Tensor& index, int64_t dim, int64_t size,
                       const Shape& shape, bool allow_negative = false) {
  const auto [lo, hi] = index_min_max(index);
  if (lo > hi) return;  // empty
  const int64_t min_ok = allow_negative ? -size : 0;
  const int64_t bad = lo < min_ok ? lo : hi >= size ? hi : 0;
  MICA_CHECK(lo >= min_ok && hi < size, op, ": index ", bad, " is out of range for dim ", dim,
             " of size ", size, " (tensor shape ", shape_str(shape), ")");
}

// Refuses to write into a tensor where several elements share one memory location.
void check_writable(const char* op, const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(t.stride(i) != 0 || t.size(i) <= 1, op, ": cannot write in place into a tensor ",
               "where several elements share memory (an expanded tensor, shape ",
               shape_str(t.sizes()), ", strides ", shape_str(t.strides()), ")");
}

bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.impl()->storage() == b.impl()->storage();
}

// A 0-d tensor as a 1-element 1-d view (gather/scatter treat 0-d tensors as [1]).
Tensor as_1d(const Tensor& t) {
  return t.dim() == 0 ? t.make_view({1}, {1}, t.storage_offset()) : t;
}

// base viewed with `sizes` and the stride of `dim` zeroed: element i of the view is the start of
// the indexed line through i.
Tensor line_base(const Tensor& base, const Shape& sizes, int64_t dim) {
  Shape st = base.strides();
  st[dim] = 0;
  return base.make_view(sizes, st, base.storage_offset());
}

Tensor index_select_unchecked(const Tensor& t, int64_t d, const Tensor& index) {
  const Tensor idx = index.reshape({index.numel()});
  Shape sizes = t.sizes();
  sizes[d] = idx.numel();
  Tensor out = empty(sizes, t.options());
  Shape ist(sizes.size(), 0);
  ist[d] = idx.stride(0);
  gather_offsets(out, line_base(t, sizes, d), idx.make_view(sizes, ist, idx.storage_offset()),
                 t.stride(d));
  return out;
}

void scatter_impl(const char* op, Tensor& t, int64_t dim, const Tensor& index, const Tensor* src,
                  const Scalar& value, bool accumulate) {
  detail::check_defined(op, t, "self");
  detail::check_defined(op, index, "index");
  if (src) detail::check_defined(op, *src, "src");
  detail::check_same_device(op, {&t, &index, src ? src : &index});
  check_index_dtype(op, index);
  MICA_CHECK(index.dim() == t.dim(), op, ": index ", shape_str(index.sizes()), " and self ",
             shape_str(t.sizes()), " must have the same number of dims");
  const int64_t d = wrap_dim(dim, t.dim(), op);
  if (src) {
    MICA_CHECK(src->dtype() == t.dtype(), op, ": expected src dtype ", dtype_name(src->dtype()),
               " to equal self dtype ", dtype_name(t.dtype()));
    MICA_CHECK(src->dim() == t.dim(), op, ": src ", shape_str(src->sizes()), " and self ",
               shape_str(t.sizes()), " must have the same number of dims");
  }
  for (int64_t i = 0; i < index.dim(); ++i) {
    MICA_CHECK(i == d || index.size(i) <= t.size(i), op, ": index ", shape_str(index.sizes()),
               " is larger than self ", shape_str(t.sizes()), " at dim ", i, " (only dim ", d,
               " may differ)");
    MICA_CHECK(!src || index.size(i) <= src->size(i), op, ": index ", shape_str(index.sizes()),
               " is larger than src ", shape_str(src->sizes()), " at dim ", i);
  }
  check_writable(op, t);
  Tensor t1 = as_1d(t), idx = as_1d(index);
  check_index_range(op, idx, d, t1.size(d), t.sizes());
  Tensor s;
  if (src) {
    s = shares_storage(*src, t) ? fresh_copy(*src) : *src;
    s = as_1d(s);
    s = s.make_view(idx.sizes(), s.strides(), s.storage_offset());
  } else {
    s = full({}, value, t.options()).expand(idx.sizes());
  }
  scatter_offsets(line_base(t1, idx.sizes(), d), s, idx, t1.stride(d), accumulate);
  t.bump_version();
}
}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  const char* op = "index_select";
  detail::check_defined(op, t, "self");
  detail::check_defined(op, index, "index");
  detail::check_same_device(op, {&t, &index});
  check_index_dtype(op, index);
  MICA_CHECK(index.dim() <= 1, op, ": index must be 0-d or 1-d, got shape ",
             shape_str(index.sizes()));
  MICA_CHECK(t.dim() > 0 || index.numel() == 1, op, ": indexing a 0-d tensor needs exactly one ",
             "index, got shape ", shape_str(index.sizes()));
  const Tensor t1 = as_1d(t);
  const int64_t d = wrap_dim(dim, t.dim(), op);
  check_index_range(op, index, d, t1.size(d), t.sizes());
  Tensor out = index_select_unchecked(t1, d, index);
  return t.dim() == 0 ? out.reshape({}) : out;
}

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  const char* op = "gather";
  detail::check_defined(op, t, "self");
  detail::check_defined(op, index, "index");
  detail::check_same_device(op, {&t, &index});
  check_index_dtype(op, index);
  MICA_CHECK(index.dim() == t.dim(), op, ": index ", shape_str(index.sizes()), " and self ",
             shape_str(t.sizes()), " must have the same number of dims");
  const int64_t d = wrap_dim(dim, t.dim(), op);
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(i == d || index.size(i) <= t.size(i), op, ": index ", shape_str(index.sizes()),
               " is larger than self ", shape_str(t.sizes()), " at dim ", i, " (only dim ", d,
               " may differ)");
  const Tensor t1 = as_1d(t), idx = as_1d(index);
  check_index_range(op, idx, d, t1.size(d), t.sizes());
  Tensor out = empty(index.sizes(), t.options());
  gather_offsets(as_1d(out), line_base(t1, idx.sizes(), d), idx, t1.stride(d));
  return out;
}

Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_impl("scatter_", t, dim, index, &src, 0, false);
  return t;
}
Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  scatter_impl("scatter_", t, dim, index, nullptr, value, false);
  return t;
}
Tensor& scatter_add_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_impl("scatter_add_", t, dim, index, &src, 0, true);
  return t;
}
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  detail::check_defined("scatter", t, "self");
  Tensor out = t.clone();
  scatter_impl("scatter", out, dim, index, &src, 0, false);
  return out;
}
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  detail::check_defined("scatter", t, "self");
  Tensor out = t.clone();
  scatter_impl("scatter", out, dim, index, nullptr, value, false);
  return out;
}
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  detail::check_defined("scatter_add", t, "self");
  Tensor out = t.clone();
  scatter_impl("scatter_add", out, dim, index, &src, 0, true);
  return out;
}

Tensor& index_put_(Tensor& t, const Tensor& index, const Tensor& values, bool accumulate) {
  const char* op = "index_put_";
  detail::check_defined(op, t, "self");
  detail::check_defined(op, index, "index");
  detail::check_defined(op, values, "values");
  detail::check_same_device(op, {&t, &index, &values});
  MICA_CHECK(values.dtype() == t.dtype(), op, ": values dtype ", dtype_name(values.dtype()),
             " must equal self dtype ", dtype_name(t.dtype()));
  check_writable(op, t);
  const Tensor vals = shares_storage(values, t) ? fresh_copy(values) : values;

  // Rows: a list of element offsets into t, each the start of a sub-tensor of shape rest.
  Tensor rows;  // int64 [n] (or int32), offsets (mult 1) or dim-0 indices (mult = stride 0)
  int64_t mult = 1, wrap = 0, lead = 0;
  Shape row_shape;  // the indexing part of the target shape of values
  if (index.dtype() == kBool || index.dtype() == kUInt8) {
    lead = index.dim();
    bool match = lead <= t.dim();
    for (int64_t i = 0; match && i < lead; ++i) match = index.size(i) == t.size(i);
    MICA_CHECK(match, op, ": the mask shape ", shape_str(index.sizes()),
               " does not match the leading dims of the indexed tensor's shape ",
               shape_str(t.sizes()));
    // [n, lead]; the offsets are computed on the host (nonzero's count came back there anyway)
    const Tensor coords = nonzero_coords(index).to(Device(kCPU));
    const int64_t n = coords.size(0);
    rows = empty({n}, TensorOptions(kInt64));
    const int64_t* c = coords.data_ptr<int64_t>();
    int64_t* r = rows.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = 0;
      for (int64_t j = 0; j < lead; ++j) off += c[i * lead + j] * t.stride(j);
      r[i] = off;
    }
    row_shape = {n};
    if (t.is_cuda()) rows = rows.to(t.device());
  } else {
    MICA_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
               ": index must be a bool mask or an int64/int32 tensor, got ",
               dtype_name(index.dtype()));
    MICA_CHECK(t.dim() >= 1, op, ": cannot index a 0-d tensor with an integer index tensor");
    lead = 1;
    check_index_range(op, index, 0, t.size(0), t.sizes(), /*allow_negative=*/true);
    rows = index.reshape({index.numel()});
    mult = t.stride(0);
    wrap = t.size(0);
    row_shape = index.sizes();
  }
  const Shape rest(t.sizes().begin() + lead, t.sizes().end());
  Shape target = row_shape;
  target.insert(target.end(), rest.begin(), rest.end());
  MICA_CHECK(broadcast_shapes(vals.sizes(), target, op) == target, op, ": values of shape ",
             shape_str(vals.sizes()), " cannot be broadcast to the indexed shape ",
             shape_str(target));
  const int64_t n = rows.numel();
  Shape flat = {n};
  flat.insert(flat.end(), rest.begin(), rest.end());
  const Tensor v = vals.expand(target).reshape(flat);
  Shape dst_st = {0}, idx_st = {rows.stride(0)};
  for (int64_t i = lead; i < t.dim(); ++i) {
    dst_st.push_back(t.stride(i));
    idx_st.push_back(0);
  }
  scatter_offsets(t.make_view(flat, dst_st, t.storage_offset()), v,
                  rows.make_view(flat, idx_st, rows.storage_offset()), mult, accumulate, wrap);
  t.bump_version();
  return t;
}

Tensor& index_put_(Tensor& t, const Tensor& index, const Scalar& value, bool accumulate) {
  detail::check_defined("index_put_", t, "self");
  return index_put_(t, index, full({}, value, t.options()), accumulate);
}

Tensor index_put(const Tensor& t, const Tensor& index, const Tensor& values, bool accumulate) {
  detail::check_defined("index_put", t, "self");
  Tensor out = t.clone();
  return index_put_(out, index, values, accumulate);
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  const char* op = "masked_select";
  detail::check_defined(op, t, "self");
  detail::check_defined(op, mask, "mask");
  detail::check_same_device(op, {&t, &mask});
  MICA_CHECK(mask.dtype() == kBool || mask.dtype() == kUInt8, op, ": mask must be bool, got ",
             dtype_name(mask.dtype()));
  const Shape shape = broadcast_shapes(t.sizes(), mask.sizes(), op);
  if (t.is_cuda()) return cuda::masked_select(t.expand(shape), mask.expand(shape));
  return cpu::masked_select(t.expand(shape), mask.expand(shape));
}

Tensor nonzero(const Tensor& t) {
  detail::check_defined("nonzero", t, "self");
  return nonzero_coords(t);
}

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  const char* op = "embedding";
  detail::check_defined(op, weight, "weight");
  detail::check_defined(op, indices, "indices");
  detail::check_same_device(op, {&weight, &indices});
  MICA_CHECK(weight.dim() == 2, op, ": weight must be 2-d [num_embeddings, embedding_dim], got ",
             shape_str(weight.sizes()));
  check_index_dtype(op, indices);
  check_index_range(op, indices, 0, weight.size(0), weight.sizes());
  Shape out_shape = indices.sizes();
  out_shape.push_back(weight.size(1));
  return index_select_unchecked(weight, 0, indices).view(out_shape);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  const char* op = "one_hot";
  detail::check_defined(op, indices, "indices");
  check_index_dtype(op, indices);
  const auto [lo, hi] = index_min_max(indices);
  if (num_classes == -1) {
    MICA_CHECK(indices.numel() > 0, op,
               ": cannot infer the number of classes from an empty tensor (pass num_classes)");
    num_classes = hi + 1;
  }
  MICA_CHECK(num_classes >= 0, op, ": num_classes must be -1 or non-negative, got ", num_classes);
  MICA_CHECK(indices.numel() == 0 || (lo >= 0 && hi < num_classes), op, ": class value ",
             lo < 0 ? lo : hi, " is out of range for num_classes ", num_classes);
  Shape shape = indices.sizes();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, TensorOptions(kInt64).device(indices.device()));
  const Tensor idx = indices.unsqueeze(-1);
  Shape st = out.strides();
  st.back() = 0;
  const Tensor one = full({}, 1, TensorOptions(kInt64).device(indices.device()));
  scatter_offsets(out.make_view(idx.sizes(), st, 0), one.expand(idx.sizes()), idx, 1, false);
  return out;
}

}  // namespace mica::ops
