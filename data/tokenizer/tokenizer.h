// The Tokenizer interface that the byte-level BPE and the character/byte-level tokenizer share:
// encode/decode with special tokens (recognized in text when allowed), a pad token, saving in
// mica's JSON format, and load_tokenizer for any saved tokenizer.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mica::data {

struct TokenizerFile;  // tokenizer_file.h

struct EncodeOptions {
  // true: the special tokens' texts (e.g. "<|endoftext|>") in the input become their ids.
  // false: they are encoded like any other text (safe for untrusted input).
  bool allow_special = true;
};

struct DecodeOptions {
  bool skip_special_tokens = false;
};

struct SpecialToken {
  std::string content;
  int64_t id;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  std::vector<int64_t> encode(std::string_view text, const EncodeOptions& opts = {}) const;
  std::vector<std::vector<int64_t>> encode_batch(const std::vector<std::string>& texts,
                                                 const EncodeOptions& opts = {}) const;
  // Concatenates the tokens' bytes (special tokens give their text). Throws on an id outside
  // [0, vocab_size()).
  std::string decode(std::span<const int64_t> ids, const DecodeOptions& opts = {}) const;

  virtual int64_t vocab_size() const = 0;
  // Writes the tokenizer to a JSON file in mica's format, atomically (temp file + rename).
  virtual void save(const std::string& path) const = 0;

  const std::vector<SpecialToken>& special_tokens() const { return specials_; }
  std::optional<int64_t> special_token_id(std::string_view content) const;
  bool is_special(int64_t id) const { return special_by_id_.count(id) != 0; }

  // The pad token (a special token; GPT-2 has none: set_pad_token("<|endoftext|>") is common).
  std::optional<int64_t> pad_token_id() const { return pad_id_; }
  void set_pad_token(std::string_view content);

 protected:
  // Appends the ids of text, which holds no special token to recognize.
  virtual void encode_ordinary(std::string_view text, std::vector<int64_t>& out) const = 0;
  // Appends the bytes of a token that is not special (id already checked to be in range).
  virtual void append_token_bytes(int64_t id, std::string& out) const = 0;
  // Records a special token (non-empty, valid UTF-8, unique text and id); subclasses own the ids.
  void register_special(const std::string& content, int64_t id, const char* who);
  void clear_specials();

 private:
  std::vector<SpecialToken> specials_;
  std::unordered_map<std::string, int64_t> special_by_text_;
  std::unordered_map<int64_t, size_t> special_by_id_;  // id -> index in specials_
  std::optional<int64_t> pad_id_;
};

// Loads any tokenizer that Tokenizer::save wrote (a CharTokenizer or ByteLevelBPETokenizer).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

struct CharTokenizerOptions {
  bool bytes = false;  // units: raw bytes (true) or UTF-8 code points (false; invalid bytes alone)
  std::vector<std::string> special_tokens = {};  // ids 0, 1, ... in this order
  // Stands for units outside the vocabulary (a special token, added when missing); empty: such
  // units make encode throw.
  std::string unk_token = "<unk>";
  int64_t min_frequency = 1;  // units rarer than this in the corpus stay out of the vocabulary
};

// Character-level (code points) or byte-level tokenizer.
class CharTokenizer : public Tokenizer {
 public:
  CharTokenizer() = default;
  // Ids 0..255 are the byte values, special tokens follow (256, ...): covers any input.
  static CharTokenizer bytes(const std::vector<std::string>& special_tokens = {});
  // Special tokens (and unk) first, then the corpus's units sorted by their bytes.
  static CharTokenizer from_corpus(std::string_view corpus, const CharTokenizerOptions& opts = {});
  static CharTokenizer load(const std::string& path);
  // From a parsed file (path only names it in errors); load_tokenizer uses it.
  static CharTokenizer from_file(const TokenizerFile& file, const std::string& path);
  void save(const std::string& path) const override;

  int64_t vocab_size() const override { return static_cast<int64_t>(units_.size()); }
  std::optional<int64_t> unk_token_id() const { return unk_id_; }
  bool byte_units() const { return byte_units_; }
  // A unit's bytes (or a special token's text) -> id.
  std::optional<int64_t> token_to_id(std::string_view token) const;
  const std::string& id_to_token(int64_t id) const;

 protected:
  void encode_ordinary(std::string_view text, std::vector<int64_t>& out) const override;
  void append_token_bytes(int64_t id, std::string& out) const override;

 private:
  void build_index(const char* who);

  bool byte_units_ = false;
  std::vector<std::string> units_;                     // id -> bytes (special ids: their text)
  std::unordered_map<std::string, int64_t> unit_ids_;  // non-special units only
  std::optional<int64_t> unk_id_;
};

}  // namespace mica::data
