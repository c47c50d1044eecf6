// Plot tests: a saved plot decodes through libpng at the asked size, the line's pixels are
// where the frame maps the data, legend/title/log-y/NaN handling, determinism, bad input.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "data/plot_raster.h"
#include "mica.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_plot_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

struct Decoded {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Color at(double x, double y) const {  // pixel containing the point (x, y)
    const size_t i = (static_cast<size_t>(y) * width + static_cast<size_t>(x)) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Decoded decode_png(const fs::path& path) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_file(&img, path.c_str())) << img.message;
  img.format = PNG_FORMAT_RGB;
  Decoded d{img.width, img.height, std::vector<uint8_t>(PNG_IMAGE_SIZE(img))};
  EXPECT_TRUE(png_image_finish_read(&img, nullptr, d.rgb.data(), 0, nullptr)) << img.message;
  return d;
}

Decoded from_tensor(const Tensor& t) {
  Decoded d{static_cast<uint32_t>(t.size(1)), static_cast<uint32_t>(t.size(0)), {}};
  d.rgb.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  return d;
}

const Color kWhite{255, 255, 255};

// Whether a pixel near (x, y) (within 1 px) has the color c.
bool color_near(const Decoded& d, double x, double y, Color c) {
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx)
      if (d.at(x + dx, y + dy) == c) return true;
  return false;
}

TEST(Plot, SavedPngDecodesWithTheLineWhereTheFrameSays) {
  Series s{.name = "loss", .x = {}, .y = {}};
  for (int i = 0; i <= 100; ++i) {
    s.x.push_back(i);
    s.y.push_back(i * 0.1);  // y = x / 10, from 0 to 10
  }
  const auto path = scratch("line.png");
  save_plot(path.string(), {s}, {.width = 640, .height = 400, .title = "loss"});
  const Decoded d = decode_png(path);
  EXPECT_EQ(d.width, 640u);
  EXPECT_EQ(d.height, 400u);
  PlotFrame f;
  const Tensor t = plot_lines({s}, {.width = 640, .height = 400, .title = "loss"}, &f);
  EXPECT_EQ(t.sizes(), (Shape{400, 640, 3}));
  EXPECT_EQ(from_tensor(t).rgb, d.rgb);  // the PNG holds exactly the rendered image
  EXPECT_GT(f.left, 20);
  EXPECT_LT(f.right, 640);
  EXPECT_LE(f.x_min, 0);
  EXPECT_GE(f.x_max, 100);
  const Color blue = palette_color(0);
  for (double x : {10.0, 35.0, 50.0, 80.0})
    EXPECT_TRUE(color_near(d, f.px(x), f.py(x / 10), blue)) << "x=" << x;
  // Far from the line (upper left / lower right of the plot area): background or grid only.
  for (auto [x, y] : {std::pair{20.0, 8.0}, {85.0, 1.5}}) {
    const Color c = d.at(f.px(x), f.py(y));
    EXPECT_TRUE(c == kWhite || c == (Color{232, 232, 232})) << x << "," << y;
  }
  // Something is drawn in the title band and under the axis (tick labels).
  int64_t title_ink = 0, label_ink = 0;
  for (uint32_t y = 0; y < static_cast<uint32_t>(f.top) - 2; ++y)
    for (uint32_t x = 0; x < d.width; ++x) title_ink += d.at(x, y) != kWhite;
  for (uint32_t y = static_cast<uint32_t>(f.bottom) + 4; y < d.height; ++y)
    for (uint32_t x = 0; x < d.width; ++x) label_ink += d.at(x, y) != kWhite;
  EXPECT_GT(title_ink, 50);
  EXPECT_GT(label_ink, 100);
}

TEST(Plot, SeveralSeriesGetTheirColorsAndALegend) {
  Series a{.name = "train", .x = {0, 1, 2, 3}, .y = {4, 3, 2.5, 2}};
  Series b{.name = "val", .x = {0, 1, 2, 3}, .y = {4.2, 3.5, 3.1, 3.0}, .color = Color{200, 0, 0}};
  PlotFrame f;
  const Decoded d = from_tensor(plot_lines({a, b}, {}, &f));
  EXPECT_TRUE(color_near(d, f.px(1), f.py(3), palette_color(0)));
  EXPECT_TRUE(color_near(d, f.px(2), f.py(3.1), Color{200, 0, 0}));
  // The legend adds both colors again outside the data's path: count all red pixels with and
  // without the legend.
  auto count = [](const Decoded& img, Color c) {
    int64_t n = 0;
    for (size_t i = 0; i < img.rgb.size(); i += 3)
      n += img.rgb[i] == c.r && img.rgb[i + 1] == c.g && img.rgb[i + 2] == c.b;
    return n;
  };
  const Decoded no_legend = from_tensor(plot_lines({a, b}, {.legend = false}));
  EXPECT_GT(count(d, Color{200, 0, 0}), count(no_legend, Color{200, 0, 0}) + 10);
}

TEST(Plot, LogScaleMapsDecadesEvenly) {
  Series s{.name = "", .x = {0, 1, 2}, .y = {1000, 10, 0.1}};
  PlotFrame f;
  const Decoded d = from_tensor(plot_lines({s}, {.log_y = true}, &f));
  EXPECT_TRUE(f.log_y);
  EXPECT_NEAR(f.py(10), (f.py(1000) + f.py(0.1)) / 2, 1e-6);
  EXPECT_NEAR(f.py(1), (f.py(10) + f.py(0.1)) / 2, 1e-6);
  EXPECT_TRUE(color_near(d, f.px(1), f.py(10), palette_color(0)));
}

TEST(Plot, NanAndNonPositiveValuesBreakTheLine) {
  Series s{.name = "x", .x = {0, 1, 2, 3, 4}, .y = {1, 2, NAN, 2, 1}};
  EXPECT_NO_THROW(plot_lines({s}));
  Series neg{.name = "x", .x = {0, 1, 2}, .y = {1, -1, 10}};
  EXPECT_NO_THROW(plot_lines({neg}, {.log_y = true}));
  EXPECT_NO_THROW(plot_lines({}));  // an empty frame
  Series one{.name = "one", .x = {5}, .y = {2}};
  PlotFrame f;
  const Decoded d = from_tensor(plot_lines({one}, {}, &f));
  EXPECT_TRUE(color_near(d, f.px(5), f.py(2), palette_color(0)));  // a dot
}

TEST(Plot, SmoothingDrawsRawFaintAndSmoothedStrong) {
  Series s{.name = "loss", .x = {}, .y = {}};
  for (int i = 0; i < 200; ++i) {
    s.x.push_back(i);
    s.y.push_back(2 + (i % 2 ? 0.5 : -0.5));  // a zigzag around 2
  }
  PlotFrame f;
  const Decoded d = from_tensor(plot_lines({s}, {.legend = false, .smooth = 0.9}, &f));
  // Over a few steps: full-color pixels (the smoothed curve) stay in a narrow band around 2,
  // while faint pixels (the raw zigzag) reach both 1.5 and 2.5.
  double strong_lo = 1e9, strong_hi = -1e9, faint_lo = 1e9, faint_hi = -1e9;
  for (double x = f.px(150); x <= f.px(152); x += 1)
    for (int y = static_cast<int>(f.top); y < static_cast<int>(f.bottom); ++y) {
      const Color c = d.at(x, y);
      if (c == palette_color(0)) {
        strong_lo = std::min<double>(strong_lo, y), strong_hi = std::max<double>(strong_hi, y);
      } else if (c != kWhite && c != Color{232, 232, 232}) {
        faint_lo = std::min<double>(faint_lo, y), faint_hi = std::max<double>(faint_hi, y);
      }
    }
  const double spread = f.py(1.5) - f.py(2.5);
  ASSERT_LE(strong_lo, strong_hi);
  EXPECT_LT(strong_hi - strong_lo, 0.15 * spread);
  EXPECT_NEAR((strong_lo + strong_hi) / 2, f.py(2), 0.1 * spread);
  EXPECT_GT(faint_hi - faint_lo, 0.8 * spread);
}

TEST(Plot, DeterministicAndValidated) {
  Series s{.name = "a", .x = {0, 1}, .y = {0, 1}};
  EXPECT_EQ(from_tensor(plot_lines({s})).rgb, from_tensor(plot_lines({s})).rgb);
  Series bad{.name = "bad", .x = {0, 1}, .y = {0}};
  EXPECT_THROW(plot_lines({bad}), Error);
  EXPECT_THROW(plot_lines({s}, {.width = 50, .height = 50}), Error);
  EXPECT_THROW(plot_lines({s}, {.smooth = 1.0}), Error);
}

TEST(Plot, MetricSeriesFromRecords) {
  std::vector<MetricsRecord> r(3);
  r[0] = {.step = 1, .time = 0, .values = {{"loss", 2.0}}};
  r[1] = {.step = 2, .time = 1, .values = {{"acc", 0.5}}};
  r[2] = {.step = 3, .time = 2, .values = {{"loss", 1.0}, {"acc", 0.75}}};
  const Series s = metric_series(r, "loss");
  EXPECT_EQ(s.name, "loss");
  EXPECT_EQ(s.x, (std::vector<double>{1, 3}));
  EXPECT_EQ(s.y, (std::vector<double>{2, 1}));
}

TEST(PlotRaster, TextUsesTheFontAndAntiAliasedLinesBlend) {
  raster::Canvas c(40, 20, Color{255, 255, 255});
  c.text(1, 1, "1", 1, Color{0, 0, 0});
  // Glyph '1': row 0 is "..#..", so (3, 1) is ink and (1, 1) is not.
  EXPECT_EQ(c.at(3, 1), (Color{0, 0, 0}));
  EXPECT_EQ(c.at(1, 1), (Color{255, 255, 255}));
  EXPECT_EQ(raster::Canvas::text_width("ab", 2), 22);
  raster::Canvas l(20, 20, Color{255, 255, 255});
  l.polyline({{2.0, 10.3}, {18.0, 10.3}}, 1.0, Color{0, 0, 0});
  const Color on = l.at(10, 10), edge = l.at(10, 9), off = l.at(10, 5);
  EXPECT_LT(on.r, 100);                    // mostly covered
  EXPECT_GT(edge.r, on.r);                 // partly covered: a lighter gray
  EXPECT_EQ(off, (Color{255, 255, 255}));  // untouched
}

}  // namespace
}  // namespace mica::data
