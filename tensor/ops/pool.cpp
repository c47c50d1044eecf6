// Pooling front-ends: argument checks, PyTorch's output-size rule (with ceil_mode), unbatched
// inputs, output allocation and dispatch to the CPU kernels.
#include <array>

#include "tensor/cpu/pool.h"
#include "tensor/ops/common.h"
#include "tensor/ops/conv.h"
#include "tensor/ops/conv_args.h"

namespace mica::ops {

namespace {
using detail::describe;
using detail::pair_arg;

// A floating 3-d [C, H, W] or 4-d [N, C, H, W] CPU tensor whose non-batch dims are non-empty.
void check_pool_input(const char* op, const Tensor& x) {
  detail::check_defined(op, x, "input");
  MICA_CHECK(x.dim() == 3 || x.dim() == 4, op,
             ": expected a 4-d input [N, C, H, W] (or 3-d unbatched [C, H, W]), got ", describe(x));
  for (int64_t d = x.dim() - 3; d < x.dim(); ++d)
    MICA_CHECK(x.size(d) > 0, op, ": expected non-empty channel and spatial dims, got input ",
               describe(x));
  MICA_CHECK(is_floating(x.dtype()), op, ": expected a floating input, got ", describe(x));
  detail::check_cpu(op, {&x});
}

// floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1, or ceil (then the last window must start
// inside the input or its left padding).
int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                      bool ceil_mode) {
  const int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

cpu::Pool2dGeom pool_geom(const char* op, const Tensor& x4, const std::string& x_desc,
                          const std::vector<int64_t>& kernel_size,
                          const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                          const std::vector<int64_t>& dilation, bool ceil_mode) {
  const auto k = pair_arg(op, "kernel_size", kernel_size, 1);
  const auto s = stride.empty() ? k : pair_arg(op, "stride", stride, 1);
  const auto p = pair_arg(op, "padding", padding, 0);
  const auto d = pair_arg(op, "dilation", dilation, 1);
  MICA_CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, op, ": padding [", p[0], ", ", p[1],
             "] must be at most half of kernel_size [", k[0], ", ", k[1], "]");
  cpu::Pool2dGeom g{};
  g.n = x4.size(0), g.c = x4.size(1), g.h = x4.size(2), g.w = x4.size(3);
  g.kh = k[0], g.kw = k[1], g.sh = s[0], g.sw = s[1], g.ph = p[0], g.pw = p[1];
  g.dh = d[0], g.dw = d[1];
  g.oh = pool_out_size(g.h, g.kh, g.ph, g.sh, g.dh, ceil_mode);
  g.ow = pool_out_size(g.w, g.kw, g.pw, g.sw, g.dw, ceil_mode);
  MICA_CHECK(g.oh > 0 && g.ow > 0, op, ": input ", x_desc, " is too small for kernel_size [", k[0],
             ", ", k[1], "] (dilation [", d[0], ", ", d[1], "], padding [", p[0], ", ", p[1],
             "]): the output size [", g.oh, ", ", g.ow, "] is not positive");
  return g;
}

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
  const cpu::Pool2dGeom g =
      pool_geom(op, x4, shape_str(x.sizes()), kernel_size, stride, padding, dilation, ceil_mode);
  const Shape shape{g.n, g.c, g.oh, g.ow};
  Tensor out = empty(shape, TensorOptions(x.dtype()).device(x.device()));
  Tensor idx = empty(shape, TensorOptions(kInt64).device(x.device()));
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
      pool_geom(op, x4, shape_str(x.sizes()), kernel_size, stride, padding, {1}, ceil_mode);
  Tensor out = empty({g.n, g.c, g.oh, g.ow}, TensorOptions(x.dtype()).device(x.device()));
  cpu::avg_pool2d(x4, out, g, count_include_pad, divisor_override.value_or(0));
  return out.view(out_shape(unbatched, g.n, g.c, g.oh, g.ow));
}

Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_pool_input(op, x);
  const auto o = pair_arg(op, "output_size", output_size, 0);
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const int64_t n = x4.size(0), c = x4.size(1);
  Tensor out = empty({n, c, o[0], o[1]}, TensorOptions(x.dtype()).device(x.device()));
  cpu::adaptive_avg_pool2d(x4, out);
  return out.view(out_shape(unbatched, n, c, o[0], o[1]));
}

}  // namespace mica::ops
