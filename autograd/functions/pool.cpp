// Differentiable pooling and upsampling, and their backward ops. Every one of these is linear in
// its tensor input, so the backward of a forward is its raw backward kernel (an adjoint scatter)
// and the backward of that backward is the forward again (avg, adaptive avg, upsampling) or a
// gather by the saved indices (max pooling): derivatives of every order.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::set_history;

namespace {

using IntList = std::vector<int64_t>;
using ScaleList = std::optional<std::vector<double>>;

// The last two sizes of t.
IntList spatial_sizes(const Tensor& t) {
  return {t.size(-2), t.size(-1)};
}

// Runs out = raw op and, when t requires grad, records a node N made by fill(node).
template <class N, class F>
Tensor record(const Tensor& t, Tensor out, F&& fill) {
  if (auto node = make_node<N>({&t})) {
    fill(*node);
    set_history(out, node);
  }
  return out;
}

// ---- max pooling: values = gather(x, indices) within each plane ----

// out[p, o] = t[p, indices[p, o]] per (n, c) plane p; t: [N, C, H, W], indices [N, C, oH, oW].
Tensor plane_gather(const Tensor& t, const Tensor& indices);

struct MaxPool2dBackward : Node {
  MICA_NODE_NAME("MaxPool2dBackward")
  Tensor indices;  // int64, never saved with history
  IntList input_sizes;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {max_pool2d_backward(grads[0], indices, input_sizes)};
  }
};

// The scatter of max_pool2d_backward: its adjoint is the gather.
struct MaxPool2dBackwardBackward : Node {
  MICA_NODE_NAME("MaxPool2dBackwardBackward")
  Tensor indices;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {plane_gather(grads[0], indices)};
  }
};

Tensor plane_gather(const Tensor& t, const Tensor& indices) {
  Tensor out = raw([&] {
    return ops::gather(t.contiguous().flatten(-2), -1, indices.contiguous().flatten(-2))
        .view(indices.sizes());
  });
  return record<MaxPool2dBackward>(t, out, [&](MaxPool2dBackward& n) {
    n.indices = indices;
    n.input_sizes = t.sizes();
  });
}

// ---- average pooling ----

struct AvgPoolArgs {
  IntList kernel_size, stride, padding;
  bool ceil_mode = false, count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

struct AvgPool2dBackward : Node {
  MICA_NODE_NAME("AvgPool2dBackward")
  IntList input_sizes;
  AvgPoolArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {avg_pool2d_backward(grads[0], input_sizes, a.kernel_size, a.stride, a.padding,
                                a.ceil_mode, a.count_include_pad, a.divisor_override)};
  }
};

struct AvgPool2dBackwardBackward : Node {
  MICA_NODE_NAME("AvgPool2dBackwardBackward")
  AvgPoolArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {avg_pool2d(grads[0], a.kernel_size, a.stride, a.padding, a.ceil_mode,
                       a.count_include_pad, a.divisor_override)};
  }
};

// ---- adaptive average pooling ----

struct AdaptiveAvgPool2dBackward : Node {
  MICA_NODE_NAME("AdaptiveAvgPool2dBackward")
  IntList input_sizes;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {adaptive_avg_pool2d_backward(grads[0], input_sizes)};
  }
};

struct AdaptiveAvgPool2dBackwardBackward : Node {
  MICA_NODE_NAME("AdaptiveAvgPool2dBackwardBackward")
  IntList output_size;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {adaptive_avg_pool2d(grads[0], output_size)};
  }
};

// ---- upsampling ----

// What the forward was given: output_size or scale factors (kept as given, so the backward's
// backward reproduces the forward's source indices exactly).
struct UpsampleArgs {
  IntList output_size;  // the forward's output size (used when scale_factors is empty)
  ScaleList scale_factors;
  bool bilinear = false, align_corners = false;
};

Tensor upsample_forward(const Tensor& x, const UpsampleArgs& a) {
  const std::optional<IntList> size =
      a.scale_factors ? std::nullopt : std::optional<IntList>(a.output_size);
  return a.bilinear ? upsample_bilinear2d(x, size, a.align_corners, a.scale_factors)
                    : upsample_nearest2d(x, size, a.scale_factors);
}

Tensor upsample_backward(const Tensor& g, const IntList& input_sizes, const UpsampleArgs& a) {
  return a.bilinear ? upsample_bilinear2d_backward(g, input_sizes, a.align_corners, a.scale_factors)
                    : upsample_nearest2d_backward(g, input_sizes, a.scale_factors);
}

struct Upsample2dBackward : Node {
  MICA_NODE_NAME(a.bilinear ? "UpsampleBilinear2dBackward" : "UpsampleNearest2dBackward")
  IntList input_sizes;
  UpsampleArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {upsample_backward(grads[0], input_sizes, a)};
  }
};

struct Upsample2dBackwardBackward : Node {
  MICA_NODE_NAME(a.bilinear ? "UpsampleBilinear2dBackwardBackward"
                            : "UpsampleNearest2dBackwardBackward")
  UpsampleArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {upsample_forward(grads[0], a)};
  }
};

Tensor record_upsample(const Tensor& x, Tensor out, UpsampleArgs a) {
  a.output_size = spatial_sizes(out);
  return record<Upsample2dBackward>(x, out, [&](Upsample2dBackward& n) {
    n.input_sizes = x.sizes();
    n.a = std::move(a);
  });
}

Tensor record_upsample_backward(const Tensor& g, Tensor out, UpsampleArgs a) {
  a.output_size = spatial_sizes(g);
  return record<Upsample2dBackwardBackward>(
      g, out, [&](Upsample2dBackwardBackward& n) { n.a = std::move(a); });
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const IntList& kernel_size,
                                                  const IntList& stride, const IntList& padding,
                                                  const IntList& dilation, bool ceil_mode) {
  std::pair<Tensor, Tensor> r = raw([&] {
    return ops::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
  });
  r.first = record<MaxPool2dBackward>(x, r.first, [&](MaxPool2dBackward& n) {
    n.indices = r.second;
    n.input_sizes = x.sizes();
  });
  return r;
}

Tensor max_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                           const IntList& input_sizes) {
  Tensor out = raw([&] { return ops::max_pool2d_backward(grad_output, indices, input_sizes); });
  return record<MaxPool2dBackwardBackward>(
      grad_output, out, [&](MaxPool2dBackwardBackward& n) { n.indices = indices; });
}

Tensor avg_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  Tensor out = raw([&] {
    return ops::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                           divisor_override);
  });
  return record<AvgPool2dBackward>(x, out, [&](AvgPool2dBackward& n) {
    n.input_sizes = x.sizes();
    n.a = {kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override};
  });
}

Tensor avg_pool2d_backward(const Tensor& grad_output, const IntList& input_sizes,
                           const IntList& kernel_size, const IntList& stride,
                           const IntList& padding, bool ceil_mode, bool count_include_pad,
                           std::optional<int64_t> divisor_override) {
  Tensor out = raw([&] {
    return ops::avg_pool2d_backward(grad_output, input_sizes, kernel_size, stride, padding,
                                    ceil_mode, count_include_pad, divisor_override);
  });
  return record<AvgPool2dBackwardBackward>(grad_output, out, [&](AvgPool2dBackwardBackward& n) {
    n.a = {kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override};
  });
}

Tensor adaptive_avg_pool2d(const Tensor& x, const IntList& output_size) {
  Tensor out = raw([&] { return ops::adaptive_avg_pool2d(x, output_size); });
  return record<AdaptiveAvgPool2dBackward>(
      x, out, [&](AdaptiveAvgPool2dBackward& n) { n.input_sizes = x.sizes(); });
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const IntList& input_sizes) {
  Tensor out = raw([&] { return ops::adaptive_avg_pool2d_backward(grad_output, input_sizes); });
  return record<AdaptiveAvgPool2dBackwardBackward>(
      grad_output, out,
      [&](AdaptiveAvgPool2dBackwardBackward& n) { n.output_size = spatial_sizes(grad_output); });
}

Tensor upsample_nearest2d(const Tensor& x, const std::optional<IntList>& output_size,
                          const ScaleList& scale_factors) {
  Tensor out = raw([&] { return ops::upsample_nearest2d(x, output_size, scale_factors); });
  return record_upsample(x, out, {{}, scale_factors, false, false});
}

Tensor upsample_bilinear2d(const Tensor& x, const std::optional<IntList>& output_size,
                           bool align_corners, const ScaleList& scale_factors) {
  Tensor out =
      raw([&] { return ops::upsample_bilinear2d(x, output_size, align_corners, scale_factors); });
  return record_upsample(x, out, {{}, scale_factors, true, align_corners});
}

Tensor upsample_nearest2d_backward(const Tensor& grad_output, const IntList& input_sizes,
                                   const ScaleList& scale_factors) {
  Tensor out = raw(
      [&] { return ops::upsample_nearest2d_backward(grad_output, input_sizes, scale_factors); });
  return record_upsample_backward(grad_output, out, {{}, scale_factors, false, false});
}

Tensor upsample_bilinear2d_backward(const Tensor& grad_output, const IntList& input_sizes,
                                    bool align_corners, const ScaleList& scale_factors) {
  Tensor out = raw([&] {
    return ops::upsample_bilinear2d_backward(grad_output, input_sizes, align_corners,
                                             scale_factors);
  });
  return record_upsample_backward(grad_output, out, {{}, scale_factors, true, align_corners});
}

}  // namespace mica
