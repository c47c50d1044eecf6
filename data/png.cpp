// PNG writer through libpng, and the image-grid helper used for sample sheets.
#include "data/png.h"

#include <png.h>

#include <cstdio>
#include <filesystem>

#include "tensor/ops/factory.h"

namespace mica::data {

void write_png(const std::string& path, const Tensor& image_in) {
  MICA_CHECK(image_in.dtype() == kUInt8, "write_png: expected a uint8 image, got ",
             dtype_name(image_in.dtype()));
  MICA_CHECK(image_in.dim() == 2 ||
                 (image_in.dim() == 3 && (image_in.size(2) == 3 || image_in.size(2) == 4)),
             "write_png: expected [H, W], [H, W, 3] or [H, W, 4], got ",
             shape_str(image_in.sizes()));
  const Tensor image = image_in.cpu().contiguous();
  const std::string tmp = path + ".tmp";
  png_image desc{};
  desc.version = PNG_IMAGE_VERSION;
  desc.width = static_cast<png_uint_32>(image.size(1));
  desc.height = static_cast<png_uint_32>(image.size(0));
  const int64_t channels = image.dim() == 2 ? 1 : image.size(2);
  desc.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
  const int ok =
      png_image_write_to_file(&desc, tmp.c_str(), 0, image.data_ptr<uint8_t>(), 0, nullptr);
  if (!ok) {
    std::remove(tmp.c_str());
    MICA_FAIL("write_png: cannot write ", path, ": ", desc.message);
  }
  std::filesystem::rename(tmp, path);
}

Tensor make_grid(const Tensor& images_in, int64_t cols, int64_t pad, uint8_t background) {
  MICA_CHECK(images_in.dim() == 3 && images_in.dtype() == kUInt8,
             "make_grid: expected uint8 [N, H, W], got ", dtype_name(images_in.dtype()), " ",
             shape_str(images_in.sizes()));
  MICA_CHECK(cols > 0 && pad >= 0, "make_grid: cols must be positive and pad non-negative");
  const Tensor images = images_in.cpu().contiguous();
  const int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  const int64_t rows = (n + cols - 1) / cols;
  Tensor grid = full({rows * (h + pad) + pad, cols * (w + pad) + pad}, background, kUInt8);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = pad + (i / cols) * (h + pad), left = pad + (i % cols) * (w + pad);
    grid.narrow(0, top, h).narrow(1, left, w).copy_(images.select(0, i));
  }
  return grid;
}

}  // namespace mica::data
