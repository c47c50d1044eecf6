// nn::Conv1d, nn::Conv2d, nn::ConvTranspose2d: parameters, torch's default initialization and
// forward through the differentiable conv ops (plus Conv2d's attached LoRA delta).
#include "nn/layers/conv.h"

#include <cmath>

#include "autograd/ops/conv.h"
#include "autograd/ops/pointwise.h"
#include "nn/init.h"
#include "nn/lora_conv.h"
#include "tensor/error.h"

namespace mica::nn {

std::vector<int64_t> IntArg::expand(size_t n, const char* who, const char* what) const {
  MICA_CHECK(values.size() == 1 || values.size() == n, who, ": ", what, " must have 1 or ", n,
             " values, got ", values.size());
  return values.size() == n ? values : std::vector<int64_t>(n, values[0]);
}

namespace {

std::string list_str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

// kaiming_uniform(a = sqrt(5)) weight, bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (torch's
// _ConvNd.reset_parameters).
void conv_reset(Tensor& weight, Tensor& bias, Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

void check_channels(const char* who, int64_t in, int64_t out, int64_t groups) {
  MICA_CHECK(groups > 0, who, ": groups must be positive, got ", groups);
  MICA_CHECK(in > 0 && out > 0, who, ": in_channels and out_channels must be positive, got ", in,
             " and ", out);
  MICA_CHECK(in % groups == 0 && out % groups == 0, who, ": in_channels (", in,
             ") and out_channels (", out, ") must be divisible by groups (", groups, ")");
}

std::string conv_repr(int64_t in, int64_t out, const std::vector<int64_t>& k,
                      const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                      const std::vector<int64_t>& dilation, int64_t groups, bool bias,
                      const std::vector<int64_t>* output_padding = nullptr) {
  auto nondefault = [](const std::vector<int64_t>& v, int64_t d) {
    for (int64_t x : v)
      if (x != d) return true;
    return false;
  };
  std::string s = std::to_string(in) + ", " + std::to_string(out) + ", kernel_size=" + list_str(k) +
                  ", stride=" + list_str(stride);
  if (nondefault(padding, 0)) s += ", padding=" + list_str(padding);
  if (nondefault(dilation, 1)) s += ", dilation=" + list_str(dilation);
  if (output_padding && nondefault(*output_padding, 0))
    s += ", output_padding=" + list_str(*output_padding);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias) s += ", bias=False";
  return s;
}

}  // namespace

// ---- Conv1d ----

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, Conv1dOptions o)
    : Module("Conv1d"),
      in_channels(in),
      out_channels(out),
      kernel_size{k},
      stride(o.stride.expand(1, "Conv1d", "stride")),
      padding(o.padding.expand(1, "Conv1d", "padding")),
      dilation(o.dilation.expand(1, "Conv1d", "dilation")),
      groups(o.groups) {
  check_channels("Conv1d", in, out, groups);
  MICA_CHECK(k > 0, "Conv1d: kernel_size must be positive, got ", k);
  weight = register_parameter("weight", empty({out, in / groups, k}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv1d::reset_parameters(Generator* gen) {
  conv_reset(weight, bias, gen);
}

Tensor Conv1d::forward(const Tensor& x) const {
  return conv1d(x, weight, bias, stride, padding, dilation, groups);
}

std::string Conv1d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                   bias.defined());
}

// ---- Conv2d ----

Conv2d::Conv2d(int64_t in, int64_t out, IntArg k, Conv2dOptions o)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k.expand(2, "Conv2d", "kernel_size")),
      stride(o.stride.expand(2, "Conv2d", "stride")),
      padding(o.padding.expand(2, "Conv2d", "padding")),
      dilation(o.dilation.expand(2, "Conv2d", "dilation")),
      groups(o.groups) {
  check_channels("Conv2d", in, out, groups);
  MICA_CHECK(kernel_size[0] > 0 && kernel_size[1] > 0, "Conv2d: kernel_size must be positive, got ",
             list_str(kernel_size));
  weight = register_parameter("weight", empty({out, in / groups, kernel_size[0], kernel_size[1]}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2d::reset_parameters(Generator* gen) {
  conv_reset(weight, bias, gen);
}

Tensor Conv2d::conv(const Tensor& x) const {
  return conv2d(x, weight, bias, stride, padding, dilation, groups);
}

Tensor Conv2d::forward(const Tensor& x) const {
  Tensor y = conv(x);
  if (lora && !lora->merged) y = add(y, lora->delta(x, is_training()));
  return y;
}

std::string Conv2d::extra_repr() const {
  std::string s = conv_repr(in_channels, out_channels, kernel_size, stride, padding, dilation,
                            groups, bias.defined());
  if (lora) s += ", " + lora->repr();
  return s;
}

// ---- ConvTranspose2d ----

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, IntArg k, ConvTranspose2dOptions o)
    : Module("ConvTranspose2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k.expand(2, "ConvTranspose2d", "kernel_size")),
      stride(o.stride.expand(2, "ConvTranspose2d", "stride")),
      padding(o.padding.expand(2, "ConvTranspose2d", "padding")),
      output_padding(o.output_padding.expand(2, "ConvTranspose2d", "output_padding")),
      dilation(o.dilation.expand(2, "ConvTranspose2d", "dilation")),
      groups(o.groups) {
  check_channels("ConvTranspose2d", in, out, groups);
  MICA_CHECK(kernel_size[0] > 0 && kernel_size[1] > 0,
             "ConvTranspose2d: kernel_size must be positive, got ", list_str(kernel_size));
  for (int i = 0; i < 2; ++i)
    MICA_CHECK(output_padding[i] < stride[i] || output_padding[i] < dilation[i],
               "ConvTranspose2d: output_padding ", list_str(output_padding),
               " must be smaller than stride ", list_str(stride), " or dilation ",
               list_str(dilation));
  weight = register_parameter("weight", empty({in, out / groups, kernel_size[0], kernel_size[1]}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void ConvTranspose2d::reset_parameters(Generator* gen) {
  conv_reset(weight, bias, gen);
}

Tensor ConvTranspose2d::forward(const Tensor& x) const {
  return conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                   bias.defined(), &output_padding);
}

}  // namespace mica::nn
