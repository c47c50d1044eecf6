// PNG writing (libpng): grayscale, RGB or RGBA 8-bit images, and image grids for samples.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace mica::data {

// image: [H, W] (gray), [H, W, 3] (RGB) or [H, W, 4] (RGBA), uint8. Written atomically
// (temporary file, then rename).
void write_png(const std::string& path, const Tensor& image);

// images: [N, H, W] uint8 -> one [rows*(H+pad)+pad, cols*(W+pad)+pad] grid image, cols per row.
Tensor make_grid(const Tensor& images, int64_t cols, int64_t pad = 2, uint8_t background = 0);

}  // namespace mica::data
