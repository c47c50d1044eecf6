// GPT-2's pre-tokenization, written by hand over UTF-8 code points: it splits text exactly as
// GPT-2's regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// does under findall (alternatives tried in order at each position, leftmost match), with the
// classes of data/tokenizer/unicode.h. Bytes that are not well-formed UTF-8 count as "other"
// characters (the [^\s\p{L}\p{N}] class), so every byte string splits and the pieces always
// concatenate back to the input.
#pragma once

#include <string_view>
#include <vector>

namespace mica::data {

// Appends the pieces of text (views into it, in order, covering it exactly) to out.
void gpt2_pre_tokenize(std::string_view text, std::vector<std::string_view>& out);
std::vector<std::string_view> gpt2_pre_tokenize(std::string_view text);

}  // namespace mica::data
