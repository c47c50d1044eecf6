// Image transforms (torchvision.transforms.functional semantics): uint8 HWC images to float CHW
// tensors, per-channel normalization, padding, center/random crops, seeded random horizontal
// flips, nearest/bilinear resizing, and Compose to chain them.
//
// Images are [C, H, W] (or batches [N, C, H, W]) floating tensors unless stated; crops, flips and
// padding act on the last two dims of any tensor with at least two. Random transforms draw from
// the Generator given (null: mica's default CPU generator), so a seeded generator reproduces them.
#pragma once

#include <functional>
#include <vector>

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica::data::transforms {

// image: [H, W, C] or [H, W], uint8 (scaled by 1/255) or int32 16-bit samples (by 1/65535, as
// read_png returns them) -> float32 [C, H, W] in [0, 1] (C = 1 for [H, W]).
Tensor to_tensor(const Tensor& image);

// x: [C, H, W] or [N, C, H, W] floating -> (x - mean[c]) / std[c] per channel. mean and std
// hold C values, or one value for every channel; std must be nonzero.
Tensor normalize(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& std);

// torchvision's padding modes (its "symmetric" is not offered).
enum class PaddingMode {
  Constant,  // fill value
  Edge,      // repeat the edge pixel
  Reflect,   // mirror without repeating the edge (padding < size)
};
// x: [..., H, W]. padding: {all}, {left/right, top/bottom} or {left, top, right, bottom}
// (torchvision's order), non-negative. Constant mode fills with fill.
Tensor pad(const Tensor& x, const std::vector<int64_t>& padding,
           PaddingMode mode = PaddingMode::Constant, double fill = 0);

// x: [..., H, W] -> [..., size[0], size[1]] ({s}: a square) cut from the center (the top-left
// corner at round((H - h) / 2), round((W - w) / 2), halves rounding to even like Python). A crop
// larger than the image zero-pads it first, as torchvision does.
Tensor center_crop(const Tensor& x, const std::vector<int64_t>& size);

// x: [..., H, W] -> x[..., top : top + h, left : left + w] (a view).
Tensor crop(const Tensor& x, int64_t top, int64_t left, int64_t height, int64_t width);

struct RandomCropOptions {
  std::vector<int64_t> padding = {};  // applied first, as in pad(); empty: none
  bool pad_if_needed = false;         // pad (each side as needed) when the image is smaller
  double fill = 0;
  PaddingMode padding_mode = PaddingMode::Constant;
};
// x: [..., H, W] -> [..., h, w] at a uniformly random position: top from randint(0, H - h + 1),
// then left from randint(0, W - w + 1), each one draw of gen.
Tensor random_crop(const Tensor& x, const std::vector<int64_t>& size, RandomCropOptions opts = {},
                   Generator* gen = nullptr);

// x: [..., H, W] -> x with its last dim reversed.
Tensor horizontal_flip(const Tensor& x);
// x: [..., H, W] -> horizontal_flip(x) when one uniform draw of gen is < p, else x itself.
Tensor random_horizontal_flip(const Tensor& x, double p = 0.5, Generator* gen = nullptr);

enum class InterpolationMode { Nearest, Bilinear };
// x: [C, H, W] or [N, C, H, W] floating -> [..., h, w]. size {h, w}, or {s}: the smaller edge
// becomes s and the other keeps the aspect ratio (int(s * long / short), as torchvision).
// Nearest takes source pixel floor(dst * H / h); Bilinear uses half-pixel centers
// (align_corners = false) without antialiasing.
Tensor resize(const Tensor& x, const std::vector<int64_t>& size,
              InterpolationMode mode = InterpolationMode::Bilinear);

using Transform = std::function<Tensor(const Tensor&)>;
// Applies its transforms in order: Compose({to_tensor, [](auto& x) { return ...; }})(image).
class Compose {
 public:
  explicit Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {}
  Tensor operator()(const Tensor& x) const;

 private:
  std::vector<Transform> transforms_;
};

}  // namespace mica::data::transforms
