// ProgressBar drawing: line layout, in-place TTY redraws (\r + ANSI clear-line) and the plain
// periodic-line fallback for logs.
#include "data/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tensor/error.h"

namespace mica::data {
namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool utf8_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0') continue;
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

// Display columns of a UTF-8 string: one per code point (continuation bytes are skipped).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Cuts a UTF-8 string to at most `cols` display columns.
std::string cut_columns(const std::string& s, size_t cols) {
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == cols) break;
      ++n;
    }
  }
  return s.substr(0, i);
}

std::string bar_cells(double fraction, int cells, bool ascii) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::string out;
  if (ascii) {
    const int full = static_cast<int>(fraction * cells);
    out.append(full, '#');
    out.append(cells - full, '.');
    return out;
  }
  static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const int eighths = static_cast<int>(fraction * cells * 8);
  const int full = eighths / 8, part = eighths % 8;
  for (int i = 0; i < full; ++i) out += "█";
  int used = full;
  if (part > 0 && used < cells) {
    out += kEighths[part];
    ++used;
  }
  out.append(cells - used, ' ');
  return out;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

std::string format_rate(double steps_per_second, const std::string& unit) {
  if (!std::isfinite(steps_per_second) || steps_per_second <= 0) return "?" + unit + "/s";
  const bool slow = steps_per_second < 1;
  const double v = slow ? 1 / steps_per_second : steps_per_second;
  char buf[48];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  return slow ? std::string(buf) + "s/" + unit : std::string(buf) + unit + "/s";
}

std::string format_metric(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

ProgressBar::ProgressBar(int64_t total, ProgressOptions options)
    : total_(total > 0 ? total : 0), opt_(std::move(options)) {
  MICA_CHECK(opt_.stream != nullptr || opt_.file != nullptr,
             "ProgressBar: needs an output (options.file or options.stream)");
  MICA_CHECK(opt_.plain_percent >= 0 && opt_.plain_percent <= 100,
             "ProgressBar: plain_percent must be in [0, 100], got ", opt_.plain_percent);
  if (!opt_.clock) opt_.clock = steady_seconds;
  // The descriptor behind the output: std::cout/std::cerr/std::clog map to 1 and 2.
  int fd = -1;
  if (opt_.stream == nullptr) {
    fd = ::fileno(opt_.file);
  } else if (opt_.stream == &std::cout) {
    fd = 1;
  } else if (opt_.stream == &std::cerr || opt_.stream == &std::clog) {
    fd = 2;
  }
  tty_ = opt_.tty >= 0 ? opt_.tty == 1 : fd >= 0 && ::isatty(fd) == 1;
  ascii_ = opt_.ascii >= 0 ? opt_.ascii == 1 : !(tty_ && utf8_locale());
  if (opt_.width <= 0) {
    int cols = 0;
    winsize ws{};
    if (tty_ && fd >= 0 && ::ioctl(fd, TIOCGWINSZ, &ws) == 0) cols = ws.ws_col;
    if (cols <= 0 && tty_) {
      if (const char* c = std::getenv("COLUMNS")) cols = std::atoi(c);
    }
    // One column short of the terminal: a full-width line would leave the cursor past the end.
    opt_.width = cols > 0 ? std::max(cols - 1, 20) : 100;
  }
  start_ = now();
  if (tty_) draw(false);
}

ProgressBar::~ProgressBar() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; the output is best effort here
  }
}

double ProgressBar::now() const {
  return opt_.clock();
}

void ProgressBar::set_metrics(const Scalars& metrics) {
  for (const auto& [key, value] : metrics) {
    auto it = std::find_if(metrics_.begin(), metrics_.end(),
                           [&](const auto& kv) { return kv.first == key; });
    if (it == metrics_.end()) {
      metrics_.emplace_back(key, value);
    } else {
      it->second = value;
    }
  }
}

void ProgressBar::set_description(std::string desc) {
  opt_.desc = std::move(desc);
}

void ProgressBar::update(int64_t n, const Scalars& metrics) {
  MICA_CHECK(n >= 0, "ProgressBar::update: steps must be non-negative, got ", n);
  if (closed_) return;
  n_ += n;
  set_metrics(metrics);
  const double t = now();
  if (tty_) {
    if (t - last_draw_ >= opt_.redraw_interval) draw(false);
    return;
  }
  bool print = t - last_draw_ >= opt_.plain_interval && t - start_ >= opt_.plain_interval;
  if (total_ > 0 && opt_.plain_percent > 0) {
    const int64_t step = std::min(n_, total_) * 100 / total_ / opt_.plain_percent;
    if (step > last_percent_step_) {
      last_percent_step_ = step;
      print = true;
    }
  }
  if (print) draw(false);
}

void ProgressBar::print(const std::string& message) {
  if (tty_ && !closed_) {
    write("\r\x1b[K" + message + "\n");
    draw(false);
  } else {
    write(message + "\n");
  }
}

void ProgressBar::close() {
  if (closed_) return;
  closed_ = true;
  // Plain mode: the last periodic line may already show the final count.
  if (!tty_ && last_drawn_n_ == n_) return;
  draw(true);
}

std::string ProgressBar::line() const {
  const double elapsed = std::max(now() - start_, 0.0);
  const double rate = elapsed > 0 ? static_cast<double>(n_) / elapsed : 0;
  std::string desc = opt_.desc.empty() ? "" : opt_.desc + ": ";
  // Appends rather than operator+ chains (GCC 12 warns falsely on those: -Wrestrict).
  std::string stats;
  if (total_ > 0) {
    const double left = static_cast<double>(std::max<int64_t>(total_ - n_, 0));
    stats.append(" ").append(std::to_string(n_)).append("/").append(std::to_string(total_));
    stats.append(" [").append(format_duration(elapsed)).append("<");
    stats.append(format_duration(rate > 0 ? left / rate : NAN));
  } else {
    stats.append(std::to_string(n_)).append(opt_.unit).append(" [");
    stats.append(format_duration(elapsed));
  }
  stats.append(", ").append(format_rate(rate, opt_.unit));
  for (const auto& [key, value] : metrics_)
    stats.append(", ").append(key).append("=").append(format_metric(value));
  stats += "]";
  const auto width = static_cast<size_t>(opt_.width);
  if (total_ <= 0) return cut_columns(desc + stats, width);
  const double fraction = static_cast<double>(n_) / static_cast<double>(total_);
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100));
  const std::string head = desc + pct + "|";
  const size_t fixed = columns(head) + 1 + columns(stats);
  const int cells = fixed + 3 <= width ? static_cast<int>(std::min<size_t>(width - fixed, 60)) : 0;
  if (cells == 0) return cut_columns(desc + pct + stats, width);
  return head + bar_cells(fraction, cells, ascii_) + "|" + stats;
}

void ProgressBar::write(const std::string& text) {
  if (opt_.stream != nullptr) {
    *opt_.stream << text;
    opt_.stream->flush();
  } else {
    std::fwrite(text.data(), 1, text.size(), opt_.file);
    std::fflush(opt_.file);
  }
}

void ProgressBar::draw(bool final) {
  last_draw_ = now();
  const std::string text = line();
  if (tty_) {
    write("\r" + text + "\x1b[K" + (final ? "\n" : ""));
  } else {
    write(text + "\n");
  }
  last_drawn_n_ = n_;
}

}  // namespace mica::data
