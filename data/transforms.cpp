// Image transforms built from mica's raw ops (pad, flip, narrow, upsample, pointwise math).
#include "data/transforms.h"

#include <cmath>

#include "tensor/ops/conv.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/pointwise.h"
#include "tensor/ops/random.h"
#include "tensor/ops/shape_ops.h"

namespace mica::data::transforms {

namespace {

void check_image(const Tensor& x, const char* fn) {
  MICA_CHECK(x.defined() && x.dim() >= 2, fn, ": expected an image [..., H, W], got ",
             x.defined() ? shape_str(x.sizes()) : "an undefined tensor");
}

std::pair<int64_t, int64_t> crop_size(const std::vector<int64_t>& size, const char* fn) {
  MICA_CHECK(size.size() == 1 || size.size() == 2, fn, ": size must be {h, w} or {s}, got ",
             size.size(), " values");
  const int64_t h = size[0], w = size.size() == 2 ? size[1] : size[0];
  MICA_CHECK(h > 0 && w > 0, fn, ": size must be positive, got ", h, "x", w);
  return {h, w};
}

std::vector<double> per_channel(const std::vector<double>& v, int64_t c, const char* what) {
  MICA_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == c, "normalize: ", what, " has ",
             v.size(), " values for ", c, " channels");
  return v.size() == 1 ? std::vector<double>(static_cast<size_t>(c), v[0]) : v;
}

}  // namespace

Tensor to_tensor(const Tensor& image) {
  MICA_CHECK(image.defined() && (image.dtype() == kUInt8 || image.dtype() == kInt32) &&
                 (image.dim() == 2 || image.dim() == 3),
             "to_tensor: expected a uint8 or int32 image [H, W, C] or [H, W], got ",
             image.defined() ? dtype_name(image.dtype()) : "undefined", " ",
             image.defined() ? shape_str(image.sizes()) : "");
  const Tensor hwc = image.dim() == 2 ? image.unsqueeze(2) : image;
  const double scale = image.dtype() == kUInt8 ? 255.0 : 65535.0;
  return ops::div(hwc.permute({2, 0, 1}).to(kFloat32), scale).contiguous();
}

Tensor normalize(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& std) {
  MICA_CHECK(x.defined() && (x.dim() == 3 || x.dim() == 4) && x.is_floating_point(),
             "normalize: expected a floating [C, H, W] or [N, C, H, W] tensor, got ",
             x.defined() ? dtype_name(x.dtype()) : "undefined", " ",
             x.defined() ? shape_str(x.sizes()) : "");
  const int64_t c = x.size(x.dim() - 3);
  const std::vector<double> m = per_channel(mean, c, "mean"), s = per_channel(std, c, "std");
  for (size_t i = 0; i < s.size(); ++i)
    MICA_CHECK(s[i] != 0.0, "normalize: std of channel ", i, " is zero");
  const TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  const Tensor mt = from_vector(m, {c, 1, 1}, opts), st = from_vector(s, {c, 1, 1}, opts);
  return ops::div(ops::sub(x, mt), st);
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& padding, PaddingMode mode, double fill) {
  check_image(x, "pad");
  MICA_CHECK(padding.size() == 1 || padding.size() == 2 || padding.size() == 4,
             "pad: padding must hold 1, 2 or 4 values, got ", padding.size());
  int64_t l, t, r, b;
  if (padding.size() == 1) {
    l = t = r = b = padding[0];
  } else if (padding.size() == 2) {
    l = r = padding[0];
    t = b = padding[1];
  } else {
    l = padding[0], t = padding[1], r = padding[2], b = padding[3];
  }
  MICA_CHECK(l >= 0 && t >= 0 && r >= 0 && b >= 0, "pad: padding must be non-negative");
  const ops::PadMode m = mode == PaddingMode::Edge      ? ops::PadMode::Replicate
                         : mode == PaddingMode::Reflect ? ops::PadMode::Reflect
                                                        : ops::PadMode::Constant;
  return ops::pad(x, {l, r, t, b}, m, fill);
}

Tensor crop(const Tensor& x, int64_t top, int64_t left, int64_t height, int64_t width) {
  check_image(x, "crop");
  const int64_t H = x.size(-2), W = x.size(-1);
  MICA_CHECK(
      top >= 0 && left >= 0 && height >= 0 && width >= 0 && top + height <= H && left + width <= W,
      "crop: region top=", top, " left=", left, " ", height, "x", width,
      " does not fit an image of ", H, "x", W);
  return x.narrow(-2, top, height).narrow(-1, left, width);
}

Tensor center_crop(const Tensor& x_in, const std::vector<int64_t>& size) {
  check_image(x_in, "center_crop");
  const auto [h, w] = crop_size(size, "center_crop");
  Tensor x = x_in;
  if (h > x.size(-2) || w > x.size(-1)) {
    const int64_t dh = std::max<int64_t>(h - x.size(-2), 0),
                  dw = std::max<int64_t>(w - x.size(-1), 0);
    x = pad(x, {dw / 2, dh / 2, (dw + 1) / 2, (dh + 1) / 2});
  }
  const auto top = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(-2) - h) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(-1) - w) / 2.0));
  return crop(x, top, left, h, w);
}

Tensor random_crop(const Tensor& x_in, const std::vector<int64_t>& size, RandomCropOptions opts,
                   Generator* gen) {
  check_image(x_in, "random_crop");
  const auto [h, w] = crop_size(size, "random_crop");
  Tensor x = opts.padding.empty() ? x_in : pad(x_in, opts.padding, opts.padding_mode, opts.fill);
  if (opts.pad_if_needed && x.size(-1) < w) {
    const int64_t d = w - x.size(-1);
    x = pad(x, {d, 0, d, 0}, opts.padding_mode, opts.fill);
  }
  if (opts.pad_if_needed && x.size(-2) < h) {
    const int64_t d = h - x.size(-2);
    x = pad(x, {0, d, 0, d}, opts.padding_mode, opts.fill);
  }
  const int64_t H = x.size(-2), W = x.size(-1);
  MICA_CHECK(h <= H && w <= W, "random_crop: crop ", h, "x", w, " is larger than the image ", H,
             "x", W, " (set pad_if_needed or padding)");
  const int64_t top = randint(0, H - h + 1, {1}, std::nullopt, gen).item<int64_t>();
  const int64_t left = randint(0, W - w + 1, {1}, std::nullopt, gen).item<int64_t>();
  return crop(x, top, left, h, w);
}

Tensor horizontal_flip(const Tensor& x) {
  check_image(x, "horizontal_flip");
  return ops::flip(x, {-1});
}

Tensor random_horizontal_flip(const Tensor& x, double p, Generator* gen) {
  check_image(x, "random_horizontal_flip");
  MICA_CHECK(p >= 0 && p <= 1, "random_horizontal_flip: p must be in [0, 1], got ", p);
  const double u = rand({1}, TensorOptions(kFloat64), gen).item<double>();
  return u < p ? horizontal_flip(x) : x;
}

Tensor resize(const Tensor& x, const std::vector<int64_t>& size, InterpolationMode mode) {
  MICA_CHECK(x.defined() && (x.dim() == 3 || x.dim() == 4) && x.is_floating_point(),
             "resize: expected a floating [C, H, W] or [N, C, H, W] tensor, got ",
             x.defined() ? dtype_name(x.dtype()) : "undefined", " ",
             x.defined() ? shape_str(x.sizes()) : "");
  MICA_CHECK(size.size() == 1 || size.size() == 2, "resize: size must be {h, w} or {s}, got ",
             size.size(), " values");
  const int64_t H = x.size(-2), W = x.size(-1);
  int64_t h, w;
  if (size.size() == 2) {
    h = size[0], w = size[1];
  } else if (H <= W) {
    h = size[0], w = static_cast<int64_t>(static_cast<double>(size[0]) * W / H);
  } else {
    w = size[0], h = static_cast<int64_t>(static_cast<double>(size[0]) * H / W);
  }
  MICA_CHECK(h > 0 && w > 0, "resize: output size ", h, "x", w, " must be positive");
  const Tensor batched = x.dim() == 3 ? x.unsqueeze(0) : x;
  const Tensor out = mode == InterpolationMode::Nearest
                         ? ops::upsample_nearest2d(batched, std::vector<int64_t>{h, w})
                         : ops::upsample_bilinear2d(batched, std::vector<int64_t>{h, w}, false);
  return x.dim() == 3 ? out.squeeze(0) : out;
}

Tensor Compose::operator()(const Tensor& x) const {
  Tensor y = x;
  for (const Transform& t : transforms_) y = t(y);
  return y;
}

}  // namespace mica::data::transforms
