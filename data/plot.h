// Line plots of metrics (loss curves): several series, legend, axes with tick labels, title,
// optional log-y, rendered by mica itself to an RGB image tensor or a PNG file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/metrics.h"
#include "tensor/tensor.h"

namespace mica::data {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Color&) const = default;
};

// The default color of series i (a 10-color qualitative palette, then repeating).
Color palette_color(int64_t i);

struct Series {
  std::string name{};       // legend entry; empty: not in the legend
  std::vector<double> x{};  // same length as y; NaN/inf points (and y <= 0 on log-y) break the line
  std::vector<double> y{};
  std::optional<Color> color{};  // default: palette_color(index)
};

struct PlotOptions {
  int64_t width = 800, height = 500;  // pixels
  std::string title{};
  std::string xlabel = "step";
  std::string ylabel{};
  bool log_y = false;
  double line_width = 2.0;  // pixels
  int font_scale = 2;       // font pixels are font_scale x font_scale blocks (font: 5x7)
  bool legend = true;       // drawn when at least one series has a name
  // Exponential moving average weight in [0, 1): > 0 draws each series of 30 points or more
  // smoothed, with the raw curve faint behind it (TensorBoard-style, for noisy losses); sparser
  // series (say validation every 100 steps) are drawn as they are.
  double smooth = 0;
};

// Where the data landed: the plot area in pixels and the axis ranges it shows.
struct PlotFrame {
  double left = 0, top = 0, right = 0, bottom = 0;    // pixel edges of the plot area
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;  // axis ranges (log_y: of the values)
  bool log_y = false;
  double px(double x) const;  // data x -> pixel column (center coordinates)
  double py(double y) const;  // data y -> pixel row
};

// image: [height, width, 3] uint8, white background.
Tensor plot_lines(const std::vector<Series>& series, const PlotOptions& options = {},
                  PlotFrame* frame = nullptr);
// plot_lines written as a PNG (atomically).
void save_plot(const std::string& path, const std::vector<Series>& series,
               const PlotOptions& options = {});

// One metric from logged records as a series over steps (records without it are skipped).
Series metric_series(const std::vector<MetricsRecord>& records, const std::string& name);

}  // namespace mica::data
