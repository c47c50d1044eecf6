// MetricsLogger (JSON Lines / CSV, flushed per record, atomic CSV column growth) and the
// reader that turns either file back into records.
#include "data/metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/metrics_json.h"
#include "tensor/error.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

MetricsFormat resolve(MetricsFormat f, const std::string& path) {
  if (f != MetricsFormat::kAuto) return f;
  return fs::path(path).extension() == ".csv" ? MetricsFormat::kCsv : MetricsFormat::kJsonl;
}

std::string read_all(const std::string& path, const char* op) {
  std::ifstream in(path, std::ios::binary);
  MICA_CHECK(in, op, ": cannot open ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos && !s.empty() && s.front() != ' ' &&
      s.back() != ' ')
    return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return json::number(v);
}

std::vector<std::string> split_csv(const std::string& line, const std::string& where) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  MICA_CHECK(!quoted, where, ": unterminated quoted field");
  return out;
}

double parse_double(const std::string& s, const std::string& where, const std::string& what) {
  double v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;  // from_chars rejects a leading '+'
  const auto r = std::from_chars(b, e, v);
  MICA_CHECK(r.ec == std::errc{} && r.ptr == e && b != e, where, ": ", what, " is not a number: \"",
             s, "\"");
  return v;
}

std::string record_line_jsonl(const MetricsRecord& r) {
  std::string line = "{\"step\": " + std::to_string(r.step) + ", \"time\": " + json::number(r.time);
  for (const auto& [k, v] : r.values)
    line.append(", ").append(json::quote(k)).append(": ").append(json::number(v));
  return line + "}\n";
}

std::string csv_header(const std::vector<std::string>& columns) {
  std::string h = "step,time";
  for (const auto& c : columns) h.append(",").append(csv_field(c));
  return h + "\n";
}

std::string record_line_csv(const MetricsRecord& r, const std::vector<std::string>& columns) {
  std::string line = std::to_string(r.step) + "," + json::number(r.time);
  for (const auto& c : columns) line.append(",").append(r.has(c) ? csv_number(r.get(c)) : "");
  return line + "\n";
}

void write_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    MICA_CHECK(out, "MetricsLogger: cannot write ", tmp);
    out << bytes;
    out.flush();
    MICA_CHECK(out, "MetricsLogger: write failed for ", tmp);
  }
  fs::rename(tmp, path);
}

}  // namespace

double MetricsRecord::get(const std::string& key) const {
  for (const auto& [k, v] : values)
    if (k == key) return v;
  return NAN;
}

bool MetricsRecord::has(const std::string& key) const {
  return std::any_of(values.begin(), values.end(), [&](const auto& kv) { return kv.first == key; });
}

MetricsLogger::MetricsLogger(std::string path, MetricsLoggerOptions options)
    : path_(std::move(path)),
      format_(resolve(options.format, path_)),
      clock_(std::move(options.clock)) {
  MICA_CHECK(!path_.empty(), "MetricsLogger: empty path");
  if (!clock_) {
    clock_ = [] {
      using namespace std::chrono;
      return duration<double>(steady_clock::now().time_since_epoch()).count();
    };
  }
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  if (options.append && fs::exists(path_) && fs::file_size(path_) > 0) {
    const std::vector<MetricsRecord> records = read_metrics(path_, format_);
    if (!records.empty()) time_offset_ = records.back().time;
    if (format_ == MetricsFormat::kCsv) {
      const std::string text = read_all(path_, "MetricsLogger");
      const auto header = split_csv(text.substr(0, text.find('\n')), path_);
      columns_.assign(header.begin() + std::min<size_t>(2, header.size()), header.end());
    }
    // A crash mid-line left an unfinished last line: rewrite the file without it.
    const std::string text = read_all(path_, "MetricsLogger");
    if (text.back() != '\n') {
      std::string bytes = format_ == MetricsFormat::kCsv ? csv_header(columns_) : std::string();
      for (const auto& r : records)
        bytes +=
            format_ == MetricsFormat::kCsv ? record_line_csv(r, columns_) : record_line_jsonl(r);
      write_atomic(path_, bytes);
    }
    open_append();
  } else {
    file_ = std::fopen(path_.c_str(), "wb");
    MICA_CHECK(file_ != nullptr, "MetricsLogger: cannot create ", path_);
  }
  start_ = clock_();
}

MetricsLogger::~MetricsLogger() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsLogger::open_append() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path_.c_str(), "ab");
  MICA_CHECK(file_ != nullptr, "MetricsLogger: cannot open ", path_, " for appending");
}

void MetricsLogger::rewrite_csv(const std::vector<MetricsRecord>& records) {
  std::string bytes = csv_header(columns_);
  for (const auto& r : records) bytes += record_line_csv(r, columns_);
  std::fclose(file_);
  file_ = nullptr;
  write_atomic(path_, bytes);
  open_append();
}

void MetricsLogger::log(int64_t step, const Scalars& scalars) {
  for (const auto& [k, v] : scalars) {
    MICA_CHECK(!k.empty() && k != "step" && k != "time", "MetricsLogger::log: invalid name \"", k,
               "\" (empty, or reserved: step, time)");
    MICA_CHECK(std::none_of(k.begin(), k.end(), [](char c) { return c == '\n' || c == '\r'; }),
               "MetricsLogger::log: a name cannot contain a line break");
  }
  MetricsRecord r;
  r.step = step;
  r.time = std::round((clock_() - start_ + time_offset_) * 1e6) / 1e6;
  r.values = scalars;
  std::string line;
  if (format_ == MetricsFormat::kJsonl) {
    line = record_line_jsonl(r);
  } else {
    std::vector<std::string> added;
    for (const auto& [k, v] : scalars)
      if (std::find(columns_.begin(), columns_.end(), k) == columns_.end() &&
          std::find(added.begin(), added.end(), k) == added.end())
        added.push_back(k);
    const bool fresh = fs::file_size(path_) == 0;
    if (fresh) {
      columns_.insert(columns_.end(), added.begin(), added.end());
      line = csv_header(columns_);
    } else if (!added.empty()) {
      const std::vector<MetricsRecord> old = read_metrics(path_, MetricsFormat::kCsv);
      columns_.insert(columns_.end(), added.begin(), added.end());
      rewrite_csv(old);
    }
    line += record_line_csv(r, columns_);
  }
  const size_t wrote = std::fwrite(line.data(), 1, line.size(), file_);
  MICA_CHECK(wrote == line.size() && std::fflush(file_) == 0, "MetricsLogger::log: write to ",
             path_, " failed");
}

std::vector<MetricsRecord> read_metrics(const std::string& path, MetricsFormat format) {
  MICA_CHECK(fs::exists(path), "read_metrics: ", path, " not found");
  const std::string text = read_all(path, "read_metrics");
  std::vector<std::string> lines;
  std::vector<size_t> numbers;  // 1-based line numbers of the non-empty lines
  size_t pos = 0, lineno = 0;
  bool unfinished = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    unfinished = end == std::string::npos;
    if (unfinished) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++lineno;
    if (line.find_first_not_of(" \t") != std::string::npos) {
      lines.push_back(std::move(line));
      numbers.push_back(lineno);
    } else {
      unfinished = false;
    }
    pos = end + 1;
  }
  if (format == MetricsFormat::kAuto) {
    const auto ext = fs::path(path).extension();
    format = ext == ".csv"                       ? MetricsFormat::kCsv
             : ext == ".jsonl" || ext == ".json" ? MetricsFormat::kJsonl
             : !lines.empty() && lines[0].find_first_not_of(" \t") != std::string::npos &&
                     lines[0][lines[0].find_first_not_of(" \t")] == '{'
                 ? MetricsFormat::kJsonl
                 : MetricsFormat::kCsv;
  }
  std::vector<MetricsRecord> out;
  std::vector<std::string> header;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = "read_metrics: " + path + ":" + std::to_string(numbers[i]);
    const bool last_unfinished = unfinished && i + 1 == lines.size();
    try {
      MetricsRecord r;
      if (format == MetricsFormat::kJsonl) {
        bool has_step = false, has_time = false;
        for (auto& [k, v] : json::parse_object(lines[i], where)) {
          if (k == "step") {
            r.step = v.as_int((where + ": \"step\"").c_str());
            has_step = true;
          } else if (k == "time") {
            MICA_CHECK(v.kind == json::Value::kNumber, where, ": \"time\" is not a number");
            r.time = v.number;
            has_time = true;
          } else {
            MICA_CHECK(v.kind == json::Value::kNumber || v.kind == json::Value::kNull, where,
                       ": value of \"", k, "\" is not a number");
            r.values.emplace_back(k, v.kind == json::Value::kNull ? NAN : v.number);
          }
        }
        MICA_CHECK(has_step && has_time, where, ": a record needs \"step\" and \"time\"");
      } else if (header.empty()) {
        header = split_csv(lines[i], where);
        MICA_CHECK(header.size() >= 2 && header[0] == "step" && header[1] == "time", where,
                   ": a CSV metrics file starts with the header step,time,...");
        continue;
      } else {
        const auto fields = split_csv(lines[i], where);
        MICA_CHECK(fields.size() == header.size(), where, ": ", fields.size(),
                   " fields, the header has ", header.size());
        const double step = parse_double(fields[0], where, "step");
        MICA_CHECK(step == std::floor(step) && std::abs(step) < 9.0e15, where,
                   ": step is not an integer: ", fields[0]);
        r.step = static_cast<int64_t>(step);
        r.time = parse_double(fields[1], where, "time");
        for (size_t c = 2; c < fields.size(); ++c)
          if (!fields[c].empty())
            r.values.emplace_back(header[c], parse_double(fields[c], where, header[c]));
      }
      out.push_back(std::move(r));
    } catch (const Error&) {
      if (!last_unfinished) throw;  // an unfinished last line is a crash mid-write: skip it
    }
  }
  return out;
}

std::vector<std::string> metric_names(const std::vector<MetricsRecord>& records) {
  std::vector<std::string> names;
  for (const auto& r : records)
    for (const auto& [k, v] : r.values)
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  return names;
}

}  // namespace mica::data
