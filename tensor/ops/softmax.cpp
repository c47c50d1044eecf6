// softmax / log_softmax front-ends: dim wrapping, dtype checks and casts, dispatch by device.
#include "tensor/cuda/softmax.h"
#include "tensor/cpu/nn.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
Tensor softmax_impl(const char* op, const Tensor& x_in, int64_t dim, std::optional<DType> dtype,
                    bool log) {
  detail::check_defined(op, x_in, "input");
  if (dtype)
    MICA_CHECK(is_floating(*dtype), op, ": dtype must be floating, got ", dtype_name(*dtype));
  const DType dt = dtype.value_or(x_in.dtype());
  MICA_CHECK(is_floating(dt), op, ": expected a floating input (float16, bfloat16, float32, ",
             "float64), got ", detail::describe(x_in), "; pass dtype to convert");
  const int64_t d = wrap_dim(dim, x_in.dim(), op);
  const Tensor x = (x_in.dtype() == dt ? x_in : x_in.to(dt)).contiguous();
  Tensor out = empty(x.sizes(), TensorOptions(dt).device(x.device()));
  const Shape& s = x.sizes();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < x.dim(); ++i) inner *= s[i];
  const int64_t size = x.dim() == 0 ? 1 : s[d];
  if (out.is_cuda())
    cuda::softmax(out, x, outer, size, inner, log);
  else
    cpu::softmax(out, x, outer, size, inner, log);
  return out;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl("softmax", x, dim, dtype, false);
}

Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl("log_softmax", x, dim, dtype, true);
}

Tensor softmax_backward(const Tensor& grad_in, const Tensor& y_in, int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  detail::check_defined(op, grad_in, "grad_output");
  detail::check_defined(op, y_in, "output");
  detail::check_same_device(op, {&grad_in, &y_in});
  MICA_CHECK(is_floating(y_in.dtype()) && grad_in.dtype() == y_in.dtype() &&
                 grad_in.sizes() == y_in.sizes(),
             op, ": expected grad_output and output of one floating dtype and shape, got ",
             detail::describe(grad_in), " and ", detail::describe(y_in));
  const int64_t d = wrap_dim(dim, y_in.dim(), op);
  const Tensor y = y_in.contiguous(), g = grad_in.contiguous();
  Tensor out = empty(y.sizes(), TensorOptions(y.dtype()).device(y.device()));
  const Shape& s = y.sizes();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < y.dim(); ++i) inner *= s[i];
  const int64_t size = y.dim() == 0 ? 1 : s[d];
  if (out.is_cuda())
    cuda::softmax_backward(out, g, y, outer, size, inner, log);
  else
    cpu::softmax_backward(out, g, y, outer, size, inner, log);
  return out;
}

}  // namespace mica::ops
