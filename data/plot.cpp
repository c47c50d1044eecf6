// Line plots of metrics, drawn by mica's own small rasterizer (plot_raster.h) and written with
// mica's PNG writer.
//
// Why our own rasterizer rather than a library such as cairo: a loss-curve plot needs only
// anti-aliased polylines, rectangles and short ASCII labels, which take a few hundred lines
// (coverage from the distance to each segment; a built-in 5x7 bitmap font). In exchange mica
// gains no dependency: libcairo2-dev would pull in fontconfig, freetype, pixman and X11
// development packages for every build and every find_package(mica) user, and cairo's text
// goes through whatever fonts fontconfig finds, so the same plot would differ from machine to
// machine. mica's plots are the same bytes everywhere, which lets tests check exact pixels.
// The cost is plainer text (a pixel font, no kerning or Unicode beyond a placeholder box).
#include "data/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "data/plot_raster.h"
#include "data/png.h"
#include "tensor/error.h"

namespace mica::data {
namespace {

using raster::Canvas;

constexpr int64_t kMinSmoothPoints = 30;  // sparser series are drawn as they are
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Color kWhite{255, 255, 255}, kInk{40, 40, 40}, kGrid{232, 232, 232},
    kFrame{110, 110, 110};

// Trims a printf result: "-0" -> "0", "1e-05" -> "1e-5", "2.50e+06" -> "2.5e6".
std::string tidy(std::string s) {
  const size_t e = s.find('e');
  std::string mant = e == std::string::npos ? s : s.substr(0, e);
  std::string expo = e == std::string::npos ? "" : s.substr(e + 1);
  if (mant.find('.') != std::string::npos && !expo.empty()) {
    while (mant.back() == '0') mant.pop_back();
    if (mant.back() == '.') mant.pop_back();
  }
  if (!expo.empty()) {
    const bool neg = expo[0] == '-';
    size_t i = expo[0] == '-' || expo[0] == '+' ? 1 : 0;
    while (i + 1 < expo.size() && expo[i] == '0') ++i;
    s = mant;
    s += neg ? "e-" : "e";
    s.append(expo, i, std::string::npos);
  } else {
    s = mant;
  }
  if (s == "-0") s = "0";
  return s;
}

// A label for a tick of a linear axis with spacing `step`.
std::string linear_label(double v, double step, double max_abs) {
  if (std::abs(v) < step * 1e-9) v = 0;
  char buf[64];
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (max_abs >= 1e6 || (max_abs > 0 && max_abs < 1e-3) || decimals > 6) {
    if (v == 0) return "0";
    // Mantissa digits that resolve the step: the exponents' difference.
    const int digits = std::clamp(static_cast<int>(std::floor(std::log10(max_abs) + 1e-9) -
                                                   std::floor(std::log10(step) + 1e-9)),
                                  0, 6);
    std::snprintf(buf, sizeof buf, "%.*e", digits, v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return tidy(buf);
}

std::string log_label(double v) {
  char buf[64];
  if (v >= 1e-3 && v < 1e5) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return tidy(buf);
  }
  std::snprintf(buf, sizeof buf, "%.0e", v);
  return tidy(buf);
}

double nice_step(double range, int target) {
  const double raw = range / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

struct Ticks {
  std::vector<double> at;  // data values
  std::vector<std::string> labels;
};

Ticks linear_ticks(double lo, double hi, int target) {
  Ticks t;
  const double step = nice_step(hi - lo, target);
  const double max_abs = std::max(std::abs(lo), std::abs(hi));
  const double first = std::ceil(lo / step - 1e-9);
  for (int i = 0; i < 100; ++i) {
    const double v = (first + i) * step;
    if (v > hi + step * 1e-9) break;
    t.at.push_back(v);
    t.labels.push_back(linear_label(v, step, max_abs));
  }
  return t;
}

Ticks log_ticks(double lo, double hi, int target) {
  Ticks t;
  const int k0 = static_cast<int>(std::floor(std::log10(lo))),
            k1 = static_cast<int>(std::ceil(std::log10(hi)));
  const int decades = k1 - k0;
  const int every = std::max(1, (decades + target - 1) / std::max(target, 1));
  for (int k = k0; k <= k1; ++k) {
    const double v = std::pow(10.0, k);
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && (k - k0) % every == 0) t.at.push_back(v);
  }
  if (t.at.size() < 3 && decades <= 3) {  // narrow range: 1-2-5 multiples too
    t.at.clear();
    for (int k = k0; k <= k1; ++k)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, k);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.at.push_back(v);
      }
  }
  if (t.at.size() < 2) return linear_ticks(lo, hi, target);  // within one 1-2-5 step
  for (double v : t.at) t.labels.push_back(log_label(v));
  return t;
}

// Exponential moving average with bias correction (early points are not pulled towards 0).
std::vector<double> smoothed(const std::vector<double>& y, double w) {
  std::vector<double> out(y.size(), NAN);
  double acc = 0, weight = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    acc = w * acc + (1 - w) * y[i];
    weight = w * weight + (1 - w);
    out[i] = acc / weight;
  }
  return out;
}

Color lighten(Color c, double keep) {
  auto mix = [&](uint8_t v) {
    return static_cast<uint8_t>(std::lround(v * keep + 255 * (1 - keep)));
  };
  return {mix(c.r), mix(c.g), mix(c.b)};
}

}  // namespace

Color palette_color(int64_t i) {
  static constexpr Color kPalette[10] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return kPalette[((i % 10) + 10) % 10];
}

double PlotFrame::px(double x) const {
  return left + (x - x_min) / (x_max - x_min) * (right - left);
}

double PlotFrame::py(double y) const {
  const double t =
      log_y ? (std::log10(y) - std::log10(y_min)) / (std::log10(y_max) - std::log10(y_min))
            : (y - y_min) / (y_max - y_min);
  return bottom - t * (bottom - top);
}

Tensor plot_lines(const std::vector<Series>& series, const PlotOptions& opt, PlotFrame* frame_out) {
  MICA_CHECK(opt.width >= 160 && opt.height >= 120 && opt.width <= 16384 && opt.height <= 16384,
             "plot_lines: size must be at least 160x120 and at most 16384x16384, got ", opt.width,
             "x", opt.height);
  MICA_CHECK(opt.font_scale >= 1 && opt.font_scale <= 8,
             "plot_lines: font_scale must be in [1, 8], got ", opt.font_scale);
  MICA_CHECK(opt.smooth >= 0 && opt.smooth < 1, "plot_lines: smooth must be in [0, 1), got ",
             opt.smooth);
  MICA_CHECK(opt.line_width > 0 && opt.line_width <= 50,
             "plot_lines: line_width must be in (0, 50], got ", opt.line_width);
  for (size_t i = 0; i < series.size(); ++i)
    MICA_CHECK(series[i].x.size() == series[i].y.size(), "plot_lines: series ", i, " (\"",
               series[i].name, "\") has ", series[i].x.size(), " x values and ", series[i].y.size(),
               " y values");

  // Data ranges over the points that can be drawn.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double x_lo = kInf, x_hi = -kInf, y_lo = kInf, y_hi = -kInf;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (opt.log_y && s.y[i] <= 0)) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
    }
  if (x_lo > x_hi) {  // nothing to draw: an empty frame
    x_lo = 0, x_hi = 1;
    y_lo = opt.log_y ? 1 : 0, y_hi = opt.log_y ? 10 : 1;
  }
  if (x_lo == x_hi) x_lo -= 1, x_hi += 1;
  if (opt.log_y) {
    if (y_lo == y_hi) y_lo /= 2, y_hi *= 2;
    const double margin = (std::log10(y_hi) - std::log10(y_lo)) * 0.05;
    y_lo /= std::pow(10.0, margin), y_hi *= std::pow(10.0, margin);
  } else {
    if (y_lo == y_hi) {
      const double d = y_lo == 0 ? 1 : std::abs(y_lo) * 0.1;
      y_lo -= d, y_hi += d;
    }
    const double margin = (y_hi - y_lo) * 0.05;
    y_lo -= margin, y_hi += margin;
  }

  // Layout: margins from the label sizes.
  const int s = opt.font_scale, th = Canvas::text_height(s), body = 7 * s;
  const int pad = 4 * s + 4, tick = 2 * s + 2;
  const int W = static_cast<int>(opt.width), H = static_cast<int>(opt.height);
  const int top = pad + (opt.title.empty() ? 0 : th + pad);
  const int bottom = H - (pad + tick + s + th + (opt.xlabel.empty() ? 0 : pad / 2 + th));
  const int y_target = std::clamp((bottom - top) / (4 * th), 2, 8);
  const Ticks yt = opt.log_y ? log_ticks(y_lo, y_hi, y_target) : linear_ticks(y_lo, y_hi, y_target);
  int ylab_w = 0;
  for (const auto& l : yt.labels) ylab_w = std::max(ylab_w, Canvas::text_width(l, s));
  const int left = pad + (opt.ylabel.empty() ? 0 : body + pad) + ylab_w + tick + s;
  // x ticks: as many as fit with two characters of space between labels.
  Ticks xt;
  int right = W - pad;
  for (int target = 10; target >= 2; --target) {
    xt = linear_ticks(x_lo, x_hi, target);
    int widest = 0;
    for (const auto& l : xt.labels) widest = std::max(widest, Canvas::text_width(l, s));
    right = W - pad - widest / 2;
    const double spacing =
        xt.at.size() < 2 ? 1e9 : (xt.at[1] - xt.at[0]) / (x_hi - x_lo) * (right - left);
    if (spacing >= widest + 2 * raster::kCellCols * s) break;
  }
  MICA_CHECK(right - left >= 40 && bottom - top >= 40, "plot_lines: ", opt.width, "x", opt.height,
             " leaves no room for the plot at font_scale ", s);

  PlotFrame f{static_cast<double>(left),
              static_cast<double>(top),
              static_cast<double>(right),
              static_cast<double>(bottom),
              x_lo,
              x_hi,
              y_lo,
              y_hi,
              opt.log_y};
  Canvas c(W, H, kWhite);

  // Grid, then the series clipped to the plot area, then frame, ticks and labels on top.
  for (double v : yt.at) c.fill_rect(left, f.py(v) - 0.5, right, f.py(v) + 0.5, kGrid);
  for (double v : xt.at) c.fill_rect(f.px(v) - 0.5, top, f.px(v) + 0.5, bottom, kGrid);
  c.clip(left, top, right, bottom);
  auto to_pixels = [&](const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<std::pair<double, double>> pts(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const bool ok = std::isfinite(x[i]) && std::isfinite(y[i]) && (!opt.log_y || y[i] > 0);
      pts[i] = ok ? std::make_pair(f.px(x[i]), f.py(y[i])) : std::make_pair(kNaN, kNaN);
    }
    return pts;
  };
  std::vector<Color> colors;
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& sr = series[i];
    const Color col = sr.color.value_or(palette_color(static_cast<int64_t>(i)));
    colors.push_back(col);
    const auto points =
        std::count_if(sr.y.begin(), sr.y.end(), [](double v) { return std::isfinite(v); });
    if (opt.smooth > 0 && points >= kMinSmoothPoints) {
      c.polyline(to_pixels(sr.x, sr.y), std::max(1.0, opt.line_width / 2), lighten(col, 0.3));
      c.polyline(to_pixels(sr.x, smoothed(sr.y, opt.smooth)), opt.line_width, col);
    } else {
      c.polyline(to_pixels(sr.x, sr.y), opt.line_width, col);
    }
  }
  c.clip(0, 0, W, H);
  c.fill_rect(left - 1, top - 1, right + 1, top, kFrame);
  c.fill_rect(left - 1, bottom, right + 1, bottom + 1, kFrame);
  c.fill_rect(left - 1, top, left, bottom, kFrame);
  c.fill_rect(right, top, right + 1, bottom, kFrame);
  for (size_t i = 0; i < yt.at.size(); ++i) {
    const double y = f.py(yt.at[i]);
    c.fill_rect(left - 1 - tick, y - 0.5, left - 1, y + 0.5, kFrame);
    const int w = Canvas::text_width(yt.labels[i], s);
    c.text(left - 1 - tick - s - w, static_cast<int>(std::lround(y - body / 2.0)), yt.labels[i], s,
           kInk);
  }
  for (size_t i = 0; i < xt.at.size(); ++i) {
    const double x = f.px(xt.at[i]);
    c.fill_rect(x - 0.5, bottom + 1, x + 0.5, bottom + 1 + tick, kFrame);
    const int w = Canvas::text_width(xt.labels[i], s);
    c.text(static_cast<int>(std::lround(x - w / 2.0)), bottom + 1 + tick + s, xt.labels[i], s,
           kInk);
  }
  if (!opt.title.empty()) {  // bold: drawn twice, one pixel apart
    const int w = Canvas::text_width(opt.title, s) + 1;
    const int x = std::max(0, (left + right) / 2 - w / 2);
    c.text(x, pad, opt.title, s, kInk);
    c.text(x + 1, pad, opt.title, s, kInk);
  }
  if (!opt.xlabel.empty()) {
    const int w = Canvas::text_width(opt.xlabel, s);
    c.text(std::max(0, (left + right) / 2 - w / 2), H - pad - th, opt.xlabel, s, kInk);
  }
  if (!opt.ylabel.empty()) {
    const int w = Canvas::text_width(opt.ylabel, s);
    c.text(pad, std::min(H, (top + bottom) / 2 + w / 2), opt.ylabel, s, kInk, true);
  }

  // Legend in the corner of the plot area that covers the fewest drawn pixels.
  std::vector<size_t> named;
  for (size_t i = 0; i < series.size(); ++i)
    if (!series[i].name.empty()) named.push_back(i);
  if (opt.legend && !named.empty()) {
    const int swatch = 6 * s + 8, row_h = th + 2 * s;
    int lw = 0;
    for (size_t i : named) lw = std::max(lw, Canvas::text_width(series[i].name, s));
    const int box_w = std::min(right - left - 8, 3 * s + swatch + 2 * s + lw + 3 * s);
    const int box_h = std::min(bottom - top - 8, 2 * s + static_cast<int>(named.size()) * row_h);
    int best_x = right - 4 - box_w, best_y = top + 4;
    int64_t best_ink = -1;
    const std::pair<int, int> corners[4] = {{right - 4 - box_w, top + 4},
                                            {left + 4, top + 4},
                                            {right - 4 - box_w, bottom - 4 - box_h},
                                            {left + 4, bottom - 4 - box_h}};
    for (const auto& [bx, by] : corners) {
      int64_t ink = 0;
      for (int y = by; y < by + box_h; ++y)
        for (int x = bx; x < bx + box_w; ++x) {
          const Color p = c.at(x, y);
          ink += p != kWhite && p != kGrid;
        }
      if (best_ink < 0 || ink < best_ink) best_ink = ink, best_x = bx, best_y = by;
    }
    c.fill_rect(best_x, best_y, best_x + box_w, best_y + box_h, kWhite, 0.88);
    c.fill_rect(best_x, best_y, best_x + box_w, best_y + 1, kGrid);
    c.fill_rect(best_x, best_y + box_h - 1, best_x + box_w, best_y + box_h, kGrid);
    c.fill_rect(best_x, best_y, best_x + 1, best_y + box_h, kGrid);
    c.fill_rect(best_x + box_w - 1, best_y, best_x + box_w, best_y + box_h, kGrid);
    c.clip(best_x, best_y, best_x + box_w, best_y + box_h);
    for (size_t k = 0; k < named.size(); ++k) {
      const int ry = best_y + s + static_cast<int>(k) * row_h;
      if (ry + th > best_y + box_h) break;
      const double mid = ry + body / 2.0;
      const double x0 = best_x + 3 * s;
      c.polyline({{x0, mid}, {x0 + swatch, mid}}, opt.line_width, colors[named[k]]);
      c.text(static_cast<int>(x0) + swatch + 2 * s, ry, series[named[k]].name, s, kInk);
    }
  }
  if (frame_out != nullptr) *frame_out = f;
  return c.to_tensor();
}

void save_plot(const std::string& path, const std::vector<Series>& series,
               const PlotOptions& options) {
  write_png(path, plot_lines(series, options));
}

Series metric_series(const std::vector<MetricsRecord>& records, const std::string& name) {
  Series s;
  s.name = name;
  for (const auto& r : records)
    if (r.has(name)) {
      s.x.push_back(static_cast<double>(r.step));
      s.y.push_back(r.get(name));
    }
  return s;
}

}  // namespace mica::data
