// Tokenizer: special-token splitting around encode_ordinary, decode, the pad token; the
// character/byte-level tokenizer; load_tokenizer.
#include "data/tokenizer/tokenizer.h"

#include <algorithm>
#include <map>

#include "data/tokenizer/bpe.h"
#include "data/tokenizer/tokenizer_file.h"
#include "data/tokenizer/unicode.h"
#include "tensor/error.h"

namespace mica::data {

namespace {
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unicode::Utf8Unit u = unicode::decode_utf8(s, i);
    if (!u.valid) return false;
    i += u.len;
  }
  return true;
}
}  // namespace

// ---- Tokenizer ----

std::vector<int64_t> Tokenizer::encode(std::string_view text, const EncodeOptions& opts) const {
  std::vector<int64_t> out;
  if (!opts.allow_special || specials_.empty()) {
    encode_ordinary(text, out);
    return out;
  }
  // Leftmost special token first (the longest one where several start at the same byte); the
  // next occurrence of each is remembered, so the text is searched once per special token.
  const size_t k = specials_.size();
  std::vector<size_t> next(k);
  for (size_t s = 0; s < k; ++s) next[s] = text.find(specials_[s].content);
  size_t pos = 0;
  while (true) {
    size_t best = k;
    for (size_t s = 0; s < k; ++s) {
      if (next[s] == std::string_view::npos) continue;
      if (best == k || next[s] < next[best] ||
          (next[s] == next[best] && specials_[s].content.size() > specials_[best].content.size()))
        best = s;
    }
    if (best == k) break;
    const size_t at = next[best];
    encode_ordinary(text.substr(pos, at - pos), out);
    out.push_back(specials_[best].id);
    pos = at + specials_[best].content.size();
    for (size_t s = 0; s < k; ++s)
      if (next[s] != std::string_view::npos && next[s] < pos)
        next[s] = text.find(specials_[s].content, pos);
  }
  encode_ordinary(text.substr(pos), out);
  return out;
}

std::vector<std::vector<int64_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          const EncodeOptions& opts) const {
  std::vector<std::vector<int64_t>> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(encode(t, opts));
  return out;
}

std::string Tokenizer::decode(std::span<const int64_t> ids, const DecodeOptions& opts) const {
  const int64_t n = vocab_size();
  std::string out;
  out.reserve(ids.size() * 4);
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    MICA_CHECK(id >= 0 && id < n, "decode: token id ", id, " at position ", i,
               " is outside the vocabulary [0, ", n, ")");
    const auto it = special_by_id_.find(id);
    if (it == special_by_id_.end()) {
      append_token_bytes(id, out);
    } else if (!opts.skip_special_tokens) {
      out += specials_[it->second].content;
    }
  }
  return out;
}

std::optional<int64_t> Tokenizer::special_token_id(std::string_view content) const {
  const auto it = special_by_text_.find(std::string(content));
  if (it == special_by_text_.end()) return std::nullopt;
  return it->second;
}

void Tokenizer::set_pad_token(std::string_view content) {
  const auto id = special_token_id(content);
  MICA_CHECK(id.has_value(), "set_pad_token: \"", content,
             "\" is not a special token of this tokenizer (add it first)");
  pad_id_ = *id;
}

void Tokenizer::register_special(const std::string& content, int64_t id, const char* who) {
  MICA_CHECK(!content.empty(), who, ": a special token is empty");
  MICA_CHECK(valid_utf8(content), who, ": special token is not valid UTF-8");
  MICA_CHECK(!special_by_text_.count(content), who, ": special token \"", content,
             "\" given twice");
  MICA_CHECK(!special_by_id_.count(id), who, ": two special tokens share id ", id);
  special_by_text_.emplace(content, id);
  special_by_id_.emplace(id, specials_.size());
  specials_.push_back({content, id});
}

void Tokenizer::clear_specials() {
  specials_.clear();
  special_by_text_.clear();
  special_by_id_.clear();
  pad_id_.reset();
}

// ---- CharTokenizer ----

CharTokenizer CharTokenizer::bytes(const std::vector<std::string>& special_tokens) {
  CharTokenizer t;
  t.byte_units_ = true;
  for (int b = 0; b < 256; ++b) t.units_.emplace_back(1, static_cast<char>(b));
  for (const auto& s : special_tokens) {
    t.register_special(s, static_cast<int64_t>(t.units_.size()), "CharTokenizer::bytes");
    t.units_.push_back(s);
  }
  t.build_index("CharTokenizer::bytes");
  return t;
}

CharTokenizer CharTokenizer::from_corpus(std::string_view corpus,
                                         const CharTokenizerOptions& opts) {
  const char* who = "CharTokenizer::from_corpus";
  MICA_CHECK(opts.min_frequency >= 1, who, ": min_frequency must be >= 1, got ",
             opts.min_frequency);
  CharTokenizer t;
  t.byte_units_ = opts.bytes;
  std::vector<std::string> specials = opts.special_tokens;
  if (!opts.unk_token.empty() &&
      std::find(specials.begin(), specials.end(), opts.unk_token) == specials.end())
    specials.push_back(opts.unk_token);
  for (const auto& s : specials) {
    t.register_special(s, static_cast<int64_t>(t.units_.size()), who);
    t.units_.push_back(s);
  }
  if (!opts.unk_token.empty()) t.unk_id_ = t.special_token_id(opts.unk_token);
  std::map<std::string, int64_t> counts;  // sorted by bytes: the id order
  for (size_t i = 0; i < corpus.size();) {
    const size_t len = opts.bytes ? 1 : unicode::decode_utf8(corpus, i).len;
    ++counts[std::string(corpus.substr(i, len))];
    i += len;
  }
  for (const auto& [unit, count] : counts)
    if (count >= opts.min_frequency) t.units_.push_back(unit);
  t.build_index(who);
  return t;
}

void CharTokenizer::build_index(const char* who) {
  unit_ids_.clear();
  for (size_t id = 0; id < units_.size(); ++id) {
    if (is_special(static_cast<int64_t>(id))) continue;
    MICA_CHECK(!units_[id].empty(), who, ": vocabulary entry ", id, " is empty");
    MICA_CHECK(unit_ids_.emplace(units_[id], static_cast<int64_t>(id)).second, who,
               ": vocabulary entry ", id, " (\"", unicode::bytes_to_mapped(units_[id]),
               "\") repeats an earlier one");
  }
}

std::optional<int64_t> CharTokenizer::token_to_id(std::string_view token) const {
  if (auto s = special_token_id(token)) return s;
  const auto it = unit_ids_.find(std::string(token));
  if (it == unit_ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& CharTokenizer::id_to_token(int64_t id) const {
  MICA_CHECK(id >= 0 && id < vocab_size(), "CharTokenizer::id_to_token: id ", id,
             " is outside the vocabulary [0, ", vocab_size(), ")");
  return units_[id];
}

void CharTokenizer::encode_ordinary(std::string_view text, std::vector<int64_t>& out) const {
  std::string unit;
  for (size_t i = 0; i < text.size();) {
    const size_t len = byte_units_ ? 1 : unicode::decode_utf8(text, i).len;
    unit.assign(text.substr(i, len));
    const auto it = unit_ids_.find(unit);
    if (it != unit_ids_.end()) {
      out.push_back(it->second);
    } else {
      MICA_CHECK(unk_id_.has_value(), "CharTokenizer::encode: unit \"",
                 unicode::bytes_to_mapped(unit), "\" at byte ", i,
                 " is not in the vocabulary and there is no unk_token");
      out.push_back(*unk_id_);
    }
    i += len;
  }
}

void CharTokenizer::append_token_bytes(int64_t id, std::string& out) const {
  out += units_[id];
}

void CharTokenizer::save(const std::string& path) const {
  TokenizerFile f;
  f.type = "char";
  f.vocab = units_;
  f.special_tokens = special_tokens();
  if (unk_id_) f.unk_token = units_[*unk_id_];
  if (pad_token_id()) f.pad_token = units_[*pad_token_id()];
  f.byte_units = byte_units_;
  write_tokenizer_file(path, f);
}

namespace {
// Shared checks of a loaded file's special tokens against its vocabulary.
void check_specials(const TokenizerFile& f, const std::string& path) {
  for (const auto& s : f.special_tokens)
    MICA_CHECK(s.id >= 0 && s.id < static_cast<int64_t>(f.vocab.size()), "load_tokenizer: ", path,
               ": special token \"", s.content, "\" has id ", s.id, " outside the vocabulary");
}
}  // namespace

CharTokenizer CharTokenizer::load(const std::string& path) {
  return from_file(read_tokenizer_file(path), path);
}

CharTokenizer CharTokenizer::from_file(const TokenizerFile& f, const std::string& path) {
  MICA_CHECK(f.type == "char", "CharTokenizer::load: ", path, " holds a \"", f.type,
             "\" tokenizer (use load_tokenizer)");
  check_specials(f, path);
  CharTokenizer t;
  t.byte_units_ = f.byte_units;
  t.units_ = f.vocab;
  for (const auto& s : f.special_tokens) {
    t.register_special(s.content, s.id, "CharTokenizer::load");
    t.units_[s.id] = s.content;
  }
  if (f.unk_token) {
    t.unk_id_ = t.special_token_id(*f.unk_token);
    MICA_CHECK(t.unk_id_.has_value(), "CharTokenizer::load: ", path, ": unk_token \"", *f.unk_token,
               "\" is not a special token");
  }
  if (f.pad_token) t.set_pad_token(*f.pad_token);
  t.build_index("CharTokenizer::load");
  return t;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const TokenizerFile f = read_tokenizer_file(path);
  if (f.type == "char") return std::make_unique<CharTokenizer>(CharTokenizer::from_file(f, path));
  return std::make_unique<ByteLevelBPETokenizer>(ByteLevelBPETokenizer::from_file(f, path));
}

}  // namespace mica::data
