// Unicode helpers for the tokenizers: lenient UTF-8 decoding (invalid bytes stand alone), the
// letter/number/white-space classes of GPT-2's pre-tokenization regex, and GPT-2's reversible
// byte <-> printable-character mapping (bytes_to_unicode) used in its vocabulary files.
//
// Coverage: the classes are full tables of every Unicode code point (generated into
// unicode_tables.cpp by gen_unicode_tables.py from the regex module that GPT-2's encoder.py
// itself uses): \p{L} = Lu Ll Lt Lm Lo (Latin, Greek, Cyrillic, Arabic, Hebrew, Indic, CJK
// ideographs, Hiragana/Katakana, Hangul, ...), \p{N} = Nd Nl No (ASCII and other digits, Roman
// numerals, superscripts, fractions, circled numbers, ...), \s = the White_Space property. Marks
// (Mn/Mc/Me, e.g. combining accents), symbols, punctuation, emoji and invalid bytes are "other".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mica::data::unicode {

enum class CharClass : uint8_t { kLetter, kNumber, kSpace, kOther };

CharClass classify(char32_t cp);
inline bool is_letter(char32_t cp) {
  return classify(cp) == CharClass::kLetter;
}
inline bool is_number(char32_t cp) {
  return classify(cp) == CharClass::kNumber;
}
inline bool is_space(char32_t cp) {
  return classify(cp) == CharClass::kSpace;
}

// One decoded unit of a byte string: a well-formed UTF-8 sequence (valid, cp its code point, len
// 1..4) or a single byte that starts no well-formed sequence (valid false, len 1, cp the byte).
// Overlong forms, surrogates and code points above U+10FFFF are invalid.
struct Utf8Unit {
  char32_t cp;
  uint8_t len;
  bool valid;
};
Utf8Unit decode_utf8(std::string_view s, size_t pos);

// Appends the UTF-8 encoding of cp (cp <= U+10FFFF, not a surrogate) to out.
void append_utf8(std::string& out, char32_t cp);

// GPT-2's bytes_to_unicode: the 188 printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF)
// map to themselves, the other 68 to U+0100, U+0101, ... in byte order (so ' ' -> 'Ġ' U+0120).
const std::array<char32_t, 256>& byte_to_unicode();
// Raw bytes -> their mapped text (UTF-8), as written in encoder.json and vocab.bpe.
std::string bytes_to_mapped(std::string_view bytes);
// Mapped text -> raw bytes; nullopt when the text is not valid UTF-8 or holds a character that
// is not the image of a byte.
std::optional<std::string> mapped_to_bytes(std::string_view mapped);

namespace detail {
struct CodeRange {
  char32_t lo, hi;  // inclusive
};
extern const CodeRange kLetterRanges[];
extern const size_t kLetterRangesCount;
extern const CodeRange kNumberRanges[];
extern const size_t kNumberRangesCount;
extern const CodeRange kSpaceRanges[];
extern const size_t kSpaceRangesCount;
}  // namespace detail

}  // namespace mica::data::unicode
