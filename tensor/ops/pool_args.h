// Pooling geometry shared by the pooling front-ends and their backward ops (tensor/ops/pool.cpp,
// pool_backward.cpp): input checks, PyTorch's output-size rule (with ceil_mode) and the window
// geometry handed to the CPU and CUDA kernels.
#pragma once

#include <string>
#include <vector>

#include "tensor/cpu/pool.h"
#include "tensor/ops/common.h"
#include "tensor/ops/conv_args.h"

namespace mica::ops::detail {

// A floating 3-d [C, H, W] or 4-d [N, C, H, W] tensor whose non-batch dims are non-empty.
inline void check_pool_input(const char* op, const Tensor& x) {
  check_defined(op, x, "input");
  MICA_CHECK(x.dim() == 3 || x.dim() == 4, op,
             ": expected a 4-d input [N, C, H, W] (or 3-d unbatched [C, H, W]), got ", describe(x));
  for (int64_t d = x.dim() - 3; d < x.dim(); ++d)
    MICA_CHECK(x.size(d) > 0, op, ": expected non-empty channel and spatial dims, got input ",
               describe(x));
  MICA_CHECK(is_floating(x.dtype()), op, ": expected a floating input, got ", describe(x));
}

// floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1, or ceil (then the last window must start
// inside the input or its left padding).
inline int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                             bool ceil_mode) {
  const int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Window geometry of pooling an input of sizes xs ([N, C, H, W]); x_desc names the user's shape.
inline cpu::Pool2dGeom pool_geom(const char* op, const Shape& xs, const std::string& x_desc,
                                 const std::vector<int64_t>& kernel_size,
                                 const std::vector<int64_t>& stride,
                                 const std::vector<int64_t>& padding,
                                 const std::vector<int64_t>& dilation, bool ceil_mode) {
  const auto k = pair_arg(op, "kernel_size", kernel_size, 1);
  const auto s = stride.empty() ? k : pair_arg(op, "stride", stride, 1);
  const auto p = pair_arg(op, "padding", padding, 0);
  const auto d = pair_arg(op, "dilation", dilation, 1);
  MICA_CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, op, ": padding [", p[0], ", ", p[1],
             "] must be at most half of kernel_size [", k[0], ", ", k[1], "]");
  cpu::Pool2dGeom g{};
  g.n = xs[0], g.c = xs[1], g.h = xs[2], g.w = xs[3];
  g.kh = k[0], g.kw = k[1], g.sh = s[0], g.sw = s[1], g.ph = p[0], g.pw = p[1];
  g.dh = d[0], g.dw = d[1];
  g.oh = pool_out_size(g.h, g.kh, g.ph, g.sh, g.dh, ceil_mode);
  g.ow = pool_out_size(g.w, g.kw, g.pw, g.sw, g.dw, ceil_mode);
  MICA_CHECK(g.oh > 0 && g.ow > 0, op, ": input ", x_desc, " is too small for kernel_size [", k[0],
             ", ", k[1], "] (dilation [", d[0], ", ", d[1], "], padding [", p[0], ", ", p[1],
             "]): the output size [", g.oh, ", ", g.ow, "] is not positive");
  return g;
}

}  // namespace mica::ops::detail
