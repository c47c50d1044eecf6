// The run folder (runs/<name>/: config, metrics, plots, samples, notes) and its
// self-contained report.html, rebuilt from the folder's files whenever asked.
#include "data/run.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "data/metrics_json.h"
#include "data/png.h"
#include "tensor/error.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

// A name used as one path component: no separators, no control characters, not hidden.
void check_name(const char* op, const std::string& what, const std::string& name) {
  MICA_CHECK(!name.empty() && name.size() <= 200, op, ": ", what, " must be 1 to 200 characters");
  MICA_CHECK(name.front() != '.', op, ": ", what, " \"", name, "\" cannot start with '.'");
  for (const char ch : name)
    MICA_CHECK(ch != '/' && ch != '\\' && static_cast<unsigned char>(ch) >= 0x20, op, ": ", what,
               " \"", name, "\" cannot contain '/', '\\' or control characters");
}

// Metric names such as "train/loss" as file-name parts.
std::string file_part(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out += std::isalnum(c) || ch == '-' || ch == '_' || ch == '.' ? ch : '_';
  }
  return out.empty() || out.front() == '.' ? "_" + out : out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  MICA_CHECK(in, "run: cannot read ", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    MICA_CHECK(out, "run: cannot write ", tmp.string());
    out << text;
    out.flush();
    MICA_CHECK(out, "run: write failed for ", tmp.string());
  }
  fs::rename(tmp, path);
}

std::string local_time(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Free text as paragraphs: blank lines separate them, single line breaks are kept. Lines
// between two "```" lines are preformatted (<pre>: spacing kept, monospace), for tables.
std::string html_paragraphs(const std::string& text) {
  std::string out, para;
  std::istringstream in(text);
  std::string line;
  auto flush = [&] {
    if (!para.empty()) out += "<p>" + para + "</p>\n";
    para.clear();
  };
  bool pre = false;
  while (std::getline(in, line)) {
    if (line == "```" || line == "```\r") {
      flush();
      out += pre ? "</pre>\n" : "<pre>";
      pre = !pre;
      continue;
    }
    if (pre) {
      out += html_escape(line) + "\n";
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      flush();
      continue;
    }
    if (!para.empty()) para += "<br>\n";
    para += html_escape(line);
  }
  flush();
  if (pre) out += "</pre>\n";  // an unclosed block ends with the text
  return out;
}

struct Image {
  std::string name;  // file name, e.g. "loss.png"
  std::string base64;
  uint32_t width = 0, height = 0;
};

// The PNG files of a folder, sorted by name, with their sizes from the IHDR chunk.
std::vector<Image> load_pngs(const fs::path& folder) {
  std::vector<Image> out;
  if (!fs::is_directory(folder)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_regular_file() && e.path().extension() == ".png") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    const std::string bytes = read_text(p);
    MICA_CHECK(bytes.size() >= 24 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 &&
                   bytes.compare(12, 4, "IHDR") == 0,
               "write_report: ", p.string(), " is not a PNG file");
    auto be32 = [&](size_t at) {
      uint32_t v = 0;
      for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
      return v;
    };
    out.push_back({p.filename().string(), base64_encode(bytes), be32(16), be32(20)});
  }
  return out;
}

std::string config_value_json(const ConfigValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return json::number(x);
        } else {
          return json::quote(x);
        }
      },
      v);
}

std::string json_value_text(const json::Value& v) {
  switch (v.kind) {
    case json::Value::kNull:
      return "null";
    case json::Value::kBool:
      return v.boolean ? "true" : "false";
    default:
      return v.text;
  }
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
margin:0;background:#f5f6f8;color:#1d1f23;line-height:1.45}
header{background:#1f3b5a;color:#fff;padding:22px 32px}
header h1{margin:0 0 4px;font-size:26px}
header .meta{margin:0;opacity:.85;font-size:14px}
nav{padding:8px 32px;background:#fff;border-bottom:1px solid #dde1e6;font-size:14px}
nav a{margin-right:16px;color:#1f5fa8;text-decoration:none}
main{padding:8px 32px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:16px 20px;margin:18px 0}
h2{margin:0 0 12px;font-size:19px}
table{border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:5px 14px 5px 0;border-bottom:1px solid #eceef1;vertical-align:top}
th{color:#5a6270;font-weight:600}
td.num{font-variant-numeric:tabular-nums;text-align:right}
.figs{display:flex;flex-wrap:wrap;gap:18px}
figure{margin:0}
figure img{max-width:100%;height:auto;border:1px solid #e4e7eb;display:block}
figure img.pixel{image-rendering:pixelated}
figcaption{font-size:13px;color:#5a6270;margin-top:4px}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}
pre{white-space:pre-wrap;margin:8px 0}
.empty{color:#8a919c;font-style:italic}
)";

std::string figure(const Image& im, bool samples) {
  // Small sample grids (28x28 digits) are scaled up by whole factors, without blurring.
  const uint32_t longest = std::max<uint32_t>({im.width, im.height, 1});
  const uint32_t k = samples ? std::clamp<uint32_t>(720 / longest, 1, 8) : 1;
  const std::string stem = im.name.substr(0, im.name.size() - 4);
  return "<figure><img" + std::string(samples && k > 1 ? " class=\"pixel\"" : "") + " width=\"" +
         std::to_string(im.width * k) + "\" height=\"" + std::to_string(im.height * k) +
         "\" alt=\"" + html_escape(stem) + "\" data-file=\"" + html_escape(im.name) +
         "\" src=\"data:image/png;base64," + im.base64 + "\"><figcaption>" + html_escape(stem) +
         "</figcaption></figure>\n";
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[v >> k & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

Run::Run(RunOptions options) {
  fs::create_directories(options.root);
  if (options.name.empty()) {
    const std::string stamp = local_time("%Y%m%d-%H%M%S");
    for (int k = 1;; ++k) {
      name_ = k == 1 ? stamp : stamp + "-" + std::to_string(k);
      if (fs::create_directory(fs::path(options.root) / name_)) break;  // atomic: we own it
      MICA_CHECK(k < 1000, "Run: cannot create a unique folder under ", options.root);
    }
  } else {
    check_name("Run", "run name", options.name);
    name_ = options.name;
    fs::create_directories(fs::path(options.root) / name_);
  }
  dir_ = fs::path(options.root) / name_;
  const fs::path meta = dir_ / "run.json";
  if (!fs::exists(meta) || !options.title.empty()) {
    const std::string title = options.title.empty() ? name_ : options.title;
    write_text_atomic(meta,
                      "{\"name\": " + json::quote(name_) + ", \"title\": " + json::quote(title) +
                          ", \"created\": " + json::quote(local_time("%Y-%m-%d %H:%M:%S")) + "}\n");
  }
  const char* file =
      options.metrics_format == MetricsFormat::kCsv ? "metrics.csv" : "metrics.jsonl";
  metrics_ = std::make_unique<MetricsLogger>(
      (dir_ / file).string(),
      MetricsLoggerOptions{.format = options.metrics_format, .append = true});
}

void Run::save_config(const Config& config) {
  std::string text = "{";
  for (size_t i = 0; i < config.size(); ++i) {
    check_name("Run::save_config", "key", config[i].first);
    text += (i ? ",\n  " : "\n  ") + json::quote(config[i].first) + ": " +
            config_value_json(config[i].second);
  }
  write_text_atomic(dir_ / "config.json", text + (config.empty() ? "}\n" : "\n}\n"));
}

void Run::log(int64_t step, const Scalars& scalars) {
  metrics_->log(step, scalars);
}

fs::path Run::save_image(const std::string& name, const Tensor& image) {
  check_name("Run::save_image", "image name", name);
  fs::create_directories(dir_ / "samples");
  const fs::path path = dir_ / "samples" / (name + ".png");
  write_png(path.string(), image);
  return path;
}

fs::path Run::save_plot(const std::string& name, const std::vector<Series>& series,
                        const PlotOptions& options) {
  check_name("Run::save_plot", "plot name", name);
  fs::create_directories(dir_ / "plots");
  const fs::path path = dir_ / "plots" / (name + ".png");
  data::save_plot(path.string(), series, options);
  return path;
}

fs::path Run::plot_metrics(const std::string& name, const std::vector<std::string>& metrics,
                           PlotOptions options) {
  MICA_CHECK(!metrics.empty(), "Run::plot_metrics: no metric names given");
  const std::vector<MetricsRecord> records = read_metrics(metrics_->path());
  std::vector<Series> series;
  for (const auto& m : metrics) series.push_back(metric_series(records, m));
  if (options.title.empty()) options.title = name;
  return save_plot(name, series, options);
}

void Run::add_section(const std::string& title, const std::string& text) {
  MICA_CHECK(!title.empty(), "Run::add_section: empty title");
  const fs::path path = dir_ / "notes.json";
  std::vector<std::pair<std::string, std::string>> notes;
  if (fs::exists(path))
    for (const auto& obj : json::parse_object_array(read_text(path), path.string())) {
      std::string t, x;
      for (const auto& [k, v] : obj) (k == "title" ? t : x) = v.text;
      notes.emplace_back(t, x);
    }
  auto it =
      std::find_if(notes.begin(), notes.end(), [&](const auto& n) { return n.first == title; });
  if (it != notes.end()) {
    it->second = text;
  } else {
    notes.emplace_back(title, text);
  }
  std::string out = "[";
  for (size_t i = 0; i < notes.size(); ++i)
    out += (i ? ",\n  " : "\n  ") + std::string("{\"title\": ") + json::quote(notes[i].first) +
           ", \"text\": " + json::quote(notes[i].second) + "}";
  write_text_atomic(path, out + "\n]\n");
}

fs::path Run::write_report(const ReportOptions& options) {
  return data::write_report(dir_, options);
}

fs::path write_report(const fs::path& dir, const ReportOptions& options) {
  MICA_CHECK(fs::is_directory(dir), "write_report: ", dir.string(), " is not a folder");
  // Title and creation time.
  std::string title = dir.filename().string(), created;
  if (fs::exists(dir / "run.json"))
    for (const auto& [k, v] : json::parse_object(read_text(dir / "run.json"),
                                                 "write_report: " + (dir / "run.json").string())) {
      if (k == "title" && v.kind == json::Value::kString) title = v.text;
      if (k == "created" && v.kind == json::Value::kString) created = v.text;
    }
  // Metrics: whichever file the run wrote.
  std::vector<MetricsRecord> records;
  std::string metrics_file;
  for (const char* f : {"metrics.jsonl", "metrics.csv"})
    if (fs::exists(dir / f)) {
      metrics_file = f;
      records = read_metrics((dir / f).string());
      break;
    }
  const std::vector<std::string> names = metric_names(records);
  if (options.auto_plots) {
    for (const auto& m : names) {
      Series s = metric_series(records, m);
      double lo = INFINITY, hi = -INFINITY, variation = 0, prev = NAN;
      size_t finite = 0;
      for (double y : s.y) {
        if (!std::isfinite(y)) continue;
        lo = std::min(lo, y), hi = std::max(hi, y), ++finite;
        if (std::isfinite(prev)) variation += std::abs(y - prev);
        prev = y;
      }
      if (finite == 0) continue;
      // Noisy (the path goes up and down its range many times, like a minibatch loss):
      // smoothed. A schedule such as the learning rate is drawn as it is.
      const bool noisy = finite > 100 && hi > lo && variation > 4 * (hi - lo);
      fs::create_directories(dir / "plots");
      save_plot((dir / "plots" / ("metric-" + file_part(m) + ".png")).string(), {s},
                {.title = m,
                 .log_y = lo > 0 && hi / lo > 50,
                 .legend = false,
                 .smooth = noisy ? 0.6 : 0.0});
    }
  }

  std::string body;
  std::string nav;
  auto section = [&](const std::string& id, const std::string& heading, const std::string& html) {
    nav += "<a href=\"#" + id + "\">" + html_escape(heading) + "</a>";
    body += "<section id=\"" + id + "\"><h2>" + html_escape(heading) + "</h2>\n" + html +
            "</section>\n";
  };

  // Config table.
  std::string cfg;
  if (fs::exists(dir / "config.json")) {
    cfg = "<table><tr><th>key</th><th>value</th></tr>\n";
    for (const auto& [k, v] : json::parse_object(read_text(dir / "config.json"),
                                                 "write_report: " + (dir / "config.json").string()))
      cfg += "<tr><td><code>" + html_escape(k) + "</code></td><td>" +
             html_escape(json_value_text(v)) + "</td></tr>\n";
    cfg += "</table>\n";
  } else {
    cfg = "<p class=\"empty\">No config.json in this run.</p>\n";
  }
  section("config", "Config", cfg);

  // Final metrics: last value and range of each.
  std::string fm;
  if (names.empty()) {
    fm = "<p class=\"empty\">No metrics logged.</p>\n";
  } else {
    const MetricsRecord& last = records.back();
    fm = "<p>" + std::to_string(records.size()) + " records in <code>" + metrics_file +
         "</code>, last step " + std::to_string(last.step) + ", wall time " +
         format_duration(last.time) + ".</p>\n";
    fm += "<table><tr><th>metric</th><th>final</th><th>at step</th><th>min</th><th>max</th></tr>\n";
    for (const auto& m : names) {
      double final_v = NAN, lo = INFINITY, hi = -INFINITY;
      int64_t at = 0;
      for (const auto& r : records)
        if (r.has(m)) {
          final_v = r.get(m);
          at = r.step;
          if (std::isfinite(final_v)) lo = std::min(lo, final_v), hi = std::max(hi, final_v);
        }
      fm += "<tr><td><code>" + html_escape(m) + "</code></td><td class=\"num\">" +
            format_metric(final_v) + "</td><td class=\"num\">" + std::to_string(at) +
            "</td><td class=\"num\">" + (lo <= hi ? format_metric(lo) : "-") +
            "</td><td class=\"num\">" + (lo <= hi ? format_metric(hi) : "-") + "</td></tr>\n";
    }
    fm += "</table>\n";
  }
  section("metrics", "Final metrics", fm);

  for (const auto& [id, heading, folder] :
       {std::tuple{"plots", "Plots", "plots"}, std::tuple{"samples", "Samples", "samples"}}) {
    const std::vector<Image> images = load_pngs(dir / folder);
    if (images.empty()) continue;
    std::string figs = "<div class=\"figs\">\n";
    for (const auto& im : images) figs += figure(im, std::string(folder) == "samples");
    section(id, heading, figs + "</div>\n");
  }

  // Free-text sections.
  if (fs::exists(dir / "notes.json")) {
    int k = 0;
    for (const auto& obj : json::parse_object_array(
             read_text(dir / "notes.json"), "write_report: " + (dir / "notes.json").string())) {
      std::string t, x;
      for (const auto& [key, v] : obj) {
        if (key == "title") t = v.text;
        if (key == "text") x = v.text;
      }
      section("note-" + std::to_string(++k), t.empty() ? "Notes" : t, html_paragraphs(x));
    }
  }

  const std::string generated = local_time("%Y-%m-%d %H:%M:%S");
  std::string html =
      "<!DOCTYPE html>\n"
      "<!-- mica run report, written by mica::data::write_report from the files next to it.\n"
      "     Self-contained: every image is embedded as a base64 data: URI, so this one file can\n"
      "     be mailed or archived. To check that it renders, run\n"
      "       scripts/check_report.sh " +
      html_escape(dir.string()) +
      "/report.html\n"
      "     which screenshots it with headless Chromium and fails on a blank page. -->\n"
      "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      html_escape(title) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n<header><h1>" +
      html_escape(title) + "</h1><p class=\"meta\">" + html_escape(dir.string()) +
      (created.empty() ? "" : " &middot; created " + html_escape(created)) +
      " &middot; report generated " + html_escape(generated) + "</p></header>\n<nav>" + nav +
      "</nav>\n<main>\n" + body + "</main>\n</body></html>\n";
  const fs::path out = dir / "report.html";
  write_text_atomic(out, html);
  return out;
}

}  // namespace mica::data
