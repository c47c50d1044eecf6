// Pooling front-ends: argument checks and geometry (tensor/ops/pool_args.h), unbatched inputs,
// output allocation and dispatch to the CPU or CUDA kernels.
#include <array>

#include "tensor/cuda/pool.h"

#include "tensor/ops/conv.h"
#include "tensor/ops/pool_args.h"

namespace mica::ops {

namespace {
using detail::check_pool_input;
using detail::pool_geom;

Shape out_shape(bool unbatched, int64_t n, int64_t c, int64_t oh, int64_t ow) {
  return unbatched ? Shape{c, oh, ow} : Shape{n, c, oh, ow};
}
}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(
    const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
    const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  check_pool_input(op, x);
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const cpu::Pool2dGeom g = pool_geom(op, x4.sizes(), shape_str(x.sizes()), kernel_size, stride,
                                      padding, dilation, ceil_mode);
  const Shape shape{g.n, g.c, g.oh, g.ow};
  Tensor out = empty(shape, TensorOptions(x.dtype()).device(x.device()));
  Tensor idx = empty(shape, TensorOptions(kInt64).device(x.device()));
  if (x.is_cuda())
    cuda::max_pool2d(x4, out, idx, g);
  else
    cpu::max_pool2d(x4, out, idx, g);
  const Shape final_shape = out_shape(unbatched, g.n, g.c, g.oh, g.ow);
  return {out.view(final_shape), idx.view(final_shape)};
}

Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                  const std::vector<int64_t>& dilation, bool ceil_mode) {
  return max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d";
  check_pool_input(op, x);
  MICA_CHECK(!divisor_override || *divisor_override != 0, op, ": divisor_override must be nonzero");
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const cpu::Pool2dGeom g =
      pool_geom(op, x4.sizes(), shape_str(x.sizes()), kernel_size, stride, padding, {1}, ceil_mode);
  Tensor out = empty({g.n, g.c, g.oh, g.ow}, TensorOptions(x.dtype()).device(x.device()));
  if (x.is_cuda())
    cuda::avg_pool2d(x4, out, g, count_include_pad, divisor_override.value_or(0));
  else
    cpu::avg_pool2d(x4, out, g, count_include_pad, divisor_override.value_or(0));
  return out.view(out_shape(unbatched, g.n, g.c, g.oh, g.ow));
}

Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_pool_input(op, x);
  const auto o = detail::pair_arg(op, "output_size", output_size, 0);
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const int64_t n = x4.size(0), c = x4.size(1);
  Tensor out = empty({n, c, o[0], o[1]}, TensorOptions(x.dtype()).device(x.device()));
  if (x.is_cuda())
    cuda::adaptive_avg_pool2d(x4, out);
  else
    cpu::adaptive_avg_pool2d(x4, out);
  return out.view(out_shape(unbatched, n, c, o[0], o[1]));
}

}  // namespace mica::ops
