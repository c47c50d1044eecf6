// ProgressBar: steps done/total, percentage, bar, rate, elapsed, ETA and live metrics for long
// work. Redrawn in place on a terminal; periodic plain lines when the output is not a TTY.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace mica::data {

// Named scalars in insertion order: {{"loss", 2.31}, {"lr", 3e-4}}.
using Scalars = std::vector<std::pair<std::string, double>>;

// Seconds on a monotonic clock; tests inject their own.
using SecondsClock = std::function<double()>;

struct ProgressOptions {
  std::string desc{};              // shown before the bar: "train: "
  std::string unit = "it";         // rate unit: 12.3it/s or 4.56s/it
  FILE* file = stderr;             // where to write when `stream` is null
  std::ostream* stream = nullptr;  // overrides `file` when set
  int tty = -1;                    // -1: detect (isatty: `file`, std::cout, std::cerr), 0/1: force
  int ascii = -1;                  // -1: Unicode blocks on a UTF-8 TTY, else '#'; 0/1: force
  int width = 0;                   // line width; 0: the terminal's (TTY) or 100 (plain lines)
  double redraw_interval = 0.1;    // TTY: at most one redraw per this many seconds
  double plain_interval = 30.0;    // plain: a line at least every this many seconds...
  int plain_percent = 10;          // ...and at every multiple of this percentage (known total)
  SecondsClock clock{};            // default: std::chrono::steady_clock
};

class ProgressBar {
 public:
  // total <= 0 means unknown: no bar, percentage or ETA, only the count and the rate.
  explicit ProgressBar(int64_t total, ProgressOptions options = {});
  ~ProgressBar();  // close()s if still open (never throws)
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Advances by n steps and merges `metrics` into the live metrics (same key: new value).
  void update(int64_t n = 1, const Scalars& metrics = {});
  void set_metrics(const Scalars& metrics);  // merges, without advancing or drawing
  void set_description(std::string desc);
  // Prints a message line without garbling the bar (TTY: above it, then the bar is redrawn).
  void print(const std::string& message);
  // Draws the final line (TTY: in place, then a newline) and stops drawing. Idempotent.
  void close();

  int64_t n() const { return n_; }
  int64_t total() const { return total_; }
  bool is_tty() const { return tty_; }
  // The status line as it would be drawn now, without writing it (width: see options).
  std::string line() const;

 private:
  void write(const std::string& text);
  void draw(bool final);
  double now() const;

  int64_t total_;
  ProgressOptions opt_;
  bool tty_ = false, ascii_ = true, closed_ = false;
  int64_t n_ = 0;
  double start_ = 0, last_draw_ = -1e300;
  int64_t last_percent_step_ = 0;  // plain mode: highest multiple of plain_percent printed
  int64_t last_drawn_n_ = -1;      // the count the last drawn line showed
  Scalars metrics_;
};

// Formatting helpers (exposed for tests and other displays).
// Seconds as "mm:ss", "h:mm:ss" from one hour, "?" when not finite or negative.
std::string format_duration(double seconds);
// Steps per second as "12.3it/s"; under 1 step/s as "4.56s/it"; "?it/s" before any step.
std::string format_rate(double steps_per_second, const std::string& unit = "it");
// A metric value in 4 significant digits: 2.313, 0.0003, 1.235e+06, nan.
std::string format_metric(double value);

}  // namespace mica::data
