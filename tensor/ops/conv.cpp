// Convolution front-ends: argument and shape checks, output sizes, unbatched inputs, and dispatch
// to the CPU im2col/GEMM kernels (with a float16/bfloat16 -> float32 round trip) or to cuDNN
// (tensor/cuda/conv.h; 16-bit dtypes go in as they are and compute in float32 there).
#include "tensor/ops/conv.h"

#include <array>

#include "tensor/cpu/conv.h"
#include "tensor/cuda/conv.h"
#include "tensor/ops/common.h"
#include "tensor/ops/conv_args.h"

namespace mica::ops {

namespace {
using detail::describe;
using detail::pair_arg;

struct ConvArgs {
  std::array<int64_t, 2> stride, padding, dilation;
  int64_t groups;
};

ConvArgs conv_args(const char* op, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation,
                   int64_t groups) {
  MICA_CHECK(groups > 0, op, ": groups must be positive, got ", groups);
  return {pair_arg(op, "stride", stride, 1), pair_arg(op, "padding", padding, 0),
          pair_arg(op, "dilation", dilation, 1), groups};
}

// The dtype kernels compute in, and the tensors converted to it (contiguous).
DType compute_dtype(DType t) {
  return t == kFloat64 ? kFloat64 : kFloat32;
}
Tensor prepared(const Tensor& t, DType d) {
  if (!t.defined()) return t;
  return (t.dtype() == d ? t : t.to(d)).contiguous();
}

// Shared input checks: defined, floating, same dtype and device.
void check_inputs(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const char* x_name = "input") {
  detail::check_defined(op, x, x_name);
  detail::check_defined(op, weight, "weight");
  detail::check_same_device(op, {&x, &weight, &bias});
  MICA_CHECK(is_floating(x.dtype()), op, ": expected a floating ", x_name, ", got ", describe(x));
  MICA_CHECK(weight.dtype() == x.dtype(), op, ": ", x_name, " (", describe(x), ") and weight (",
             describe(weight), ") must have the same dtype");
  MICA_CHECK(!bias.defined() || bias.dtype() == x.dtype(), op, ": ", x_name, " (", describe(x),
             ") and bias (", describe(bias), ") must have the same dtype");
}

// Geometry of conv(x4, weight); x4 is 4-d, the messages name the shapes the caller passed.
cpu::Conv2dGeom conv_geom(const char* op, const Shape& xs, const Shape& ws, const ConvArgs& a,
                          const std::string& x_desc, const std::string& w_desc) {
  MICA_CHECK(ws[2] > 0 && ws[3] > 0, op, ": weight ", w_desc, " has an empty kernel");
  MICA_CHECK(ws[0] % a.groups == 0, op, ": weight ", w_desc, " has ", ws[0],
             " output channels, not divisible by groups=", a.groups);
  MICA_CHECK(xs[1] == ws[1] * a.groups, op, ": input ", x_desc, " has ", xs[1],
             " channels, but weight ", w_desc, " with groups=", a.groups, " expects ",
             ws[1] * a.groups, " (weight.size(1) * groups)");
  cpu::Conv2dGeom g{};
  g.n = xs[0], g.c_in = xs[1], g.h = xs[2], g.w = xs[3];
  g.c_out = ws[0], g.kh = ws[2], g.kw = ws[3];
  g.sh = a.stride[0], g.sw = a.stride[1], g.ph = a.padding[0], g.pw = a.padding[1];
  g.dh = a.dilation[0], g.dw = a.dilation[1], g.groups = a.groups;
  const int64_t eff_h = g.dh * (g.kh - 1) + 1, eff_w = g.dw * (g.kw - 1) + 1;
  const int64_t pad_h = g.h + 2 * g.ph, pad_w = g.w + 2 * g.pw;
  MICA_CHECK(eff_h <= pad_h && eff_w <= pad_w, op, ": kernel size [", eff_h, ", ", eff_w,
             "] (after dilation) is larger than the padded input size [", pad_h, ", ", pad_w,
             "] (input ", x_desc, ", weight ", w_desc, ", padding [", g.ph, ", ", g.pw, "])");
  g.oh = (pad_h - eff_h) / g.sh + 1;
  g.ow = (pad_w - eff_w) / g.sw + 1;
  return g;
}

void check_bias(const char* op, const Tensor& bias, int64_t channels) {
  if (!bias.defined()) return;
  MICA_CHECK(bias.dim() == 1 && bias.size(0) == channels, op, ": expected bias of shape [",
             channels, "], got ", shape_str(bias.sizes()));
}

// conv2d on a 4-d (batched) or 3-d input; x_desc/w_desc name the user's shapes.
Tensor conv2d_impl(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const ConvArgs& a, const std::string& x_desc, const std::string& w_desc) {
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const cpu::Conv2dGeom g = conv_geom(op, x4.sizes(), weight.sizes(), a, x_desc, w_desc);
  check_bias(op, bias, g.c_out);
  if (x.is_cuda()) {
    Tensor out = empty({g.n, g.c_out, g.oh, g.ow}, x.options());
    cuda::conv2d_forward(x4, weight, bias, out, g);
    return unbatched ? out.squeeze(0) : out;
  }
  const DType cd = compute_dtype(x.dtype());
  Tensor out = empty({g.n, g.c_out, g.oh, g.ow}, TensorOptions(cd).device(x.device()));
  cpu::conv2d_forward(prepared(x4, cd), prepared(weight, cd), prepared(bias, cd), out, g);
  if (cd != x.dtype()) out = out.to(x.dtype());
  return unbatched ? out.squeeze(0) : out;
}
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d";
  check_inputs(op, x, weight, bias);
  MICA_CHECK(x.dim() == 3 || x.dim() == 4, op,
             ": expected a 4-d input [N, C_in, H, W] (or 3-d unbatched [C_in, H, W]), got ",
             describe(x));
  MICA_CHECK(weight.dim() == 4, op, ": expected a 4-d weight [C_out, C_in/groups, kH, kW], got ",
             describe(weight));
  const ConvArgs a = conv_args(op, stride, padding, dilation, groups);
  return conv2d_impl(op, x, weight, bias, a, shape_str(x.sizes()), shape_str(weight.sizes()));
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv1d";
  check_inputs(op, x, weight, bias);
  MICA_CHECK(x.dim() == 2 || x.dim() == 3, op,
             ": expected a 3-d input [N, C_in, L] (or 2-d unbatched [C_in, L]), got ", describe(x));
  MICA_CHECK(weight.dim() == 3, op, ": expected a 3-d weight [C_out, C_in/groups, k], got ",
             describe(weight));
  auto one = [op](const char* name, const std::vector<int64_t>& v) {
    MICA_CHECK(v.size() == 1, op, ": ", name, " must have 1 element, got ", v.size());
    return v[0];
  };
  // The length dim becomes W of a height-1 conv2d (stride/dilation 1, padding 0 along H).
  const std::vector<int64_t> s{1, one("stride", stride)}, p{0, one("padding", padding)},
      d{1, one("dilation", dilation)};
  const ConvArgs a = conv_args(op, s, p, d, groups);
  const Tensor out = conv2d_impl(op, x.unsqueeze(-2), weight.unsqueeze(2), bias, a,
                                 shape_str(x.sizes()), shape_str(weight.sizes()));
  return out.squeeze(-2);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  const char* op = "conv_transpose2d";
  check_inputs(op, x, weight, bias);
  MICA_CHECK(x.dim() == 3 || x.dim() == 4, op,
             ": expected a 4-d input [N, C_in, H, W] (or 3-d unbatched [C_in, H, W]), got ",
             describe(x));
  MICA_CHECK(weight.dim() == 4, op, ": expected a 4-d weight [C_in, C_out/groups, kH, kW], got ",
             describe(weight));
  const ConvArgs a = conv_args(op, stride, padding, dilation, groups);
  const auto opad = pair_arg(op, "output_padding", output_padding, 0);
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const Shape& xs = x4.sizes();
  const Shape& ws = weight.sizes();
  const std::string x_desc = shape_str(x.sizes()), w_desc = shape_str(ws);
  MICA_CHECK(ws[2] > 0 && ws[3] > 0, op, ": weight ", w_desc, " has an empty kernel");
  MICA_CHECK(ws[0] % groups == 0, op, ": weight ", w_desc, " has ", ws[0],
             " input channels, not divisible by groups=", groups);
  MICA_CHECK(xs[1] == ws[0], op, ": input ", x_desc, " has ", xs[1], " channels, but weight ",
             w_desc, " expects ", ws[0], " (weight.size(0))");
  for (int i = 0; i < 2; ++i)
    MICA_CHECK(opad[i] < a.stride[i] || opad[i] < a.dilation[i], op, ": output_padding [", opad[0],
               ", ", opad[1], "] must be smaller than either stride [", a.stride[0], ", ",
               a.stride[1], "] or dilation [", a.dilation[0], ", ", a.dilation[1], "]");
  // The transposed conv's output is the image side of the matching conv2d.
  cpu::Conv2dGeom g{};
  g.n = xs[0], g.c_in = ws[1] * groups, g.c_out = ws[0];
  g.oh = xs[2], g.ow = xs[3], g.kh = ws[2], g.kw = ws[3];
  g.sh = a.stride[0], g.sw = a.stride[1], g.ph = a.padding[0], g.pw = a.padding[1];
  g.dh = a.dilation[0], g.dw = a.dilation[1], g.groups = groups;
  g.h = (g.oh - 1) * g.sh - 2 * g.ph + g.dh * (g.kh - 1) + opad[0] + 1;
  g.w = (g.ow - 1) * g.sw - 2 * g.pw + g.dw * (g.kw - 1) + opad[1] + 1;
  MICA_CHECK(g.oh > 0 && g.ow > 0, op, ": input ", x_desc, " has an empty spatial dim");
  MICA_CHECK(g.h > 0 && g.w > 0, op, ": the output size [", g.h, ", ", g.w,
             "] is not positive (input ", x_desc, ", weight ", w_desc, ", stride [", g.sh, ", ",
             g.sw, "], padding [", g.ph, ", ", g.pw, "])");
  check_bias(op, bias, g.c_in);
  if (x.is_cuda()) {
    Tensor out = empty({g.n, g.c_in, g.h, g.w}, x.options());
    cuda::conv2d_backward_input(x4, weight, bias, out, g);
    return unbatched ? out.squeeze(0) : out;
  }
  const DType cd = compute_dtype(x.dtype());
  Tensor out = empty({g.n, g.c_in, g.h, g.w}, TensorOptions(cd).device(x.device()));
  cpu::conv2d_backward_input(prepared(x4, cd), prepared(weight, cd), prepared(bias, cd), out, g);
  if (cd != x.dtype()) out = out.to(x.dtype());
  return unbatched ? out.squeeze(0) : out;
}

Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight,
                             const std::vector<int64_t>& input_sizes,
                             const std::vector<int64_t>& stride,
                             const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward_input";
  check_inputs(op, grad_output, weight, Tensor(), "grad_output");
  const size_t nd = input_sizes.size();
  MICA_CHECK((nd == 3 || nd == 4) && grad_output.dim() == static_cast<int64_t>(nd), op,
             ": expected input_sizes and grad_output both 4-d (or both 3-d), got input_sizes ",
             shape_str(input_sizes), " and grad_output ", describe(grad_output));
  MICA_CHECK(weight.dim() == 4, op, ": expected a 4-d weight [C_out, C_in/groups, kH, kW], got ",
             describe(weight));
  for (int64_t v : input_sizes)
    MICA_CHECK(v >= 0, op, ": invalid input_sizes ", shape_str(input_sizes));
  const ConvArgs a = conv_args(op, stride, padding, dilation, groups);
  const bool unbatched = nd == 3;
  Shape xs = input_sizes;
  if (unbatched) xs.insert(xs.begin(), 1);
  const Tensor go = unbatched ? grad_output.unsqueeze(0) : grad_output;
  const cpu::Conv2dGeom g =
      conv_geom(op, xs, weight.sizes(), a, shape_str(input_sizes), shape_str(weight.sizes()));
  const Shape want{g.n, g.c_out, g.oh, g.ow};
  MICA_CHECK(go.sizes() == want, op, ": grad_output ", shape_str(grad_output.sizes()),
             " does not match conv2d's output ", shape_str(want), " for input ",
             shape_str(input_sizes), " and weight ", shape_str(weight.sizes()));
  if (grad_output.is_cuda()) {
    Tensor gi = empty(xs, grad_output.options());
    cuda::conv2d_backward_input(go, weight, Tensor(), gi, g);
    return unbatched ? gi.squeeze(0) : gi;
  }
  const DType cd = compute_dtype(grad_output.dtype());
  Tensor gi = empty(xs, TensorOptions(cd).device(grad_output.device()));
  cpu::conv2d_backward_input(prepared(go, cd), prepared(weight, cd), Tensor(), gi, g);
  if (cd != grad_output.dtype()) gi = gi.to(grad_output.dtype());
  return unbatched ? gi.squeeze(0) : gi;
}

Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& x,
                              const std::vector<int64_t>& weight_sizes,
                              const std::vector<int64_t>& stride,
                              const std::vector<int64_t>& padding,
                              const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward_weight";
  detail::check_defined(op, grad_output, "grad_output");
  detail::check_defined(op, x, "input");
  detail::check_same_device(op, {&grad_output, &x});
  MICA_CHECK(is_floating(x.dtype()) && grad_output.dtype() == x.dtype(), op,
             ": expected grad_output (", describe(grad_output), ") and input (", describe(x),
             ") of one floating dtype");
  MICA_CHECK((x.dim() == 3 || x.dim() == 4) && grad_output.dim() == x.dim(), op,
             ": expected input and grad_output both 4-d (or both 3-d), got input ", describe(x),
             " and grad_output ", describe(grad_output));
  MICA_CHECK(weight_sizes.size() == 4, op, ": expected 4 weight_sizes, got ",
             shape_str(weight_sizes));
  for (int64_t v : weight_sizes)
    MICA_CHECK(v >= 0, op, ": invalid weight_sizes ", shape_str(weight_sizes));
  const ConvArgs a = conv_args(op, stride, padding, dilation, groups);
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const Tensor go = unbatched ? grad_output.unsqueeze(0) : grad_output;
  const cpu::Conv2dGeom g =
      conv_geom(op, x4.sizes(), weight_sizes, a, shape_str(x.sizes()), shape_str(weight_sizes));
  const Shape want{g.n, g.c_out, g.oh, g.ow};
  MICA_CHECK(go.sizes() == want, op, ": grad_output ", shape_str(grad_output.sizes()),
             " does not match conv2d's output ", shape_str(want), " for input ",
             shape_str(x.sizes()), " and weight ", shape_str(weight_sizes));
  if (x.is_cuda()) {
    Tensor gw = empty(weight_sizes, x.options());
    cuda::conv2d_backward_weight(go, x4, gw, g);
    return gw;
  }
  const DType cd = compute_dtype(x.dtype());
  Tensor gw = empty(weight_sizes, TensorOptions(cd).device(x.device()));
  cpu::conv2d_backward_weight(prepared(go, cd), prepared(x4, cd), gw, g);
  return cd != x.dtype() ? gw.to(x.dtype()) : gw;
}

}  // namespace mica::ops
