// Scan and sorting front-ends: dim wrapping (0-d tensors act as one-element lines), k and
// dtype checks, output allocation, dispatch by device to the CPU or CUDA kernels.
#include "tensor/ops/sort.h"

#include "tensor/cpu/sort.h"
#include "tensor/cuda/sort.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {

// 0-d tensors are handled as [1] and viewed back.
Tensor as_line(const Tensor& x) {
  return x.dim() == 0 ? x.view({1}) : x;
}

Tensor scan(const char* op, const Tensor& x_in, int64_t dim, std::optional<DType> dtype,
            bool is_sum) {
  detail::check_defined(op, x_in, "self");
  const int64_t d = wrap_dim(dim, x_in.dim(), op);
  const Tensor x = as_line(dtype && *dtype != x_in.dtype() ? x_in.to(*dtype) : x_in);
  const DType out_dtype = is_floating(x.dtype()) ? x.dtype() : kInt64;
  Tensor out = empty(x.sizes(), TensorOptions(out_dtype).device(x.device()));
  if (is_sum && out.is_cuda())
    cuda::cumsum(out, x, d);
  else if (is_sum)
    cpu::cumsum(out, x, d);
  else if (out.is_cuda())
    cuda::cumprod(out, x, d);
  else
    cpu::cumprod(out, x, d);
  out = out.view(x_in.sizes());
  return dtype && out.dtype() != *dtype ? out.to(*dtype) : out;
}

}  // namespace

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return scan("cumsum", x, dim, dtype, true);
}

Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return scan("cumprod", x, dim, dtype, false);
}

ValuesIndices sort(const Tensor& x_in, int64_t dim, bool descending, bool /*stable*/) {
  detail::check_defined("sort", x_in, "self");
  const int64_t d = wrap_dim(dim, x_in.dim(), "sort");
  const Tensor x = as_line(x_in);
  Tensor values = empty(x.sizes(), x.options());
  Tensor indices = empty(x.sizes(), TensorOptions(kInt64).device(x.device()));
  if (x.is_cuda())
    cuda::sort(values, indices, x, d, descending);
  else
    cpu::sort(values, indices, x, d, descending);
  return {values.view(x_in.sizes()), indices.view(x_in.sizes())};
}

Tensor argsort(const Tensor& x_in, int64_t dim, bool descending, bool /*stable*/) {
  detail::check_defined("argsort", x_in, "self");
  const int64_t d = wrap_dim(dim, x_in.dim(), "argsort");
  const Tensor x = as_line(x_in);
  Tensor indices = empty(x.sizes(), TensorOptions(kInt64).device(x.device()));
  if (x.is_cuda())
    cuda::sort(Tensor(), indices, x, d, descending);
  else
    cpu::sort(Tensor(), indices, x, d, descending);
  return indices.view(x_in.sizes());
}

ValuesIndices topk(const Tensor& x_in, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
  detail::check_defined("topk", x_in, "self");
  const int64_t d = wrap_dim(dim, x_in.dim(), "topk");
  const Tensor x = as_line(x_in);
  MICA_CHECK(k >= 0 && k <= x.size(d), "topk: k = ", k, " is out of range for dim ", d, " of size ",
             x.size(d), " (input shape ", shape_str(x_in.sizes()),
             "); expected 0 <= k <= ", x.size(d));
  Shape shape = x.sizes();
  shape[static_cast<size_t>(d)] = k;
  Tensor values = empty(shape, x.options());
  Tensor indices = empty(shape, TensorOptions(kInt64).device(x.device()));
  if (x.is_cuda())
    cuda::topk(values, indices, x, k, d, largest);
  else
    cpu::topk(values, indices, x, k, d, largest);
  if (x_in.dim() == 0 && k == 1) return {values.view({}), indices.view({})};
  return {values, indices};
}

}  // namespace mica::ops
