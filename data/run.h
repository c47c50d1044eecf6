// Run: a per-run folder runs/<name>/ holding config.json, metrics.jsonl, plots/*.png,
// samples/*.png, notes.json and a self-contained report.html (images as base64 data URIs),
// regenerated on demand from the folder's contents.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "data/metrics.h"
#include "data/plot.h"
#include "tensor/tensor.h"

namespace mica::data {

// Flat run configuration, in order: {{"lr", 3e-4}, {"batch_size", 64}, {"model", "vae"}}.
using ConfigValue = std::variant<bool, int64_t, double, std::string>;
using Config = std::vector<std::pair<std::string, ConfigValue>>;

struct RunOptions {
  std::string root = "runs";  // parent folder, created when missing
  // Folder name. Empty: the local time, "20250314-093012" (a suffix -2, -3, ... keeps it
  // unique). A named run that exists already is resumed: metrics are appended.
  std::string name{};
  std::string title{};                                   // report title; default the name
  MetricsFormat metrics_format = MetricsFormat::kJsonl;  // metrics.jsonl or metrics.csv
};

struct ReportOptions {
  // Also (re)draw plots/metric-<name>.png for every logged metric (log-y when a positive
  // metric spans more than a factor 50, smoothed when it is long and noisy).
  bool auto_plots = true;
};

class Run {
 public:
  explicit Run(RunOptions options = {});

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& name() const { return name_; }

  // config.json (atomic write; replaces an earlier one).
  void save_config(const Config& config);
  // One metrics record (see MetricsLogger): step, wall time, scalars.
  void log(int64_t step, const Scalars& scalars);
  MetricsLogger& metrics() { return *metrics_; }

  // samples/<name>.png. image: [H, W], [H, W, 3] or [H, W, 4] uint8 (make_grid for a batch).
  std::filesystem::path save_image(const std::string& name, const Tensor& image);
  // plots/<name>.png of the given series.
  std::filesystem::path save_plot(const std::string& name, const std::vector<Series>& series,
                                  const PlotOptions& options = {});
  // plots/<name>.png of logged metrics, one series per name, over steps.
  std::filesystem::path plot_metrics(const std::string& name,
                                     const std::vector<std::string>& metrics,
                                     PlotOptions options = {});
  // A free-text report section (notes.json); a section with the same title is replaced. Blank
  // lines separate paragraphs; lines between two "```" lines are shown preformatted.
  void add_section(const std::string& title, const std::string& text);
  // Regenerates report.html (see write_report below); returns its path.
  std::filesystem::path write_report(const ReportOptions& options = {});

 private:
  std::filesystem::path dir_;
  std::string name_;
  std::unique_ptr<MetricsLogger> metrics_;
};

// Regenerates <run_dir>/report.html from what the folder holds: run.json (title), config.json,
// the metrics file (final/min/max table), plots/*.png, samples/*.png (each group sorted by
// name) and notes.json (free-text sections). Written atomically; returns its path.
std::filesystem::path write_report(const std::filesystem::path& run_dir,
                                   const ReportOptions& options = {});

// Bytes as base64 (RFC 4648, padded), as used for the report's data URIs.
std::string base64_encode(const std::string& bytes);

}  // namespace mica::data
