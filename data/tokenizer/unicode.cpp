// UTF-8 decoding, character classes by binary search over the generated range tables (with an
// ASCII fast path), and GPT-2's byte <-> unicode mapping.
#include "data/tokenizer/unicode.h"

#include <algorithm>

namespace mica::data::unicode {

namespace {
bool in_ranges(char32_t cp, const detail::CodeRange* r, size_t n) {
  const detail::CodeRange* end = r + n;
  const detail::CodeRange* it =
      std::upper_bound(r, end, cp, [](char32_t c, const detail::CodeRange& x) { return c < x.lo; });
  return it != r && (it - 1)->hi >= cp;
}

std::array<CharClass, 128> make_ascii_classes() {
  std::array<CharClass, 128> t{};
  for (char32_t c = 0; c < 128; ++c) {
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? CharClass::kLetter
           : c >= '0' && c <= '9'                           ? CharClass::kNumber
           : c == ' ' || (c >= 0x09 && c <= 0x0D)           ? CharClass::kSpace
                                                            : CharClass::kOther;
  }
  return t;
}
}  // namespace

CharClass classify(char32_t cp) {
  static const std::array<CharClass, 128> ascii = make_ascii_classes();
  if (cp < 128) return ascii[cp];
  if (in_ranges(cp, detail::kLetterRanges, detail::kLetterRangesCount)) return CharClass::kLetter;
  if (in_ranges(cp, detail::kNumberRanges, detail::kNumberRangesCount)) return CharClass::kNumber;
  if (in_ranges(cp, detail::kSpaceRanges, detail::kSpaceRangesCount)) return CharClass::kSpace;
  return CharClass::kOther;
}

Utf8Unit decode_utf8(std::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  const Utf8Unit invalid{b0, 1, false};
  if (b0 < 0x80) return {b0, 1, true};
  int len;
  char32_t cp;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte (Unicode table 3-7)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return invalid;
  }
  if (pos + len > s.size()) return invalid;
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(pos + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return invalid;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, static_cast<uint8_t>(len), true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

const std::array<char32_t, 256>& byte_to_unicode() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t[b] = printable ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table;
}

std::string bytes_to_mapped(std::string_view bytes) {
  const auto& t = byte_to_unicode();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) append_utf8(out, t[b]);
  return out;
}

std::optional<std::string> mapped_to_bytes(std::string_view mapped) {
  // Inverse of byte_to_unicode: every image lies below U+0144.
  static const std::array<int16_t, 0x144> inverse = [] {
    std::array<int16_t, 0x144> inv;
    inv.fill(-1);
    const auto& t = byte_to_unicode();
    for (int b = 0; b < 256; ++b) inv[t[b]] = static_cast<int16_t>(b);
    return inv;
  }();
  std::string out;
  out.reserve(mapped.size());
  for (size_t i = 0; i < mapped.size();) {
    const Utf8Unit u = decode_utf8(mapped, i);
    if (!u.valid || u.cp >= inverse.size() || inverse[u.cp] < 0) return std::nullopt;
    out += static_cast<char>(inverse[u.cp]);
    i += u.len;
  }
  return out;
}

}  // namespace mica::data::unicode
