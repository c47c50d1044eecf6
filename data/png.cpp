// PNG reading and writing through libpng's full API (exact sample values at 8 and 16 bits), and
// the image-grid helper used for sample sheets.
//
// libpng reports errors by longjmp to a setjmp point. The setjmp calls sit in small "stage"
// functions that touch only the plain-data state they are given and own no C++ objects, so no
// destructor is skipped and no local can be clobbered; the C++ callers turn a failed stage into
// a mica::Error.
#include "data/png.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "data/text.h"
#include "tensor/ops/factory.h"

namespace mica::data {

namespace {

// ---- shared error plumbing ----
struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  char message[256] = {};
  // reading: the file's bytes and the read position
  const unsigned char* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  bool truncated = false;
  // what the header stage found (after transforms)
  png_uint_32 width = 0, height = 0;
  int channels = 0, bit_depth = 0, color_type = 0;
  size_t rowbytes = 0;
  size_t stored_rowbytes = 0;  // a row as the file stores it (before expansion)
  // writing
  std::FILE* file = nullptr;
  png_bytepp rows = nullptr;
};

void on_error(png_structp png, png_const_charp msg) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof s->message, "%s", msg != nullptr ? msg : "libpng error");
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // benign (e.g. bad ancillary chunk): ignored

void read_from_memory(png_structp png, png_bytep out, size_t n) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) {
    s->truncated = true;
    png_error(png, "file is truncated");
  }
  std::memcpy(out, s->data + s->pos, n);
  s->pos += n;
}

// ---- reading stages (setjmp points; plain data only) ----
bool read_header_stage(PngState* s, ImageReadMode mode) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_set_read_fn(s->png, s, read_from_memory);
  png_set_user_limits(s->png, 1u << 24, 1u << 24);
  png_read_info(s->png, s->info);
  s->stored_rowbytes = png_get_rowbytes(s->png, s->info);
  const int type = png_get_color_type(s->png, s->info);
  const int depth = png_get_bit_depth(s->png, s->info);
  const bool has_trns = png_get_valid(s->png, s->info, PNG_INFO_tRNS) != 0;
  const bool color = (type & PNG_COLOR_MASK_COLOR) != 0;
  const bool alpha = (type & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s->png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s->png);
  const bool want_color = mode == ImageReadMode::Unchanged
                              ? color
                              : mode == ImageReadMode::RGB || mode == ImageReadMode::RGBA;
  const bool want_alpha = mode == ImageReadMode::Unchanged
                              ? alpha
                              : mode == ImageReadMode::GrayAlpha || mode == ImageReadMode::RGBA;
  if (has_trns && want_alpha) png_set_tRNS_to_alpha(s->png);
  if (alpha && !want_alpha) png_set_strip_alpha(s->png);
  if (!alpha && want_alpha)
    png_set_add_alpha(s->png, depth == 16 ? 0xFFFF : 0xFF, PNG_FILLER_AFTER);
  if (color && !want_color) png_set_rgb_to_gray_fixed(s->png, 1, -1, -1);
  if (!color && want_color) png_set_gray_to_rgb(s->png);
  png_set_interlace_handling(s->png);
  png_read_update_info(s->png, s->info);
  s->width = png_get_image_width(s->png, s->info);
  s->height = png_get_image_height(s->png, s->info);
  s->channels = png_get_channels(s->png, s->info);
  s->bit_depth = png_get_bit_depth(s->png, s->info);
  s->rowbytes = png_get_rowbytes(s->png, s->info);
  return true;
}

bool read_pixels_stage(PngState* s) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_read_image(s->png, s->rows);
  png_read_end(s->png, nullptr);
  return true;
}

// ---- writing stage ----
bool write_stage(PngState* s) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_init_io(s->png, s->file);
  png_set_IHDR(s->png, s->info, s->width, s->height, s->bit_depth, s->color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(s->png, s->info);
  png_write_image(s->png, s->rows);
  png_write_end(s->png, nullptr);
  return true;
}

}  // namespace

Tensor read_png(const std::string& path, ImageReadMode mode) {
  const std::string file = read_file(path);
  MICA_CHECK(
      file.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(file.data()), 0, 8) == 0,
      "read_png: ", path, " is not a PNG file (bad signature)");
  PngState s;
  s.data = reinterpret_cast<const unsigned char*>(file.data());
  s.size = file.size();
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
  MICA_CHECK(s.png != nullptr, "read_png: cannot create a libpng reader");
  s.info = png_create_info_struct(s.png);
  struct Cleanup {
    PngState* s;
    ~Cleanup() {
      png_destroy_read_struct(&s->png, s->info != nullptr ? &s->info : nullptr, nullptr);
    }
  } cleanup{&s};
  MICA_CHECK(s.info != nullptr, "read_png: cannot create a libpng info struct");

  auto fail = [&](const char* stage) {
    if (s.truncated)
      MICA_FAIL("read_png: ", path, ": file is truncated (", s.size, " bytes) while reading the ",
                stage);
    MICA_FAIL("read_png: ", path, ": malformed PNG while reading the ", stage, ": ", s.message);
  };
  if (!read_header_stage(&s, mode)) fail("header");
  const size_t sample_bytes = s.bit_depth == 16 ? 2 : 1;
  MICA_CHECK(s.bit_depth == 8 || s.bit_depth == 16, "read_png: ", path, ": unexpected bit depth ",
             s.bit_depth, " after expansion");
  const uint64_t row = uint64_t{s.width} * static_cast<uint64_t>(s.channels) * sample_bytes;
  MICA_CHECK(s.rowbytes == row, "read_png: ", path, ": unexpected row size ", s.rowbytes);
  // Deflate expands at most ~1032x, so a header promising far more pixels than the file could
  // hold is corrupt; checking first avoids allocating for it.
  const uint64_t raw = (uint64_t{s.stored_rowbytes} + 1) * s.height;
  MICA_CHECK(raw / 1100 <= s.size, "read_png: ", path, ": header declares ", s.width, "x", s.height,
             " pixels, more than its ", s.size, " bytes can hold");

  const int64_t h = s.height, w = s.width, c = s.channels;
  std::vector<unsigned char> wide;  // 16-bit samples, big-endian as stored
  Tensor out = empty({h, w, c}, s.bit_depth == 16 ? kInt32 : kUInt8);
  unsigned char* base = nullptr;
  if (s.bit_depth == 16) {
    wide.resize(static_cast<size_t>(row * s.height));
    base = wide.data();
  } else {
    base = out.data_ptr<uint8_t>();
  }
  std::vector<png_bytep> rows(static_cast<size_t>(h));
  for (int64_t y = 0; y < h; ++y)
    rows[static_cast<size_t>(y)] = base + static_cast<size_t>(y) * row;
  s.rows = rows.data();
  if (!read_pixels_stage(&s)) fail("image data");
  if (s.bit_depth == 16) {
    int32_t* dst = out.data_ptr<int32_t>();
    for (size_t i = 0; i < wide.size() / 2; ++i) dst[i] = (wide[2 * i] << 8) | wide[2 * i + 1];
  }
  return out;
}

void write_png(const std::string& path, const Tensor& image_in) {
  MICA_CHECK(image_in.defined() && (image_in.dtype() == kUInt8 || image_in.dtype() == kInt32),
             "write_png: expected a uint8 (8-bit) or int32 (16-bit) image, got ",
             image_in.defined() ? dtype_name(image_in.dtype()) : "an undefined tensor");
  MICA_CHECK(image_in.dim() == 2 ||
                 (image_in.dim() == 3 && image_in.size(2) >= 1 && image_in.size(2) <= 4),
             "write_png: expected [H, W] or [H, W, C] with C in 1..4, got ",
             shape_str(image_in.sizes()));
  const Tensor image = image_in.cpu().contiguous();
  const int64_t h = image.size(0), w = image.size(1);
  const int64_t c = image.dim() == 2 ? 1 : image.size(2);
  MICA_CHECK(h >= 1 && w >= 1 && h <= (1 << 24) && w <= (1 << 24), "write_png: image size ", h, "x",
             w, " out of range [1, 2^24]");
  const bool wide = image.dtype() == kInt32;
  const size_t row = static_cast<size_t>(w * c) * (wide ? 2 : 1);
  std::vector<unsigned char> be16;  // 16-bit samples in PNG's big-endian order
  unsigned char* base = nullptr;
  if (wide) {
    const int32_t* src = image.data_ptr<int32_t>();
    be16.resize(static_cast<size_t>(image.numel()) * 2);
    for (int64_t i = 0; i < image.numel(); ++i) {
      MICA_CHECK(src[i] >= 0 && src[i] <= 65535, "write_png: 16-bit sample ", src[i],
                 " at flat index ", i, " out of range [0, 65535]");
      be16[static_cast<size_t>(2 * i)] = static_cast<unsigned char>(src[i] >> 8);
      be16[static_cast<size_t>(2 * i + 1)] = static_cast<unsigned char>(src[i] & 0xFF);
    }
    base = be16.data();
  } else {
    base = image.data_ptr<uint8_t>();
  }
  std::vector<png_bytep> rows(static_cast<size_t>(h));
  for (int64_t y = 0; y < h; ++y)
    rows[static_cast<size_t>(y)] = base + static_cast<size_t>(y) * row;

  const std::string tmp = path + ".tmp";
  PngState s;
  s.width = static_cast<png_uint_32>(w);
  s.height = static_cast<png_uint_32>(h);
  s.bit_depth = wide ? 16 : 8;
  s.color_type = c == 1   ? PNG_COLOR_TYPE_GRAY
                 : c == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
                 : c == 3 ? PNG_COLOR_TYPE_RGB
                          : PNG_COLOR_TYPE_RGBA;
  s.rows = rows.data();
  s.file = std::fopen(tmp.c_str(), "wb");
  MICA_CHECK(s.file != nullptr, "write_png: cannot create ", tmp, ": ", std::strerror(errno));
  s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
  s.info = s.png != nullptr ? png_create_info_struct(s.png) : nullptr;
  bool ok = s.info != nullptr && write_stage(&s);
  if (s.png != nullptr) png_destroy_write_struct(&s.png, s.info != nullptr ? &s.info : nullptr);
  ok = std::fclose(s.file) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    MICA_FAIL("write_png: cannot write ", path, ": ",
              s.message[0] != '\0' ? s.message : "libpng or I/O failure");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    MICA_FAIL("write_png: cannot rename ", tmp, " to ", path, ": ", ec.message());
  }
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
