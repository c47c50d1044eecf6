// Front-ends of the pooling and upsampling backward ops: shape checks against the forward's
// geometry, unbatched inputs, and dispatch to the CPU kernels (tensor/cpu/pool_backward.cpp; with a
// float16/bfloat16 -> float32 round trip, so gradients accumulate in float) or to the CUDA ones
// (tensor/cuda/pool.h, upsample.h: any dtype and strides, accumulating in float themselves).
#include <cmath>

#include "tensor/cpu/pool_backward.h"
#include "tensor/cuda/pool.h"
#include "tensor/cuda/upsample.h"
#include "tensor/ops/conv.h"
#include "tensor/ops/pool_args.h"

namespace mica::ops {

namespace {
using detail::describe;

// grad_output and input_sizes as 4-d (a leading 1 for unbatched ones), checked to agree in
// their batch and channel dims.
struct Batched {
  Tensor go;
  Shape xs;
  bool unbatched;
};

Batched batched_args(const char* op, const Tensor& grad_output, const Shape& input_sizes,
                     bool allow_unbatched) {
  detail::check_defined(op, grad_output, "grad_output");
  MICA_CHECK(is_floating(grad_output.dtype()), op, ": expected a floating grad_output, got ",
             describe(grad_output));
  const auto nd = static_cast<int64_t>(input_sizes.size());
  MICA_CHECK((nd == 4 || (allow_unbatched && nd == 3)) && grad_output.dim() == nd, op,
             ": expected input_sizes and grad_output both 4-d",
             allow_unbatched ? " (or both 3-d)" : "", ", got input_sizes ", shape_str(input_sizes),
             " and grad_output ", describe(grad_output));
  for (int64_t d = 0; d < nd; ++d)
    MICA_CHECK(input_sizes[static_cast<size_t>(d)] > 0 || (d == 0 && nd == 4), op,
               ": expected non-empty channel and spatial input_sizes, got ",
               shape_str(input_sizes));
  for (int64_t d = 0; d < nd - 2; ++d)
    MICA_CHECK(grad_output.size(d) == input_sizes[static_cast<size_t>(d)], op, ": grad_output ",
               shape_str(grad_output.sizes()), " and input_sizes ", shape_str(input_sizes),
               " differ in their batch / channel dims");
  Batched b{grad_output, input_sizes, nd == 3};
  if (b.unbatched) {
    b.go = grad_output.unsqueeze(0);
    b.xs.insert(b.xs.begin(), 1);
  }
  return b;
}

void check_output_size(const char* op, const Tensor& go4, int64_t oh, int64_t ow,
                       const Shape& input_sizes, const Tensor& grad_output) {
  MICA_CHECK(go4.size(2) == oh && go4.size(3) == ow, op, ": grad_output ",
             shape_str(grad_output.sizes()), " does not match the forward's output size [", oh,
             ", ", ow, "] for input ", shape_str(input_sizes));
}

DType compute_dtype(DType t) {
  return t == kFloat64 ? kFloat64 : kFloat32;
}

// The gradient of the 4-d input, unbatched at the end. CPU: zero-filled in the compute dtype,
// filled by kernel(go, gi) from a contiguous go, then converted back. CUDA: in grad_output's
// dtype, fully written by cuda_kernel(go, gi) from go as it is.
template <class K, class CK>
Tensor run_backward(const Batched& b, const Tensor& grad_output, K&& kernel, CK&& cuda_kernel) {
  if (grad_output.is_cuda()) {
    Tensor gi = empty(b.xs, grad_output.options());
    cuda_kernel(b.go, gi);
    return b.unbatched ? gi.squeeze(0) : gi;
  }
  const DType cd = compute_dtype(grad_output.dtype());
  const Tensor go = (b.go.dtype() == cd ? b.go : b.go.to(cd)).contiguous();
  Tensor gi = zeros(b.xs, TensorOptions(cd).device(grad_output.device()));
  kernel(go, gi);
  if (cd != grad_output.dtype()) gi = gi.to(grad_output.dtype());
  return b.unbatched ? gi.squeeze(0) : gi;
}

// Scale factors as the forward reads them; checks that they give grad_output's size.
std::pair<std::optional<double>, std::optional<double>> upsample_scales(
    const char* op, const Batched& b, const Tensor& grad_output, const Shape& input_sizes,
    const std::optional<std::vector<double>>& scale_factors) {
  if (!scale_factors) return {std::nullopt, std::nullopt};
  const std::vector<double>& s = *scale_factors;
  MICA_CHECK(s.size() == 1 || s.size() == 2, op, ": scale_factors must have 1 or 2 elements, got ",
             s.size());
  const double sh = s[0], sw = s.size() == 2 ? s[1] : s[0];
  MICA_CHECK(std::isfinite(sh) && std::isfinite(sw) && sh > 0 && sw > 0, op,
             ": scale_factors must be positive and finite, got [", sh, ", ", sw, "]");
  check_output_size(op, b.go, static_cast<int64_t>(std::floor(static_cast<double>(b.xs[2]) * sh)),
                    static_cast<int64_t>(std::floor(static_cast<double>(b.xs[3]) * sw)),
                    input_sizes, grad_output);
  return {sh, sw};
}
}  // namespace

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                           const std::vector<int64_t>& input_sizes) {
  const char* op = "max_pool2d_backward";
  const Batched b = batched_args(op, grad_output, input_sizes, true);
  detail::check_defined(op, indices, "indices");
  detail::check_same_device(op, {&grad_output, &indices});
  MICA_CHECK(indices.dtype() == kInt64 && indices.sizes() == grad_output.sizes(), op,
             ": expected int64 indices of grad_output's shape ", shape_str(grad_output.sizes()),
             ", got ", describe(indices));
  const Tensor idx4 = b.unbatched ? indices.unsqueeze(0) : indices;
  auto bad_index = [&] {
    MICA_FAIL(op, ": indices must lie in [0, ", b.xs[2] * b.xs[3],
              ") (positions within an input plane of input_sizes ", shape_str(input_sizes), ")");
  };
  return run_backward(
      b, grad_output,
      [&](const Tensor& go, const Tensor& gi) {
        if (!cpu::max_pool2d_backward(go, idx4.contiguous(), gi)) bad_index();
      },
      [&](const Tensor& go, const Tensor& gi) {
        if (!cuda::max_pool2d_backward(go, idx4, gi)) bad_index();
      });
}

Tensor avg_pool2d_backward(const Tensor& grad_output, const std::vector<int64_t>& input_sizes,
                           const std::vector<int64_t>& kernel_size,
                           const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                           bool ceil_mode, bool count_include_pad,
                           std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d_backward";
  const Batched b = batched_args(op, grad_output, input_sizes, true);
  MICA_CHECK(!divisor_override || *divisor_override != 0, op, ": divisor_override must be nonzero");
  const cpu::Pool2dGeom g = detail::pool_geom(op, b.xs, shape_str(input_sizes), kernel_size, stride,
                                              padding, {1}, ceil_mode);
  check_output_size(op, b.go, g.oh, g.ow, input_sizes, grad_output);
  return run_backward(
      b, grad_output,
      [&](const Tensor& go, const Tensor& gi) {
        cpu::avg_pool2d_backward(go, gi, g, count_include_pad, divisor_override.value_or(0));
      },
      [&](const Tensor& go, const Tensor& gi) {
        cuda::avg_pool2d_backward(go, gi, g, count_include_pad, divisor_override.value_or(0));
      });
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output,
                                    const std::vector<int64_t>& input_sizes) {
  const char* op = "adaptive_avg_pool2d_backward";
  const Batched b = batched_args(op, grad_output, input_sizes, true);
  return run_backward(
      b, grad_output,
      [&](const Tensor& go, const Tensor& gi) { cpu::adaptive_avg_pool2d_backward(go, gi); },
      [&](const Tensor& go, const Tensor& gi) { cuda::adaptive_avg_pool2d_backward(go, gi); });
}

Tensor upsample_nearest2d_backward(const Tensor& grad_output,
                                   const std::vector<int64_t>& input_sizes,
                                   const std::optional<std::vector<double>>& scale_factors) {
  const char* op = "upsample_nearest2d_backward";
  const Batched b = batched_args(op, grad_output, input_sizes, false);
  const auto scales = upsample_scales(op, b, grad_output, input_sizes, scale_factors);
  return run_backward(
      b, grad_output,
      [&](const Tensor& go, const Tensor& gi) {
        cpu::upsample_nearest2d_backward(go, gi, scales.first, scales.second);
      },
      [&](const Tensor& go, const Tensor& gi) {
        cuda::upsample_nearest2d_backward(go, gi, scales.first, scales.second);
      });
}

Tensor upsample_bilinear2d_backward(const Tensor& grad_output,
                                    const std::vector<int64_t>& input_sizes, bool align_corners,
                                    const std::optional<std::vector<double>>& scale_factors) {
  const char* op = "upsample_bilinear2d_backward";
  const Batched b = batched_args(op, grad_output, input_sizes, false);
  const auto scales = upsample_scales(op, b, grad_output, input_sizes, scale_factors);
  return run_backward(
      b, grad_output,
      [&](const Tensor& go, const Tensor& gi) {
        cpu::upsample_bilinear2d_backward(go, gi, align_corners, scales.first, scales.second);
      },
      [&](const Tensor& go, const Tensor& gi) {
        cuda::upsample_bilinear2d_backward(go, gi, align_corners, scales.first, scales.second);
      });
}

}  // namespace mica::ops
