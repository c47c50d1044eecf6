// Drawing of the confusion-matrix heatmap (heatmap.h).
#include "examples/ch02_classifier/heatmap.h"

#include <algorithm>
#include <cmath>

#include "data/plot_raster.h"

namespace mica::examples {
namespace {

using data::Color;
using data::raster::Canvas;

// White -> dark blue as share goes 0 -> 1.
Color shade(double share) {
  const double t = std::clamp(share, 0.0, 1.0);
  auto mix = [&](double a, double b) { return static_cast<uint8_t>(std::lround(a + (b - a) * t)); };
  return {mix(255, 8), mix(255, 48), mix(255, 107)};
}

}  // namespace

Tensor confusion_heatmap(const ConfusionMatrix& cm, const std::vector<std::string>& names,
                         const std::string& title) {
  const int k = static_cast<int>(cm.num_classes());
  MICA_CHECK(static_cast<int>(names.size()) == k, "confusion_heatmap: ", names.size(),
             " names for ", k, " classes");
  const int scale = 2, margin = 16;
  int name_w = 0;
  for (const auto& n : names) name_w = std::max(name_w, Canvas::text_width(n, scale));
  const int text_h = Canvas::text_height(scale);
  const int cell = std::max(80, name_w + 12);           // column labels fit under their cells
  const int left = margin + text_h + 10 + name_w + 10;  // "true" (vertical), then row names
  const int top = margin + text_h + 14 + text_h + 10;   // title, "predicted", column names
  const int top_grid = top + text_h + 8;
  const int width = left + k * cell + margin;
  const int height = top_grid + k * cell + margin;

  const Color ink{20, 20, 20};
  Canvas canvas(width, height, Color{255, 255, 255});
  canvas.text((width - Canvas::text_width(title, scale)) / 2, margin, title, scale, ink);
  const std::string pred_label = "predicted";
  const int grid_mid = left + k * cell / 2;
  canvas.text(grid_mid - Canvas::text_width(pred_label, scale) / 2, margin + text_h + 14,
              pred_label, scale, ink);
  const std::string true_label = "true";
  canvas.text(margin, top_grid + k * cell / 2 + Canvas::text_width(true_label, scale) / 2,
              true_label, scale, ink, /*vertical=*/true);

  for (int j = 0; j < k; ++j) {  // column names, centered over their cells
    const auto& n = names[static_cast<size_t>(j)];
    canvas.text(left + j * cell + (cell - Canvas::text_width(n, scale)) / 2, top, n, scale, ink);
  }
  for (int i = 0; i < k; ++i) {
    const auto& n = names[static_cast<size_t>(i)];
    canvas.text(left - 10 - Canvas::text_width(n, scale), top_grid + i * cell + (cell - text_h) / 2,
                n, scale, ink);
    const int64_t row = cm.support(i);
    for (int j = 0; j < k; ++j) {
      const int64_t count = cm.at(i, j);
      const double share = row > 0 ? static_cast<double>(count) / static_cast<double>(row) : 0.0;
      const int x0 = left + j * cell, y0 = top_grid + i * cell;
      canvas.fill_rect(x0, y0, x0 + cell, y0 + cell, shade(share));
      const std::string s = std::to_string(count);
      const Color text_color = share > 0.5 ? Color{255, 255, 255} : ink;
      canvas.text(x0 + (cell - Canvas::text_width(s, scale)) / 2, y0 + (cell - text_h) / 2, s,
                  scale, text_color);
    }
  }
  // Grid lines.
  const Color line{160, 160, 160};
  for (int i = 0; i <= k; ++i) {
    canvas.fill_rect(left, top_grid + i * cell, left + k * cell + 1, top_grid + i * cell + 1, line);
    canvas.fill_rect(left + i * cell, top_grid, left + i * cell + 1, top_grid + k * cell + 1, line);
  }
  return canvas.to_tensor();
}

}  // namespace mica::examples
