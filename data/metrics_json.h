// Minimal JSON for the run files mica writes itself (metrics lines, config.json, notes.json):
// string escaping, number formatting, and a strict parser for one object whose compound
// values (arrays, nested objects) are validated and kept as raw text. Internal to mica_data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mica::data::json {

struct Value {
  enum Kind { kNull, kBool, kNumber, kString, kRaw } kind = kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // kString: the decoded string; kNumber: the literal; kRaw: the JSON text
  bool is_integer() const;
  int64_t as_int(const char* what) const;  // integral number, else throws naming `what`
};
using Object = std::vector<std::pair<std::string, Value>>;

// `s` as a JSON string literal, quotes included; invalid UTF-8 is kept byte for byte.
std::string quote(std::string_view s);
// Shortest round-tripping decimal ("0.1", "1e-08"); NaN and infinities become null.
std::string number(double v);
// Parses exactly one JSON object (whitespace around it allowed). Errors throw mica::Error
// starting with `where` (e.g. "read_metrics: run/metrics.jsonl:12") and the byte offset.
Object parse_object(std::string_view text, const std::string& where);
// Parses a JSON array of objects: [{...}, {...}].
std::vector<Object> parse_object_array(std::string_view text, const std::string& where);

}  // namespace mica::data::json
