// CPU backend of 2-d upsampling (nearest and bilinear).
#pragma once

#include <optional>

#include "tensor/tensor.h"

namespace mica::cpu {

// x [n, c, h, w] (any strides, floating), out [n, c, oh, ow] contiguous of x's dtype.
// scale_h/scale_w: the user's scale factors when given (the source index then uses 1 / scale,
// as in PyTorch), else in / out.
void upsample_nearest2d(const Tensor& x, const Tensor& out, std::optional<double> scale_h,
                        std::optional<double> scale_w);
void upsample_bilinear2d(const Tensor& x, const Tensor& out, bool align_corners,
                         std::optional<double> scale_h, std::optional<double> scale_w);

}  // namespace mica::cpu
