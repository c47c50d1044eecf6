// PNG reading and writing (libpng): grayscale, gray + alpha, RGB and RGBA images at 8 and 16
// bits per sample, and image grids for sample sheets.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace mica::data {

// Channel layout read_png returns (torchvision's ImageReadMode).
enum class ImageReadMode {
  Unchanged,  // as stored: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA (palette -> RGB/RGBA)
  Gray,       // 1 channel (color converted with libpng's default luminance weights)
  GrayAlpha,  // 2 channels (opaque alpha added when the file has none)
  RGB,        // 3 channels (alpha dropped)
  RGBA,       // 4 channels (opaque alpha added)
};

// Returns [H, W, C] (C from mode; C = 1 for gray files read Unchanged). Sample values are the
// stored ones, without gamma correction: files of 1 to 8 bits per sample give uint8 (low bit
// depths are scaled up to 0..255, palettes expanded, a tRNS chunk becomes an alpha channel);
// 16-bit files give int32 in 0..65535 (mica has no uint16). Malformed or truncated files throw
// mica::Error naming the path and libpng's reason; the file must end with its IEND chunk.
Tensor read_png(const std::string& path, ImageReadMode mode = ImageReadMode::Unchanged);

// image: [H, W] (gray) or [H, W, C] with C = 1 (gray), 2 (gray + alpha), 3 (RGB), 4 (RGBA);
// uint8 is written with 8 bits per sample, int32 (values 0..65535) with 16 bits. Written
// atomically (temporary file, then rename); read_png gives the same values back.
void write_png(const std::string& path, const Tensor& image);

// images: [N, H, W] uint8 -> one [rows*(H+pad)+pad, cols*(W+pad)+pad] grid image, cols per row.
Tensor make_grid(const Tensor& images, int64_t cols, int64_t pad = 2, uint8_t background = 0);

}  // namespace mica::data
