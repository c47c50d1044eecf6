// Tensor metadata accessors and view methods (views share storage and the version counter).
#include "tensor/tensor.h"

#include "tensor/autograd_hooks.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace mica {

TensorImpl* Tensor::checked() const {
  MICA_CHECK(impl_ != nullptr, "Tensor: this tensor is undefined (default-constructed)");
  return impl_.get();
}

int64_t Tensor::size(int64_t d) const {
  return sizes()[wrap_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
  return strides()[wrap_dim(d, dim(), "stride")];
}

Tensor Tensor::make_view(Shape sizes, Shape strides, int64_t storage_offset) const {
  auto impl =
      std::make_shared<TensorImpl>(checked()->storage(), storage_offset, std::move(sizes),
                                   std::move(strides), dtype(), checked()->version_counter());
  return Tensor(std::move(impl));
}

namespace {
// Attaches the view's backward when autograd needs it (see tensor/autograd_hooks.h).
Tensor record_view(const Tensor& base, Tensor out, const ViewRecord& rec) {
  if (needs_autograd(base)) autograd_hooks("view").record_view(base, out, rec);
  return out;
}

Shape transpose_perm(int64_t n, int64_t d0, int64_t d1) {
  Shape perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  std::swap(perm[static_cast<size_t>(d0)], perm[static_cast<size_t>(d1)]);
  return perm;
}

// Replaces a -1 in shape with the size that keeps numel; checks the product.
Shape infer_size(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  int64_t known = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      MICA_CHECK(!infer, op, ": only one dimension can be -1, got ", shape_str(shape));
      infer = i;
    } else {
      MICA_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer) {
    MICA_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape_str(shape),
               " is invalid for input of size ", numel, " (shape ", shape_str(from), ")");
    out[*infer] = numel / known;
  } else {
    MICA_CHECK(known == numel, op, ": shape ", shape_str(shape), " is invalid for input of size ",
               numel, " (shape ", shape_str(from), ")");
  }
  return out;
}

// Strides for viewing (sizes, strides) as new_sizes without copying, if possible
// (the algorithm of "view-compatible" chunks, as in NumPy/PyTorch).
std::optional<Shape> view_strides(const Shape& sizes, const Shape& strides,
                                  const Shape& new_sizes) {
  Shape out(new_sizes.size());
  if (shape_numel(sizes) == 0 || sizes.empty()) return contiguous_strides(new_sizes);
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  const Shape new_sizes = infer_size(shape, numel(), "view", sizes());
  auto st = view_strides(sizes(), strides(), new_sizes);
  MICA_CHECK(st.has_value(), "view: shape ", shape_str(new_sizes), " is incompatible with the ",
             "strides ", shape_str(strides()), " of a tensor of shape ", shape_str(sizes()),
             " (use reshape, which copies when needed)");
  return record_view(*this, make_view(new_sizes, *st, storage_offset()),
                     {.kind = ViewKind::View, .sizes = sizes()});
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape new_sizes = infer_size(shape, numel(), "reshape", sizes());
  if (auto st = view_strides(sizes(), strides(), new_sizes))
    return record_view(*this, make_view(new_sizes, *st, storage_offset()),
                       {.kind = ViewKind::View, .sizes = sizes()});
  return contiguous().view(new_sizes);
}

Tensor Tensor::permute(const Shape& dims) const {
  const int64_t n = dim();
  MICA_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: got ", dims.size(), " dims ",
             shape_str(dims), " for a tensor of shape ", shape_str(sizes()));
  Shape sz(n), st(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(dims[i], n, "permute");
    MICA_CHECK(!seen[d], "permute: dim ", d, " repeats in ", shape_str(dims));
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
  }
  return record_view(*this, make_view(sz, st, storage_offset()),
                     {.kind = ViewKind::Permute, .sizes = sizes(), .dims = dims});
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  const int64_t n = dim();
  if (n == 0) return *this;
  d0 = wrap_dim(d0, n, "transpose");
  d1 = wrap_dim(d1, n, "transpose");
  Shape sz = sizes(), st = strides();
  std::swap(sz[d0], sz[d1]);
  std::swap(st[d0], st[d1]);
  return record_view(
      *this, make_view(sz, st, storage_offset()),
      {.kind = ViewKind::Permute, .sizes = sizes(), .dims = transpose_perm(n, d0, d1)});
}

Tensor Tensor::t() const {
  MICA_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dims, got shape ", shape_str(sizes()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::expand(const Shape& shape) const {
  const int64_t n = static_cast<int64_t>(shape.size());
  MICA_CHECK(n >= dim(), "expand: the target shape ", shape_str(shape), " has fewer dims than ",
             "the tensor's shape ", shape_str(sizes()));
  Shape sz(n), st(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t j = i - (n - dim());
    const int64_t cur = j >= 0 ? sizes()[j] : 1;
    int64_t want = shape[i];
    if (want == -1) {
      MICA_CHECK(j >= 0, "expand: -1 is not allowed for a new leading dim in ", shape_str(shape));
      want = cur;
    }
    MICA_CHECK(want >= 0, "expand: invalid size ", want, " in ", shape_str(shape));
    if (j >= 0 && cur == want) {
      sz[i] = cur;
      st[i] = strides()[j];
    } else {
      MICA_CHECK(cur == 1, "expand: cannot expand shape ", shape_str(sizes()), " to ",
                 shape_str(shape), " (dim ", i, " has size ", cur, ", not 1)");
      sz[i] = want;
      st[i] = 0;
    }
  }
  return record_view(*this, make_view(sz, st, storage_offset()),
                     {.kind = ViewKind::Expand, .sizes = sizes()});
}

Tensor Tensor::squeeze() const {
  Shape sz, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (sizes()[i] != 1) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  return record_view(*this, make_view(sz, st, storage_offset()),
                     {.kind = ViewKind::Squeeze, .sizes = sizes()});
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze");
  if (sizes()[d] != 1) return *this;
  Shape sz = sizes(), st = strides();
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return record_view(*this, make_view(sz, st, storage_offset()),
                     {.kind = ViewKind::Squeeze, .sizes = sizes()});
}

Tensor Tensor::unsqueeze(int64_t d) const {
  MICA_CHECK(d >= -(dim() + 1) && d <= dim(), "unsqueeze: dim ", d,
             " is out of range for a tensor ", "with ", dim(), " dims (expected in [", -(dim() + 1),
             ", ", dim(), "])");
  if (d < 0) d += dim() + 1;
  Shape sz = sizes(), st = strides();
  const int64_t new_stride = d < dim() ? sizes()[d] * strides()[d] : 1;
  sz.insert(sz.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  return record_view(*this, make_view(sz, st, storage_offset()),
                     {.kind = ViewKind::Unsqueeze, .sizes = sizes()});
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start, dim(), "flatten");
  end = wrap_dim(end, dim(), "flatten");
  MICA_CHECK(start <= end, "flatten: start_dim ", start, " must not come after end_dim ", end);
  Shape sz(sizes().begin(), sizes().begin() + start);
  int64_t prod = 1;
  for (int64_t i = start; i <= end; ++i) prod *= sizes()[i];
  sz.push_back(prod);
  sz.insert(sz.end(), sizes().begin() + end + 1, sizes().end());
  return reshape(sz);
}

Tensor Tensor::unflatten(int64_t d, const Shape& new_sizes) const {
  d = wrap_dim(d, dim(), "unflatten");
  const Shape inner = infer_size(new_sizes, sizes()[d], "unflatten", sizes());
  Shape sz(sizes().begin(), sizes().begin() + d);
  sz.insert(sz.end(), inner.begin(), inner.end());
  sz.insert(sz.end(), sizes().begin() + d + 1, sizes().end());
  return view(sz);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  MICA_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  MICA_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = sizes()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape sz = sizes(), st = strides();
  sz[d] = (end - start + step - 1) / step;
  st[d] = strides()[d] * step;
  return record_view(
      *this, make_view(sz, st, storage_offset() + start * strides()[d]),
      {.kind = ViewKind::Slice, .sizes = sizes(), .dim = d, .start = start, .step = step});
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  MICA_CHECK(dim() > 0, "narrow: cannot narrow a 0-d tensor");
  d = wrap_dim(d, dim(), "narrow");
  const int64_t n = sizes()[d];
  if (start < 0) start += n;
  MICA_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start ", start,
             " + length ", length, " exceeds dim ", d, " of size ", n, " (shape ",
             shape_str(sizes()), ")");
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  MICA_CHECK(dim() > 0, "select: cannot select from a 0-d tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t n = sizes()[d];
  MICA_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dim ", d,
             " of size ", n, " (shape ", shape_str(sizes()), ")");
  if (index < 0) index += n;
  Shape sz = sizes(), st = strides();
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return record_view(*this, make_view(sz, st, storage_offset() + index * strides()[d]),
                     {.kind = ViewKind::Select, .sizes = sizes(), .dim = d, .start = index});
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  dim1 = wrap_dim(dim1, dim(), "diagonal");
  dim2 = wrap_dim(dim2, dim(), "diagonal");
  MICA_CHECK(dim1 != dim2, "diagonal: dim1 and dim2 must differ, both are ", dim1);
  int64_t off = storage_offset();
  int64_t len;
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(sizes()[dim1], sizes()[dim2] - offset), 0);
    if (len > 0) off += offset * strides()[dim2];
  } else {
    len = std::max<int64_t>(std::min(sizes()[dim1] + offset, sizes()[dim2]), 0);
    if (len > 0) off -= offset * strides()[dim1];
  }
  Shape sz, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (i != dim1 && i != dim2) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  sz.push_back(len);
  st.push_back(strides()[dim1] + strides()[dim2]);
  return record_view(
      *this, make_view(sz, st, off),
      {.kind = ViewKind::Diagonal, .sizes = sizes(), .dims = {dim1, dim2}, .start = offset});
}

Tensor Tensor::as_strided(const Shape& sz, const Shape& st, int64_t offset) const {
  MICA_CHECK(sz.size() == st.size(), "as_strided: sizes ", shape_str(sz), " and strides ",
             shape_str(st), " differ in length");
  if (offset < 0) offset = storage_offset();
  int64_t max_index = offset;
  bool empty = false;
  for (size_t i = 0; i < sz.size(); ++i) {
    MICA_CHECK(sz[i] >= 0 && st[i] >= 0, "as_strided: negative size or stride in ", shape_str(sz),
               " / ", shape_str(st));
    if (sz[i] == 0)
      empty = true;
    else
      max_index += (sz[i] - 1) * st[i];
  }
  const int64_t capacity = static_cast<int64_t>(checked()->storage()->nbytes() / element_size());
  MICA_CHECK(empty || max_index < capacity, "as_strided: sizes ", shape_str(sz), ", strides ",
             shape_str(st), " and offset ", offset, " reach element ", max_index,
             " but the storage holds ", capacity);
  return record_view(*this, make_view(sz, st, offset),
                     {.kind = ViewKind::AsStrided, .sizes = sizes()});
}

// ---- autograd methods: forwarded to the autograd layer's hooks ----
Tensor& Tensor::requires_grad_(bool r) {
  MICA_CHECK(!r || is_floating(dtype()),
             "requires_grad_: only floating tensors can require gradients, got ",
             dtype_name(dtype()));
  if (!r && requires_grad() && autograd_hooks_installed())
    MICA_CHECK(autograd_hooks("requires_grad_").is_leaf(*this),
               "requires_grad_: can only change the flag of a ",
               "leaf tensor (this one was computed by ", grad_fn_name(), "); use detach()");
  checked()->set_requires_grad(r);
  return *this;
}
void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd_hooks("backward").backward(*this, gradient, retain_graph, create_graph);
}
Tensor Tensor::grad() const {
  return autograd_hooks_installed() ? autograd_hooks("grad").grad(*this) : Tensor();
}
void Tensor::set_grad(const Tensor& g) const {
  autograd_hooks("set_grad").set_grad(*this, g);
}
bool Tensor::is_leaf() const {
  return !autograd_hooks_installed() || autograd_hooks("is_leaf").is_leaf(*this);
}
void Tensor::retain_grad() const {
  autograd_hooks("retain_grad").retain_grad(*this);
}
Tensor Tensor::detach() const {
  if (autograd_hooks_installed()) return autograd_hooks("detach").detach(*this);
  return make_view(sizes(), strides(), storage_offset());
}
int64_t Tensor::register_hook(std::function<Tensor(const Tensor&)> fn) const {
  return autograd_hooks("register_hook").register_hook(*this, std::move(fn));
}
std::string Tensor::grad_fn_name() const {
  return autograd_hooks_installed() ? autograd_hooks("grad_fn").grad_fn_name(*this) : "";
}

}  // namespace mica
