// mica's tokenizer file as a plain struct, read and written as JSON, and the reader of GPT-2's
// encoder.json. The JSON library stays inside tokenizer_file.cpp.
//
// Format (UTF-8 JSON): {"format": "mica.tokenizer", "version": 1, "type": "char" or
// "byte_level_bpe", "vocab": [token, ...] (index = id; each token's raw bytes written through
// GPT-2's byte-to-unicode mapping, as in encoder.json, so any bytes fit), "special_tokens":
// [{"content": text, "id": n}, ...], "unk_token": text or null, "pad_token": text or null,
// "units": "bytes" or "code_points" (char), "merges": [[left id, right id], ...] in rank order
// (byte_level_bpe)}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/tokenizer/tokenizer.h"

namespace mica::data {

struct TokenizerFile {
  std::string type;                // "char" or "byte_level_bpe"
  std::vector<std::string> vocab;  // id -> raw bytes (special ids: their text)
  std::vector<SpecialToken> special_tokens;
  std::optional<std::string> unk_token;
  std::optional<std::string> pad_token;
  bool byte_units = false;                          // char
  std::vector<std::pair<int64_t, int64_t>> merges;  // byte_level_bpe, rank order
};

// Throws mica::Error naming the path on I/O errors, malformed JSON or a wrong structure.
void write_tokenizer_file(const std::string& path, const TokenizerFile& file);
TokenizerFile read_tokenizer_file(const std::string& path);

// GPT-2's encoder.json: {mapped token text: id}. Returns (raw bytes, id) pairs in file order.
std::vector<std::pair<std::string, int64_t>> read_gpt2_encoder(const std::string& path);

}  // namespace mica::data
