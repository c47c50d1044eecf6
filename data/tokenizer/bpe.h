// Byte-level BPE (GPT-2's scheme): text is split by GPT-2's pre-tokenization rules, each piece's
// bytes start as one token each, and merges are applied by rank (lowest first, leftmost first
// among equals, as GPT-2's encoder does). Loads GPT-2's encoder.json + vocab.bpe and gives
// exactly GPT-2's ids; trains on a corpus; saves and loads mica's JSON format.
//
//   auto tok = ByteLevelBPETokenizer::from_gpt2_files("encoder.json", "vocab.bpe");
//   tok.encode("Hello world");  // {15496, 995}
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/tokenizer/tokenizer.h"

namespace mica::data {

struct BPETrainerOptions {
  int64_t vocab_size = 1024;  // special tokens + 256 bytes + merges; training stops there
  int64_t min_frequency = 2;  // pairs seen fewer times in the corpus are never merged
  std::vector<std::string> special_tokens = {};  // ids 0, 1, ...; never split, never learned over
};

class ByteLevelBPETokenizer : public Tokenizer {
 public:
  ByteLevelBPETokenizer() = default;

  // GPT-2's files: encoder.json (mapped token text -> id, dense ids) and vocab.bpe (one merge
  // "left right" per line in rank order, after a "#version" line). Tokens whose text looks like
  // <|...|> (GPT-2's "<|endoftext|>" = 50256) become special tokens.
  static ByteLevelBPETokenizer from_gpt2_files(const std::string& encoder_json,
                                               const std::string& vocab_bpe);
  // Learns merges on the texts (each pre-tokenized like GPT-2; pieces counted over all texts):
  // at each step the most frequent adjacent pair is merged; ties go to the pair whose
  // (left bytes, right bytes) sort first, so training is deterministic. Ids: special tokens,
  // then the 256 bytes in byte order, then one id per merge whose bytes are new.
  static ByteLevelBPETokenizer train(const std::vector<std::string>& texts,
                                     const BPETrainerOptions& opts = {});
  static ByteLevelBPETokenizer train(std::string_view corpus, const BPETrainerOptions& opts = {});

  static ByteLevelBPETokenizer load(const std::string& path);
  // From a parsed file (path only names it in errors); load_tokenizer uses it.
  static ByteLevelBPETokenizer from_file(const TokenizerFile& file, const std::string& path);
  void save(const std::string& path) const override;

  // Adds special tokens at the end of the vocabulary (texts that already are special tokens keep
  // their ids); returns the ids in the order given.
  std::vector<int64_t> add_special_tokens(const std::vector<std::string>& tokens);

  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }
  // Token text as GPT-2's files spell it (bytes through the byte-to-unicode mapping, so
  // " world" is "Ġworld"), or a special token's text.
  std::optional<int64_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int64_t id) const;
  // A token's raw bytes (a special token's text).
  const std::string& token_bytes(int64_t id) const;
  // Merges in rank order: (left id, right id); the merged token is the one with their bytes.
  const std::vector<std::pair<int64_t, int64_t>>& merges() const { return merges_; }

 protected:
  void encode_ordinary(std::string_view text, std::vector<int64_t>& out) const override;
  void append_token_bytes(int64_t id, std::string& out) const override { out += tokens_[id]; }

 private:
  // Builds the lookup tables from tokens_, merges_ and the registered specials; checks them.
  void build(const char* who);
  // BPE of one pre-tokenized piece (no cache).
  void bpe(std::string_view piece, std::vector<int64_t>& out) const;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StringMap = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;
  struct Merge {
    int64_t rank;
    int64_t id;  // the merged token
  };
  // Pieces already encoded (bounded; shared by threads under a mutex). Copies start empty.
  struct Cache {
    Cache() = default;
    Cache(const Cache&) {}
    Cache& operator=(const Cache&) { return *this; }
    mutable std::mutex mutex;
    mutable std::unordered_map<std::string, std::vector<int64_t>, StringHash, std::equal_to<>> map;
  };

  std::vector<std::string> tokens_;  // id -> raw bytes (special ids: their text)
  std::vector<std::pair<int64_t, int64_t>> merges_;
  StringMap token_ids_;                           // bytes -> id, tokens that are not special
  std::array<int64_t, 256> byte_ids_{};           // the single-byte tokens
  std::unordered_map<uint64_t, Merge> merge_of_;  // (left << 32 | right) -> merge
  Cache cache_;
};

}  // namespace mica::data
