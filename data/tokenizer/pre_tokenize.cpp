// GPT-2's pre-tokenization regex as a hand-written scanner over decoded code points.
#include "data/tokenizer/pre_tokenize.h"

#include <cstdint>

#include "data/tokenizer/unicode.h"

namespace mica::data {

using unicode::CharClass;

void gpt2_pre_tokenize(std::string_view text, std::vector<std::string_view>& out) {
  if (text.empty()) return;
  // Start offset and class of each unit (code point or invalid byte), then the end offset.
  std::vector<size_t> off;
  std::vector<CharClass> cls;
  off.reserve(text.size() + 1);
  cls.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unicode::Utf8Unit u = unicode::decode_utf8(text, i);
    off.push_back(i);
    cls.push_back(u.valid ? unicode::classify(u.cp) : CharClass::kOther);
    i += u.len;
  }
  const size_t n = cls.size();
  off.push_back(text.size());
  const auto ch = [&](size_t k) { return text[off[k]]; };  // first byte of unit k
  const auto emit = [&](size_t a, size_t b) {
    out.push_back(text.substr(off[a], off[b] - off[a]));
  };

  size_t i = 0;
  while (i < n) {
    // 's 't 're 've 'm 'll 'd (ASCII, case-sensitive). ASCII bytes are always single units.
    if (ch(i) == '\'' && i + 1 < n) {
      const char a = ch(i + 1);
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        emit(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const char b = ch(i + 2);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
          emit(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
    size_t start = i;
    if (ch(i) == ' ' && i + 1 < n && cls[i + 1] != CharClass::kSpace) start = i + 1;
    const CharClass c = cls[start];
    if (c != CharClass::kSpace) {
      size_t j = start + 1;
      while (j < n && cls[j] == c) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // '\s+(?!\S)' then '\s+': a white-space run, less its last character when a non-space
    // follows it and the run is longer than one (that character then leads the next piece).
    size_t j = i + 1;
    while (j < n && cls[j] == CharClass::kSpace) ++j;
    if (j < n && j - i >= 2) --j;
    emit(i, j);
    i = j;
  }
}

std::vector<std::string_view> gpt2_pre_tokenize(std::string_view text) {
  std::vector<std::string_view> out;
  gpt2_pre_tokenize(text, out);
  return out;
}

}  // namespace mica::data
