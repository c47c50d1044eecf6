// MetricsLogger: one record per logged step (step, wall time since start, any scalars) to a
// JSON Lines or CSV file, flushed per record; read_metrics reads either back for plots/reports.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "data/progress.h"  // Scalars, SecondsClock

namespace mica::data {

enum class MetricsFormat {
  kAuto,   // from the extension: ".csv" is CSV, anything else JSON Lines
  kJsonl,  // {"step": 10, "time": 1.25, "loss": 2.31}  one object per line
  kCsv,    // step,time,loss  header, then one row per record (missing values left empty)
};

struct MetricsLoggerOptions {
  MetricsFormat format = MetricsFormat::kAuto;
  // Keep existing records and add to them (resuming a run); wall time then continues from
  // the last record's. Otherwise an existing file is replaced.
  bool append = false;
  SecondsClock clock{};  // seconds, monotonic; default std::chrono::steady_clock
};

struct MetricsRecord {
  int64_t step = 0;
  double time = 0;   // seconds since the logger started
  Scalars values{};  // in the order they were logged (CSV: column order)
  // The value of `key`, or NaN when this record lacks it.
  double get(const std::string& key) const;
  bool has(const std::string& key) const;
};

class MetricsLogger {
 public:
  explicit MetricsLogger(std::string path, MetricsLoggerOptions options = {});
  ~MetricsLogger();
  MetricsLogger(const MetricsLogger&) = delete;
  MetricsLogger& operator=(const MetricsLogger&) = delete;

  // Writes one record and flushes it to the OS (a crash afterwards loses nothing logged).
  // Names "step" and "time" are reserved; NaN/inf are written as null (JSON) or nan/inf (CSV).
  // A CSV file gains a column when a new name appears (the file is rewritten atomically).
  void log(int64_t step, const Scalars& scalars);

  const std::string& path() const { return path_; }
  MetricsFormat format() const { return format_; }

 private:
  void open_append();
  void rewrite_csv(const std::vector<MetricsRecord>& records);

  std::string path_;
  MetricsFormat format_;
  SecondsClock clock_;
  double start_ = 0, time_offset_ = 0;
  std::vector<std::string> columns_;  // CSV: the current header's metric columns
  FILE* file_ = nullptr;
};

// Reads a metrics file written by MetricsLogger (format from the extension, or sniffed: a
// line starting with '{' is JSON Lines). Malformed lines throw mica::Error naming path and
// line; only an unfinished last line (no newline: a crash mid-write) is skipped.
std::vector<MetricsRecord> read_metrics(const std::string& path,
                                        MetricsFormat format = MetricsFormat::kAuto);

// The metric names in order of first appearance.
std::vector<std::string> metric_names(const std::vector<MetricsRecord>& records);

}  // namespace mica::data
