// ch02_gpt_fortunes: the text the model reads: W2's character vocabulary as a data::Tokenizer,
// the codec (normalize, encode, decode), BPE-encoded splits, and W2's hash-chosen batches.
#include <algorithm>

#include "ch02.h"

namespace ch02 {

data::CharTokenizer w2_char_tokenizer() {
  // Every unit once: from_corpus sorts units by their bytes, which is W2's order
  // ('\n' = 10 first, then 32..126), with no special or unknown token in front.
  std::string units = "\n";
  for (int c = 32; c <= 126; ++c) units += static_cast<char>(c);
  data::CharTokenizer tok = data::CharTokenizer::from_corpus(units, {.unk_token = ""});
  MICA_CHECK(tok.vocab_size() == data::kCharVocabSize, "ch02_gpt_fortunes: char tokenizer has ",
             tok.vocab_size(), " ids, W2 has ", data::kCharVocabSize);
  MICA_CHECK(tok.encode(units) == data::encode_chars(units),
             "ch02_gpt_fortunes: char tokenizer ids differ from W2's");
  return tok;
}

std::vector<int64_t> TextCodec::encode(const std::string& text) const {
  // W2's normalization first (TAB -> space, other control and non-ASCII bytes dropped), so any
  // text reaches the model the way the corpus did.
  const std::string normalized = data::decode_chars(data::encode_chars(text));
  return tokenizer->encode(normalized, {.allow_special = false});
}

std::string TextCodec::decode(const std::vector<int64_t>& ids) const {
  return tokenizer->decode(ids);
}

void encode_with_bpe(const TextCodec& codec, TokenData& data) {
  auto encode_split = [&](std::span<const uint8_t> split) {
    std::vector<int64_t> ids(split.begin(), split.end());
    // Fortunes end with "\n%\n"; encoding per line keeps the pieces short for the encoder.
    const std::string text = data::decode_chars(ids);
    std::vector<int32_t> out;
    out.reserve(text.size() / 2);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      end = end == std::string::npos ? text.size() : end + 1;
      for (int64_t id : codec.tokenizer->encode(std::string_view(text).substr(start, end - start),
                                                {.allow_special = false}))
        out.push_back(static_cast<int32_t>(id));
      start = end;
    }
    return out;
  };
  data.train = encode_split(data.chars.train());
  data.val = encode_split(data.chars.val());
  data.bpe = true;
}

Tensor TokenData::batch(bool train_split, int64_t batch, int64_t block, uint64_t stream,
                        uint64_t first) const {
  if (bpe) return data::char_batch(train_split ? train : val, batch, block, stream, first);
  return data::char_batch(train_split ? chars.train() : chars.val(), batch, block, stream, first);
}

}  // namespace ch02
