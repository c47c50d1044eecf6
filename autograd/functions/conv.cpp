// Differentiable convolutions: conv2d, conv1d, conv_transpose2d and conv2d's two backward ops.
// The backward formulas use the raw conv2d_backward_input / conv2d_backward_weight kernels
// through differentiable wrappers, so every order of derivative is available. With
// gi = B_in(g, w) and gw = B_w(g, x) (conv2d's input and weight gradients), all bilinear:
//   <conv2d(x, w), g> = <x, B_in(g, w)> = <w, B_w(g, x)>,
// hence d gi / d g = conv2d(., w), d gi / d w = B_w(g, .), d gw / d g = conv2d(x, .),
// d gw / d x = B_in(g, .). conv_transpose2d(x, w) is B_in(x, w) on its output size.
#include <array>
#include "autograd/autocast.h"

#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {

// Geometry shared by conv2d and its backward ops (lists as the user gave them).
struct ConvArgs {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};

// {v} -> {v, v}.
std::array<int64_t, 2> pair_of(const std::vector<int64_t>& v) {
  return {v[0], v.size() > 1 ? v[1] : v[0]};
}

// The bias gradient: g summed over every dim but the channels.
Tensor bias_grad(const Tensor& g, bool unbatched) {
  return unbatched ? sum(g, ops::Dims{1, 2}) : sum(g, ops::Dims{0, 2, 3});
}

// t's two last dims grown at their end by (eh, ew) zeros, or cropped where negative.
Tensor pad_hw_end(const Tensor& t, int64_t eh, int64_t ew);

struct PadHwEndBackward : Node {
  MICA_NODE_NAME("PadHwEndBackward")
  int64_t eh = 0, ew = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!grads[0].defined()) return {Tensor()};
    return {pad_hw_end(grads[0], -eh, -ew)};
  }
};

Tensor pad_hw_end(const Tensor& t, int64_t eh, int64_t ew) {
  if (eh == 0 && ew == 0) return t;
  Tensor out = raw([&] { return ops::pad(t, {0, ew, 0, eh}); });
  if (auto node = make_node<PadHwEndBackward>({&t})) {
    node->eh = eh;
    node->ew = ew;
    set_history(out, node);
  }
  return out;
}

struct Conv2dBackward : Node {
  MICA_NODE_NAME("Conv2dBackward")
  SavedVariable x, weight;
  ConvArgs a;
  bool unbatched = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor xv = x.unpack(*this), wv = weight.unpack(*this);
    Tensor gx, gw, gb;
    if (needs_input_grad(0))
      gx = conv2d_backward_input(g, wv, xv.sizes(), a.stride, a.padding, a.dilation, a.groups);
    if (needs_input_grad(1))
      gw = conv2d_backward_weight(g, xv, wv.sizes(), a.stride, a.padding, a.dilation, a.groups);
    if (needs_input_grad(2)) gb = bias_grad(g, unbatched);
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

// Node of gi = B_in(g, w): d/dg = conv2d(ggi, w), d/dw = B_w(g, ggi).
struct Conv2dBackwardInputBackward : Node {
  MICA_NODE_NAME("Conv2dBackwardInputBackward")
  SavedVariable grad_output, weight;
  ConvArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& ggi = grads[0];
    if (!ggi.defined()) return {Tensor(), Tensor()};
    const Tensor g = grad_output.unpack(*this), wv = weight.unpack(*this);
    Tensor dg, dw;
    if (needs_input_grad(0)) dg = conv2d(ggi, wv, {}, a.stride, a.padding, a.dilation, a.groups);
    if (needs_input_grad(1))
      dw = conv2d_backward_weight(g, ggi, wv.sizes(), a.stride, a.padding, a.dilation, a.groups);
    return {dg, dw};
  }
  void release_saved() override {
    grad_output.reset();
    weight.reset();
  }
};

// Node of gw = B_w(g, x): d/dg = conv2d(x, ggw), d/dx = B_in(g, ggw).
struct Conv2dBackwardWeightBackward : Node {
  MICA_NODE_NAME("Conv2dBackwardWeightBackward")
  SavedVariable grad_output, x;
  ConvArgs a;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& ggw = grads[0];
    if (!ggw.defined()) return {Tensor(), Tensor()};
    const Tensor g = grad_output.unpack(*this), xv = x.unpack(*this);
    Tensor dg, dx;
    if (needs_input_grad(0)) dg = conv2d(xv, ggw, {}, a.stride, a.padding, a.dilation, a.groups);
    if (needs_input_grad(1))
      dx = conv2d_backward_input(g, ggw, xv.sizes(), a.stride, a.padding, a.dilation, a.groups);
    return {dg, dx};
  }
  void release_saved() override {
    grad_output.reset();
    x.reset();
  }
};

// conv1d as a height-1 conv2d: x [N, C, L] -> [N, C, 1, L], weight [O, I, k] -> [O, I, 1, k].
struct Conv1dBackward : Node {
  MICA_NODE_NAME("Conv1dBackward")
  SavedVariable x, weight;
  ConvArgs a;  // already the 2-d lists {1, s}, {0, p}, {1, d}
  bool unbatched = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor x4 = x.unpack(*this).unsqueeze(-2), w4 = weight.unpack(*this).unsqueeze(2);
    const Tensor g4 = g.unsqueeze(-2);
    Tensor gx, gw, gb;
    if (needs_input_grad(0))
      gx = conv2d_backward_input(g4, w4, x4.sizes(), a.stride, a.padding, a.dilation, a.groups)
               .squeeze(-2);
    if (needs_input_grad(1))
      gw = conv2d_backward_weight(g4, x4, w4.sizes(), a.stride, a.padding, a.dilation, a.groups)
               .squeeze(2);
    if (needs_input_grad(2)) gb = unbatched ? sum(g, ops::Dims{1}) : sum(g, ops::Dims{0, 2});
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

// out = B_in(x, w) on out's size (plus bias). d/dx = conv2d(g, w), cropped to x's size where
// output_padding >= stride made conv2d's output larger; d/dw = B_w(x, g), with x zero-padded at
// its end to that larger size.
struct ConvTranspose2dBackward : Node {
  MICA_NODE_NAME("ConvTranspose2dBackward")
  SavedVariable x, weight;
  ConvArgs a;
  bool unbatched = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor xv = x.unpack(*this), wv = weight.unpack(*this);
    // conv2d's output size on g: h + floor(output_padding / stride) per spatial dim.
    const auto s = pair_of(a.stride), p = pair_of(a.padding), d = pair_of(a.dilation);
    std::array<int64_t, 2> extra{};
    for (int i = 0; i < 2; ++i) {
      const int64_t in = g.size(g.dim() - 2 + i), k = wv.size(2 + i);
      const int64_t conv_out = (in + 2 * p[i] - d[i] * (k - 1) - 1) / s[i] + 1;
      extra[i] = conv_out - xv.size(xv.dim() - 2 + i);
    }
    Tensor gx, gw, gb;
    if (needs_input_grad(0)) {
      gx = conv2d(g, wv, {}, a.stride, a.padding, a.dilation, a.groups);
      if (extra[0] || extra[1]) gx = pad_hw_end(gx, -extra[0], -extra[1]);
    }
    if (needs_input_grad(1))
      gw = conv2d_backward_weight(pad_hw_end(xv, extra[0], extra[1]), g, wv.sizes(), a.stride,
                                  a.padding, a.dilation, a.groups);
    if (needs_input_grad(2)) gb = bias_grad(g, unbatched);
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

}  // namespace

Tensor conv2d(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  const Tensor x = autocast::lower(x_in), weight = autocast::lower(weight_in),
               bias = autocast::lower(bias_in);
  Tensor out = raw([&] { return ops::conv2d(x, weight, bias, stride, padding, dilation, groups); });
  if (auto node = make_node<Conv2dBackward>({&x, &weight, &bias})) {
    node->a = {stride, padding, dilation, groups};
    node->unbatched = x.dim() == 3;
    node->x = SavedVariable(x, false);
    node->weight = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight,
                             const std::vector<int64_t>& input_sizes,
                             const std::vector<int64_t>& stride,
                             const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups) {
  Tensor out = raw([&] {
    return ops::conv2d_backward_input(grad_output, weight, input_sizes, stride, padding, dilation,
                                      groups);
  });
  if (auto node = make_node<Conv2dBackwardInputBackward>({&grad_output, &weight})) {
    node->a = {stride, padding, dilation, groups};
    node->grad_output = SavedVariable(grad_output, false);
    node->weight = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& x,
                              const std::vector<int64_t>& weight_sizes,
                              const std::vector<int64_t>& stride,
                              const std::vector<int64_t>& padding,
                              const std::vector<int64_t>& dilation, int64_t groups) {
  Tensor out = raw([&] {
    return ops::conv2d_backward_weight(grad_output, x, weight_sizes, stride, padding, dilation,
                                       groups);
  });
  if (auto node = make_node<Conv2dBackwardWeightBackward>({&grad_output, &x})) {
    node->a = {stride, padding, dilation, groups};
    node->grad_output = SavedVariable(grad_output, false);
    node->x = SavedVariable(x, false);
    set_history(out, node);
  }
  return out;
}

Tensor conv1d(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  const Tensor x = autocast::lower(x_in), weight = autocast::lower(weight_in),
               bias = autocast::lower(bias_in);
  Tensor out = raw([&] { return ops::conv1d(x, weight, bias, stride, padding, dilation, groups); });
  if (auto node = make_node<Conv1dBackward>({&x, &weight, &bias})) {
    // The raw op checked that each list has one element.
    node->a = {{1, stride[0]}, {0, padding[0]}, {1, dilation[0]}, groups};
    node->unbatched = x.dim() == 2;
    node->x = SavedVariable(x, false);
    node->weight = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  const Tensor x = autocast::lower(x_in), weight = autocast::lower(weight_in),
               bias = autocast::lower(bias_in);
  Tensor out = raw([&] {
    return ops::conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups,
                                 dilation);
  });
  if (auto node = make_node<ConvTranspose2dBackward>({&x, &weight, &bias})) {
    node->a = {stride, padding, dilation, groups};
    node->unbatched = x.dim() == 3;
    node->x = SavedVariable(x, false);
    node->weight = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
