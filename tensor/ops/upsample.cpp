// Upsampling front-ends: output size from size or scale factors (PyTorch's rules), argument
// checks, output allocation and dispatch to the CPU or CUDA kernels.
#include <cmath>

#include "tensor/cpu/upsample.h"
#include "tensor/cuda/upsample.h"
#include "tensor/ops/common.h"
#include "tensor/ops/conv.h"
#include "tensor/ops/conv_args.h"

namespace mica::ops {

namespace {
using detail::describe;

struct UpsampleSize {
  int64_t oh, ow;
  std::optional<double> scale_h, scale_w;
};

UpsampleSize upsample_size(const char* op, const Tensor& x,
                           const std::optional<std::vector<int64_t>>& output_size,
                           const std::optional<std::vector<double>>& scale_factors) {
  detail::check_defined(op, x, "input");
  MICA_CHECK(x.dim() == 4, op, ": expected a 4-d input [N, C, H, W], got ", describe(x));
  MICA_CHECK(x.size(1) > 0 && x.size(2) > 0 && x.size(3) > 0, op,
             ": expected non-empty channel and spatial dims, got input ", describe(x));
  MICA_CHECK(is_floating(x.dtype()), op, ": expected a floating input, got ", describe(x));
  MICA_CHECK(output_size.has_value() != scale_factors.has_value(), op,
             ": give exactly one of output_size and scale_factors");
  if (output_size) {
    const auto o = detail::pair_arg(op, "output_size", *output_size, 1);
    return {o[0], o[1], std::nullopt, std::nullopt};
  }
  const std::vector<double>& s = *scale_factors;
  MICA_CHECK(s.size() == 1 || s.size() == 2, op, ": scale_factors must have 1 or 2 elements, got ",
             s.size());
  const double sh = s[0], sw = s.size() == 2 ? s[1] : s[0];
  MICA_CHECK(std::isfinite(sh) && std::isfinite(sw) && sh > 0 && sw > 0, op,
             ": scale_factors must be positive and finite, got [", sh, ", ", sw, "]");
  const auto oh = static_cast<int64_t>(std::floor(static_cast<double>(x.size(2)) * sh));
  const auto ow = static_cast<int64_t>(std::floor(static_cast<double>(x.size(3)) * sw));
  MICA_CHECK(oh > 0 && ow > 0, op, ": scale_factors [", sh, ", ", sw, "] give an empty output [",
             oh, ", ", ow, "] for input ", shape_str(x.sizes()));
  return {oh, ow, sh, sw};
}
}  // namespace

Tensor upsample_nearest2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                          const std::optional<std::vector<double>>& scale_factors) {
  const UpsampleSize u = upsample_size("upsample_nearest2d", x, output_size, scale_factors);
  Tensor out =
      empty({x.size(0), x.size(1), u.oh, u.ow}, TensorOptions(x.dtype()).device(x.device()));
  if (x.is_cuda())
    cuda::upsample_nearest2d(x, out, u.scale_h, u.scale_w);
  else
    cpu::upsample_nearest2d(x, out, u.scale_h, u.scale_w);
  return out;
}

Tensor upsample_bilinear2d(const Tensor& x, const std::optional<std::vector<int64_t>>& output_size,
                           bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors) {
  const UpsampleSize u = upsample_size("upsample_bilinear2d", x, output_size, scale_factors);
  Tensor out =
      empty({x.size(0), x.size(1), u.oh, u.ow}, TensorOptions(x.dtype()).device(x.device()));
  if (x.is_cuda())
    cuda::upsample_bilinear2d(x, out, align_corners, u.scale_h, u.scale_w);
  else
    cpu::upsample_bilinear2d(x, out, align_corners, u.scale_h, u.scale_w);
  return out;
}

}  // namespace mica::ops
