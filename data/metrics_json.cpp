// Minimal strict JSON reading/writing for mica's run files (see metrics_json.h).
#include "data/metrics_json.h"

#include "data/tokenizer/unicode.h"

#include <charconv>
#include <cmath>

#include "tensor/error.h"

namespace mica::data::json {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(std::string_view s, const std::string& where) : s_(s), where_(where) {}

  [[noreturn]] void fail(const std::string& what) const {
    MICA_FAIL(where_, ": invalid JSON at byte ", pos_, ": ", what);
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  Object object(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    Object out;
    expect('{');
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return out;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') fail("expected a string key");
      std::string key = string();
      skip_ws();
      expect(':');
      skip_ws();
      out.emplace_back(std::move(key), value(depth + 1));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      return out;
    }
  }

  Value value(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    Value v;
    const char c = peek();
    if (c == '"') {
      v.kind = Value::kString;
      v.text = string();
    } else if (c == '{' || c == '[') {
      const size_t begin = pos_;
      skip_compound(depth);
      v.kind = Value::kRaw;
      v.text = std::string(s_.substr(begin, pos_ - begin));
    } else if (literal("true")) {
      v.kind = Value::kBool;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = Value::kBool;
    } else if (literal("null")) {
      v.kind = Value::kNull;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Value::kNumber;
      v.text = number_literal();
      std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
    } else {
      fail(at_end() ? "unexpected end" : std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  void skip_compound(int depth) {
    if (peek() == '{') {
      object(depth + 1);
      return;
    }
    expect('[');
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_ws();
      value(depth + 1);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return;
    }
  }

 private:
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::string number_literal() {
    const size_t begin = pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (peek() >= '0' && peek() <= '9') ++pos_;
      if (pos_ == d) fail("expected a digit");
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (peek() == '.') {
      ++pos_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits();
    }
    return std::string(s_.substr(begin, pos_ - begin));
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        fail("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          unicode::append_utf8(out, static_cast<char32_t>(cp));
          break;
        }
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::string_view s_;
  const std::string& where_;
  size_t pos_ = 0;
};

}  // namespace

bool Value::is_integer() const {
  return kind == kNumber && text.find_first_of(".eE") == std::string::npos;
}

int64_t Value::as_int(const char* what) const {
  int64_t v = 0;
  if (!is_integer() || std::from_chars(text.data(), text.data() + text.size(), v).ec != std::errc{})
    MICA_FAIL(what, ": expected an integer, got ",
              kind == kNumber   ? text
              : kind == kString ? quote(text)
                                : std::string("a non-number"));
  return v;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* const kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Object parse_object(std::string_view text, const std::string& where) {
  Parser p(text, where);
  p.skip_ws();
  Object o = p.object(0);
  p.skip_ws();
  if (!p.at_end()) p.fail("trailing characters after the object");
  return o;
}

std::vector<Object> parse_object_array(std::string_view text, const std::string& where) {
  Parser p(text, where);
  std::vector<Object> out;
  p.skip_ws();
  p.expect('[');
  p.skip_ws();
  if (p.peek() == ']') {
    p.expect(']');
  } else {
    for (;;) {
      p.skip_ws();
      out.push_back(p.object(0));
      p.skip_ws();
      if (p.peek() == ',') {
        p.expect(',');
        continue;
      }
      p.expect(']');
      break;
    }
  }
  p.skip_ws();
  if (!p.at_end()) p.fail("trailing characters after the array");
  return out;
}

}  // namespace mica::data::json
