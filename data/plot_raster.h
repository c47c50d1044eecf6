// A small RGB raster canvas for mica's plots: filled rectangles, anti-aliased polylines of any
// width (coverage from the distance to each segment), and text in mica's 5x7 bitmap font.
// Internal to mica_data; plot.h is the public API.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "data/plot.h"  // Color
#include "tensor/tensor.h"

namespace mica::data::raster {

constexpr int kGlyphCols = 5, kGlyphRows = 9;  // 7 rows above the baseline, 2 below
constexpr int kCellCols = 6, kCellRows = 10;   // with one column/row of spacing
// Bit (kGlyphCols - 1 - col) of row r is ink. Non-ASCII bytes get a hollow box.
const std::array<uint8_t, kGlyphRows>& glyph(unsigned char c);

class Canvas {
 public:
  Canvas(int width, int height, Color background);
  int width() const { return w_; }
  int height() const { return h_; }

  // Fills pixels whose centers lie in [x0, x1) x [y0, y1).
  void fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha = 1.0);
  // Sets the clip rectangle for polylines (pixel centers inside [x0, x1) x [y0, y1)).
  void clip(double x0, double y0, double x1, double y1);
  // Anti-aliased polyline with round joins/caps; a NaN point breaks the line. One blend per
  // pixel (maximum coverage over the segments), so joins do not darken.
  void polyline(const std::vector<std::pair<double, double>>& points, double width, Color c);

  // Text with its top-left corner at (x, y), each font pixel a scale x scale block. vertical:
  // rotated 90 degrees counter-clockwise (reads bottom to top), (x, y) its bottom-left corner.
  void text(int x, int y, std::string_view s, int scale, Color c, bool vertical = false);
  static int text_width(std::string_view s, int scale);  // in pixels (advance, no trailing gap)
  static int text_height(int scale) { return kGlyphRows * scale; }

  Color at(int x, int y) const;  // the pixel at column x, row y (inside the canvas)
  // [H, W, 3] uint8
  Tensor to_tensor() const;

 private:
  void blend(int x, int y, Color c, double a);
  int w_, h_;
  std::vector<uint8_t> rgb_;
  std::vector<float> cover_;  // scratch for polyline coverage
  double cx0_, cy0_, cx1_, cy1_;
};

}  // namespace mica::data::raster
