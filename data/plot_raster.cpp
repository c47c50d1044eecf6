// Canvas drawing for mica's plots: rectangles, coverage-based anti-aliased polylines and
// bitmap-font text (see plot_raster.h).
#include "data/plot_raster.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/ops/factory.h"

namespace mica::data::raster {
namespace {

// Distance from (px, py) to the segment (ax, ay)-(bx, by).
double segment_distance(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = ax + t * dx - px, ey = ay + t * dy - py;
  return std::sqrt(ex * ex + ey * ey);
}

// Calls f(code point's first byte) once per UTF-8 code point; continuation bytes are skipped.
template <class F>
void for_each_char(std::string_view s, F&& f) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) f(c);
  }
}

// floor/ceil of v as an int clamped to [lo, hi] (safe for values far outside int's range).
int floor_in(double v, int lo, int hi) {
  return static_cast<int>(
      std::clamp(std::floor(v), static_cast<double>(lo), static_cast<double>(hi)));
}
int ceil_in(double v, int lo, int hi) {
  return static_cast<int>(
      std::clamp(std::ceil(v), static_cast<double>(lo), static_cast<double>(hi)));
}

}  // namespace

Canvas::Canvas(int width, int height, Color background)
    : w_(width), h_(height), cx0_(0), cy0_(0), cx1_(width), cy1_(height) {
  MICA_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384,
             "Canvas: size must be in [1, 16384], got ", width, "x", height);
  rgb_.resize(static_cast<size_t>(w_) * h_ * 3);
  for (size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
}

void Canvas::blend(int x, int y, Color c, double a) {
  if (x < 0 || y < 0 || x >= w_ || y >= h_ || a <= 0) return;
  uint8_t* p = &rgb_[(static_cast<size_t>(y) * w_ + x) * 3];
  a = std::min(a, 1.0);
  const uint8_t src[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = static_cast<uint8_t>(std::lround(src[k] * a + p[k] * (1 - a)));
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha) {
  const int ix0 = std::max(0, static_cast<int>(std::ceil(x0 - 0.5)));
  const int iy0 = std::max(0, static_cast<int>(std::ceil(y0 - 0.5)));
  const int ix1 = std::min(w_, static_cast<int>(std::ceil(x1 - 0.5)));
  const int iy1 = std::min(h_, static_cast<int>(std::ceil(y1 - 0.5)));
  for (int y = iy0; y < iy1; ++y)
    for (int x = ix0; x < ix1; ++x) blend(x, y, c, alpha);
}

void Canvas::clip(double x0, double y0, double x1, double y1) {
  cx0_ = std::max(0.0, x0);
  cy0_ = std::max(0.0, y0);
  cx1_ = std::min<double>(w_, x1);
  cy1_ = std::min<double>(h_, y1);
}

void Canvas::polyline(const std::vector<std::pair<double, double>>& points, double width, Color c) {
  if (cover_.empty()) cover_.assign(static_cast<size_t>(w_) * h_, 0.f);
  const double r = std::max(width, 0.5) / 2;
  const int clip_x0 = static_cast<int>(std::ceil(cx0_ - 0.5));
  const int clip_y0 = static_cast<int>(std::ceil(cy0_ - 0.5));
  const int clip_x1 = static_cast<int>(std::ceil(cx1_ - 0.5));
  const int clip_y1 = static_cast<int>(std::ceil(cy1_ - 0.5));
  int tx0 = w_, ty0 = h_, tx1 = 0, ty1 = 0;  // touched box
  auto finite = [](const std::pair<double, double>& p) {
    return std::isfinite(p.first) && std::isfinite(p.second);
  };
  for (size_t i = 0; i < points.size(); ++i) {
    if (!finite(points[i])) continue;
    // A segment to the next point, or a dot for an isolated point.
    const auto a = points[i];
    const bool has_next = i + 1 < points.size() && finite(points[i + 1]);
    const bool isolated = !has_next && (i == 0 || !finite(points[i - 1]));
    if (!has_next && !isolated) continue;
    const auto b = has_next ? points[i + 1] : a;
    // The segment's box within the clip (points far outside the canvas are fine).
    const int x0 = floor_in(std::min(a.first, b.first) - r - 1, clip_x0, clip_x1);
    const int x1 = ceil_in(std::max(a.first, b.first) + r + 1, clip_x0, clip_x1);
    const int y0 = floor_in(std::min(a.second, b.second) - r - 1, clip_y0, clip_y1);
    const int y1 = ceil_in(std::max(a.second, b.second) + r + 1, clip_y0, clip_y1);
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        const double d = segment_distance(x + 0.5, y + 0.5, a.first, a.second, b.first, b.second);
        const auto cov = static_cast<float>(std::clamp(r + 0.5 - d, 0.0, 1.0));
        float& slot = cover_[static_cast<size_t>(y) * w_ + x];
        slot = std::max(slot, cov);
      }
    }
    if (x0 < x1 && y0 < y1) {
      tx0 = std::min(tx0, x0);
      ty0 = std::min(ty0, y0);
      tx1 = std::max(tx1, x1);
      ty1 = std::max(ty1, y1);
    }
  }
  for (int y = ty0; y < ty1; ++y) {
    for (int x = tx0; x < tx1; ++x) {
      float& slot = cover_[static_cast<size_t>(y) * w_ + x];
      if (slot > 0) blend(x, y, c, slot);
      slot = 0;
    }
  }
}

int Canvas::text_width(std::string_view s, int scale) {
  int n = 0;
  for_each_char(s, [&](unsigned char) { ++n; });
  return n == 0 ? 0 : (n * kCellCols - 1) * scale;
}

void Canvas::text(int x, int y, std::string_view s, int scale, Color c, bool vertical) {
  int pen = 0;  // in font columns
  for_each_char(s, [&](unsigned char ch) {
    const auto& rows = glyph(ch < 0x80 ? ch : 0xFF);
    for (int r = 0; r < kGlyphRows; ++r) {
      for (int col = 0; col < kGlyphCols; ++col) {
        if (!(rows[r] >> (kGlyphCols - 1 - col) & 1)) continue;
        const int px = vertical ? x + r * scale : x + (pen + col) * scale;
        const int py = vertical ? y - (pen + col + 1) * scale : y + r * scale;
        for (int dy = 0; dy < scale; ++dy)
          for (int dx = 0; dx < scale; ++dx) blend(px + dx, py + dy, c, 1.0);
      }
    }
    pen += kCellCols;
  });
}

Color Canvas::at(int x, int y) const {
  const uint8_t* p = &rgb_[(static_cast<size_t>(y) * w_ + x) * 3];
  return {p[0], p[1], p[2]};
}

Tensor Canvas::to_tensor() const {
  Tensor t = empty({h_, w_, 3}, kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), rgb_.data(), rgb_.size());
  return t;
}

}  // namespace mica::data::raster
