// nn::MaxPool2d, nn::AvgPool2d, nn::AdaptiveAvgPool2d, nn::Upsample: argument handling and
// forward through the differentiable pooling / upsampling ops.
#include "nn/layers/pooling.h"

#include <sstream>

#include "autograd/ops/conv.h"
#include "tensor/error.h"

namespace mica::nn {

namespace {

std::string list_str(const std::vector<int64_t>& v) {
  if (v.size() == 2 && v[0] == v[1]) return std::to_string(v[0]);
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + ")";
}

std::vector<int64_t> stride_or_kernel(const std::optional<IntArg>& stride,
                                      const std::vector<int64_t>& kernel, const char* who) {
  return stride ? stride->expand(2, who, "stride") : kernel;
}

}  // namespace

// ---- MaxPool2d ----

MaxPool2d::MaxPool2d(IntArg k, MaxPool2dOptions o)
    : Module("MaxPool2d"),
      kernel_size(k.expand(2, "MaxPool2d", "kernel_size")),
      stride(stride_or_kernel(o.stride, kernel_size, "MaxPool2d")),
      padding(o.padding.expand(2, "MaxPool2d", "padding")),
      dilation(o.dilation.expand(2, "MaxPool2d", "dilation")),
      ceil_mode(o.ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& x) const {
  return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) const {
  return max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + list_str(kernel_size) + ", stride=" + list_str(stride) +
         ", padding=" + list_str(padding) + ", dilation=" + list_str(dilation) +
         ", ceil_mode=" + (ceil_mode ? "True" : "False");
}

// ---- AvgPool2d ----

AvgPool2d::AvgPool2d(IntArg k, AvgPool2dOptions o)
    : Module("AvgPool2d"),
      kernel_size(k.expand(2, "AvgPool2d", "kernel_size")),
      stride(stride_or_kernel(o.stride, kernel_size, "AvgPool2d")),
      padding(o.padding.expand(2, "AvgPool2d", "padding")),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      divisor_override(o.divisor_override) {}

Tensor AvgPool2d::forward(const Tensor& x) const {
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + list_str(kernel_size) + ", stride=" + list_str(stride) +
         ", padding=" + list_str(padding);
}

// ---- AdaptiveAvgPool2d ----

AdaptiveAvgPool2d::AdaptiveAvgPool2d(IntArg output)
    : Module("AdaptiveAvgPool2d"),
      output_size(output.expand(2, "AdaptiveAvgPool2d", "output_size")) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) const {
  return adaptive_avg_pool2d(x, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + list_str(output_size);
}

// ---- Upsample ----

Upsample::Upsample(UpsampleOptions o)
    : Module("Upsample"),
      scale_factor(std::move(o.scale_factor)),
      mode(std::move(o.mode)),
      align_corners(o.align_corners) {
  if (o.size) size = o.size->expand(2, "Upsample", "size");
  MICA_CHECK(size.has_value() != scale_factor.has_value(),
             "Upsample: exactly one of size and scale_factor must be given");
  MICA_CHECK(mode == "nearest" || mode == "bilinear",
             "Upsample: mode must be 'nearest' or 'bilinear', got '", mode, "'");
  MICA_CHECK(!(align_corners && mode == "nearest"),
             "Upsample: align_corners only applies to mode 'bilinear'");
  if (scale_factor) {
    MICA_CHECK(scale_factor->size() == 1 || scale_factor->size() == 2,
               "Upsample: scale_factor must have 1 or 2 values, got ", scale_factor->size());
    if (scale_factor->size() == 1) scale_factor->push_back((*scale_factor)[0]);
  }
}

Tensor Upsample::forward(const Tensor& x) const {
  if (mode == "nearest") return upsample_nearest2d(x, size, scale_factor);
  return upsample_bilinear2d(x, size, align_corners.value_or(false), scale_factor);
}

std::string Upsample::extra_repr() const {
  std::ostringstream os;
  if (size)
    os << "size=" << list_str(*size);
  else
    os << "scale_factor=" << (*scale_factor)[0];
  os << ", mode='" << mode << "'";
  return os.str();
}

}  // namespace mica::nn
