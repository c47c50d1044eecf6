// Reduction front-ends: dim validation (wrapping, repeats), output shape and dtype rules,
// empty-input rules, and dispatch by device to the CPU or CUDA kernels (the reduced dims are
// permuted last).
#include "tensor/ops/reduction.h"

#include <cmath>

#include "tensor/cpu/reduction.h"
#include "tensor/cuda/reduction.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {

// A reduction prepared for the kernels.
struct Reduction {
  Tensor x;           // x permuted: kept dims first, then the reduced dims in their order
  int64_t n_reduced;  // number of trailing dims of x to reduce
  Shape kept;         // sizes of the kept dims (the kernel's contiguous output shape)
  Shape result;       // the op's result shape (keepdim: reduced dims kept with size 1)
  int64_t count;      // number of elements reduced into each output
};

Reduction prepare(const char* op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  detail::check_defined(op, x, "self");
  const int64_t nd = x.dim();
  std::vector<bool> reduce(static_cast<size_t>(nd), dims.empty());
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(nd, 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, nd, op);
    MICA_CHECK(!seen[static_cast<size_t>(w)], op, ": dim ", w, " appears more than once in dims ",
               shape_str(dims));
    seen[static_cast<size_t>(w)] = true;
    if (w < nd) reduce[static_cast<size_t>(w)] = true;
  }
  Reduction r;
  Shape perm, red;
  r.n_reduced = 0;
  r.count = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (reduce[static_cast<size_t>(d)]) {
      red.push_back(d);
      r.count *= x.size(d);
      if (keepdim) r.result.push_back(1);
    } else {
      perm.push_back(d);
      r.kept.push_back(x.size(d));
      r.result.push_back(x.size(d));
    }
  }
  r.n_reduced = static_cast<int64_t>(red.size());
  perm.insert(perm.end(), red.begin(), red.end());
  r.x = nd > 0 ? x.permute(perm) : x;
  return r;
}

// Ops without an identity (max, amin, inf-norm, ...) refuse reducing over a zero-size dim.
void check_nonempty(const char* op, const Reduction& r, const Tensor& x, const char* what) {
  if (r.count != 0) return;
  for (int64_t d = x.dim() - r.n_reduced; d < x.dim(); ++d)
    MICA_CHECK(r.x.size(d) != 0, op, ": cannot reduce over a dim of size 0 (input shape ",
               shape_str(x.sizes()), ")", what, "; the operation has no identity");
}

void check_floating(const char* op, const Tensor& x) {
  MICA_CHECK(is_floating(x.dtype()), op, ": expected a floating input (float16, bfloat16, ",
             "float32, float64), got ", detail::describe(x), "; convert it with .to(kFloat32)");
}

Tensor new_output(const Reduction& r, DType dtype, const Tensor& x) {
  return empty(r.kept, TensorOptions(dtype).device(x.device()));
}

Tensor finish(const Tensor& out, const Reduction& r) {
  return out.view(r.result);
}

DType sum_dtype(DType t) {
  return is_floating(t) ? t : kInt64;
}

Tensor sum_like(const char* op, const Tensor& x_in, const Dims& dims, bool keepdim,
                std::optional<DType> dtype, bool is_sum) {
  detail::check_defined(op, x_in, "self");
  const Tensor x = dtype && *dtype != x_in.dtype() ? x_in.to(*dtype) : x_in;
  const Reduction r = prepare(op, x, dims.vec(), keepdim);
  Tensor out = new_output(r, sum_dtype(x.dtype()), x);
  const bool on_cuda = r.x.is_cuda();
  if (is_sum && on_cuda)
    cuda::sum(out, r.x, r.n_reduced);
  else if (is_sum)
    cpu::sum(out, r.x, r.n_reduced);
  else if (on_cuda)
    cuda::prod(out, r.x, r.n_reduced);
  else
    cpu::prod(out, r.x, r.n_reduced);
  out = finish(out, r);
  return dtype && out.dtype() != *dtype ? out.to(*dtype) : out;
}

Tensor var_like(const char* op, const Tensor& x, const Dims& dims, double correction, bool keepdim,
                bool take_sqrt) {
  detail::check_defined(op, x, "self");
  check_floating(op, x);
  const Reduction r = prepare(op, x, dims.vec(), keepdim);
  Tensor out = new_output(r, x.dtype(), x);
  if (r.x.is_cuda())
    cuda::var(out, r.x, r.n_reduced, correction, take_sqrt);
  else
    cpu::var(out, r.x, r.n_reduced, correction, take_sqrt);
  return finish(out, r);
}

Tensor extreme(const char* op, const Tensor& x, const Dims& dims, bool keepdim, bool is_max) {
  const Reduction r = prepare(op, x, dims.vec(), keepdim);
  if (dims.empty())
    MICA_CHECK(x.numel() != 0, op, ": cannot reduce an empty tensor (shape ", shape_str(x.sizes()),
               ") over all dims; the operation has no identity");
  check_nonempty(op, r, x, "");
  Tensor out = new_output(r, x.dtype(), x);
  if (r.x.is_cuda())
    cuda::max_min(out, Tensor(), r.x, r.n_reduced, is_max);
  else
    cpu::max_min(out, Tensor(), r.x, r.n_reduced, is_max);
  return finish(out, r);
}

ValuesIndices extreme_dim(const char* op, const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
  detail::check_defined(op, x, "self");
  const int64_t d = wrap_dim(dim, x.dim(), op);
  const Reduction r = prepare(op, x, {d}, keepdim);
  MICA_CHECK(r.count != 0, op, ": cannot reduce over dim ", d, " of size 0 (input shape ",
             shape_str(x.sizes()), "); the operation has no identity");
  Tensor values = new_output(r, x.dtype(), x);
  Tensor indices = new_output(r, kInt64, x);
  if (r.x.is_cuda())
    cuda::max_min(values, indices, r.x, r.n_reduced, is_max);
  else
    cpu::max_min(values, indices, r.x, r.n_reduced, is_max);
  return {finish(values, r), finish(indices, r)};
}

Tensor arg_extreme(const char* op, const Tensor& x, std::optional<int64_t> dim, bool keepdim,
                   bool is_max) {
  detail::check_defined(op, x, "self");
  if (dim) {
    const int64_t d = wrap_dim(*dim, x.dim(), op);
    const Reduction r = prepare(op, x, {d}, keepdim);
    MICA_CHECK(r.count != 0, op, ": cannot reduce over dim ", d, " of size 0 (input shape ",
               shape_str(x.sizes()), "); the operation has no identity");
    Tensor indices = new_output(r, kInt64, x);
    if (r.x.is_cuda())
      cuda::max_min(Tensor(), indices, r.x, r.n_reduced, is_max);
    else
      cpu::max_min(Tensor(), indices, r.x, r.n_reduced, is_max);
    return finish(indices, r);
  }
  // no dim: the flat index over all of x
  const Reduction r = prepare(op, x, {}, keepdim);
  MICA_CHECK(x.numel() != 0, op, ": cannot reduce an empty tensor (shape ", shape_str(x.sizes()),
             ") without a dim; the operation has no identity");
  Tensor indices = new_output(r, kInt64, x);
  if (r.x.is_cuda())
    cuda::max_min(Tensor(), indices, r.x, r.n_reduced, is_max);
  else
    cpu::max_min(Tensor(), indices, r.x, r.n_reduced, is_max);
  return finish(indices, r);
}

Tensor logical(const char* op, const Tensor& x, const Dims& dims, bool keepdim, bool is_all) {
  const Reduction r = prepare(op, x, dims.vec(), keepdim);
  Tensor out = new_output(r, kBool, x);
  if (r.x.is_cuda())
    cuda::all_any(out, r.x, r.n_reduced, is_all);
  else
    cpu::all_any(out, r.x, r.n_reduced, is_all);
  return finish(out, r);
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like("sum", x, dims, keepdim, dtype, true);
}

Tensor prod(const Tensor& x, const Dims& dims, bool keepdim, std::optional<DType> dtype) {
  return sum_like("prod", x, dims, keepdim, dtype, false);
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  detail::check_defined("mean", x, "self");
  check_floating("mean", x);
  const Reduction r = prepare("mean", x, dims.vec(), keepdim);
  Tensor out = new_output(r, x.dtype(), x);
  if (r.x.is_cuda())
    cuda::mean(out, r.x, r.n_reduced);
  else
    cpu::mean(out, r.x, r.n_reduced);
  return finish(out, r);
}

Tensor var(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  return var_like("var", x, dims, correction, keepdim, false);
}

Tensor std(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  return var_like("std", x, dims, correction, keepdim, true);
}

Tensor max(const Tensor& x) {
  return extreme("max", x, {}, false, true);
}
Tensor min(const Tensor& x) {
  return extreme("min", x, {}, false, false);
}
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("max", x, dim, keepdim, true);
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("min", x, dim, keepdim, false);
}
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) {
  return extreme("amax", x, dims, keepdim, true);
}
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) {
  return extreme("amin", x, dims, keepdim, false);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme("argmax", x, dim, keepdim, true);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme("argmin", x, dim, keepdim, false);
}

Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  detail::check_defined("norm", x, "self");
  check_floating("norm", x);
  const Reduction r = prepare("norm", x, dims.vec(), keepdim);
  if (p < 0 || std::isinf(p)) {
    const std::string what = ::mica::detail::str_cat(" for the ", p, " norm");
    check_nonempty("norm", r, x, what.c_str());
  }
  Tensor out = new_output(r, x.dtype(), x);
  if (r.x.is_cuda())
    cuda::norm(out, r.x, r.n_reduced, p);
  else
    cpu::norm(out, r.x, r.n_reduced, p);
  return finish(out, r);
}

Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  detail::check_defined("logsumexp", x, "self");
  check_floating("logsumexp", x);
  const Reduction r = prepare("logsumexp", x, dims.vec(), keepdim);
  Tensor out = new_output(r, x.dtype(), x);
  if (r.x.is_cuda())
    cuda::logsumexp(out, r.x, r.n_reduced);
  else
    cpu::logsumexp(out, r.x, r.n_reduced);
  return finish(out, r);
}

Tensor all(const Tensor& x, const Dims& dims, bool keepdim) {
  return logical("all", x, dims, keepdim, true);
}
Tensor any(const Tensor& x, const Dims& dims, bool keepdim) {
  return logical("any", x, dims, keepdim, false);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  detail::check_defined("sum_to", x, "self");
  const int64_t nd = x.dim(), ns = static_cast<int64_t>(shape.size());
  const int64_t lead = nd - ns;
  bool ok = lead >= 0;
  std::vector<int64_t> dims;
  for (int64_t d = 0; ok && d < nd; ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    const int64_t want = shape[static_cast<size_t>(d - lead)];
    if (want == 1 && x.size(d) != 1)
      dims.push_back(d);
    else
      ok = want == x.size(d);
  }
  MICA_CHECK(ok, "sum_to: shape ", shape_str(shape), " does not broadcast to the tensor's shape ",
             shape_str(x.sizes()));
  if (dims.empty()) return x;
  return sum(x, dims, true, x.dtype()).view(shape);
}

}  // namespace mica::ops
