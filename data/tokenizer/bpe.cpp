// Byte-level BPE: GPT-2 file loading, rank-ordered merging with a piece cache, mica's format.
// Training is in bpe_train.cpp.
#include "data/tokenizer/bpe.h"

#include <fstream>
#include <functional>
#include <queue>

#include "data/tokenizer/pre_tokenize.h"
#include "data/tokenizer/tokenizer_file.h"
#include "data/tokenizer/unicode.h"
#include "tensor/error.h"

namespace mica::data {

namespace {
constexpr size_t kCacheLimit = 1 << 18;  // pieces; the cache is emptied when it is full

uint64_t pair_key(int64_t a, int64_t b) {
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b);
}

bool looks_special(const std::string& t) {
  return t.size() > 4 && t.starts_with("<|") && t.ends_with("|>");
}
}  // namespace

ByteLevelBPETokenizer ByteLevelBPETokenizer::from_gpt2_files(const std::string& encoder_json,
                                                             const std::string& vocab_bpe) {
  const char* who = "ByteLevelBPETokenizer::from_gpt2_files";
  auto entries = read_gpt2_encoder(encoder_json);
  const int64_t n = static_cast<int64_t>(entries.size());
  ByteLevelBPETokenizer t;
  t.tokens_.assign(n, std::string());
  std::vector<bool> seen(n, false);
  for (auto& [bytes, id] : entries) {
    MICA_CHECK(id >= 0 && id < n && !seen[id], who, ": ", encoder_json, ": token \"",
               unicode::bytes_to_mapped(bytes), "\" has id ", id,
               (id >= 0 && id < n ? " used twice" : " outside [0, number of tokens)"));
    seen[id] = true;
    t.tokens_[id] = std::move(bytes);
  }
  for (int64_t id = 0; id < n; ++id)
    if (looks_special(t.tokens_[id])) t.register_special(t.tokens_[id], id, who);

  std::ifstream in(vocab_bpe, std::ios::binary);
  MICA_CHECK(in.good(), who, ": cannot open ", vocab_bpe);
  std::unordered_map<std::string, int64_t> ids;  // mapped text -> id
  ids.reserve(n);
  for (int64_t id = 0; id < n; ++id)
    if (!t.is_special(id)) ids.emplace(unicode::bytes_to_mapped(t.tokens_[id]), id);
  std::string line;
  for (int64_t lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (lineno == 1 && line.starts_with("#version"))) continue;
    const size_t sp = line.find(' ');
    MICA_CHECK(sp != std::string::npos && sp > 0 && sp + 1 < line.size() &&
                   line.find(' ', sp + 1) == std::string::npos,
               who, ": ", vocab_bpe, " line ", lineno, " is not \"left right\": \"", line, "\"");
    const auto a = ids.find(line.substr(0, sp));
    const auto b = ids.find(line.substr(sp + 1));
    MICA_CHECK(a != ids.end() && b != ids.end(), who, ": ", vocab_bpe, " line ", lineno, ": \"",
               line, "\" names a token missing from ", encoder_json);
    t.merges_.emplace_back(a->second, b->second);
  }
  t.build(who);
  return t;
}

void ByteLevelBPETokenizer::build(const char* who) {
  const int64_t n = vocab_size();
  MICA_CHECK(n < (int64_t{1} << 31), who, ": vocabulary of ", n, " tokens is too large");
  token_ids_.clear();
  token_ids_.reserve(n);
  for (int64_t id = 0; id < n; ++id) {
    if (is_special(id)) continue;
    MICA_CHECK(!tokens_[id].empty(), who, ": token ", id, " is empty");
    MICA_CHECK(token_ids_.emplace(tokens_[id], id).second, who, ": token ", id, " (\"",
               unicode::bytes_to_mapped(tokens_[id]), "\") repeats an earlier token");
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = token_ids_.find(std::string(1, static_cast<char>(b)));
    MICA_CHECK(it != token_ids_.end(), who, ": byte 0x", std::hex, b,
               " has no token (byte-level BPE needs all 256)");
    byte_ids_[b] = it->second;
  }
  merge_of_.clear();
  merge_of_.reserve(merges_.size());
  for (size_t r = 0; r < merges_.size(); ++r) {
    const auto [a, b] = merges_[r];
    MICA_CHECK(a >= 0 && a < n && b >= 0 && b < n && !is_special(a) && !is_special(b), who,
               ": merge ", r, " (", a, ", ", b, ") names an id that is no ordinary token");
    const auto it = token_ids_.find(tokens_[a] + tokens_[b]);
    MICA_CHECK(it != token_ids_.end(), who, ": merge ", r, " (\"",
               unicode::bytes_to_mapped(tokens_[a]), "\" \"", unicode::bytes_to_mapped(tokens_[b]),
               "\") makes a token missing from the vocabulary");
    merge_of_.try_emplace(pair_key(a, b), Merge{static_cast<int64_t>(r), it->second});
  }
  std::lock_guard lock(cache_.mutex);
  cache_.map.clear();
}

void ByteLevelBPETokenizer::bpe(std::string_view piece, std::vector<int64_t>& out) const {
  const int n = static_cast<int>(piece.size());
  std::vector<int64_t> sym(n);
  std::vector<int> next(n), prev(n);
  for (int i = 0; i < n; ++i) {
    sym[i] = byte_ids_[static_cast<unsigned char>(piece[i])];
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // Min-heap of (rank, position of the pair's left symbol): lowest rank first, then leftmost.
  // Entries go stale when a neighbour merges; they are checked against the live pair when popped.
  using Entry = std::pair<int64_t, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  const auto merge_at = [&](int i) -> const Merge* {
    if (i < 0 || next[i] < 0) return nullptr;
    const auto it = merge_of_.find(pair_key(sym[i], sym[next[i]]));
    return it == merge_of_.end() ? nullptr : &it->second;
  };
  const auto push = [&](int i) {
    if (const Merge* m = merge_at(i)) heap.emplace(m->rank, i);
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  std::vector<bool> dead(n, false);
  while (!heap.empty()) {
    const auto [rank, i] = heap.top();
    heap.pop();
    if (dead[i]) continue;
    const Merge* m = merge_at(i);
    if (m == nullptr || m->rank != rank) continue;
    const int j = next[i];
    sym[i] = m->id;
    dead[j] = true;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    push(prev[i]);
    push(i);
  }
  for (int i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
}

void ByteLevelBPETokenizer::encode_ordinary(std::string_view text,
                                            std::vector<int64_t>& out) const {
  MICA_CHECK(!tokens_.empty(),
             "ByteLevelBPETokenizer::encode: empty tokenizer (load or train one)");
  std::vector<std::string_view> pieces;
  gpt2_pre_tokenize(text, pieces);
  std::vector<int64_t> ids;
  for (const std::string_view piece : pieces) {
    if (piece.size() == 1) {
      out.push_back(byte_ids_[static_cast<unsigned char>(piece[0])]);
      continue;
    }
    {
      std::lock_guard lock(cache_.mutex);
      const auto it = cache_.map.find(piece);
      if (it != cache_.map.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    ids.clear();
    bpe(piece, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard lock(cache_.mutex);
    if (cache_.map.size() >= kCacheLimit) cache_.map.clear();
    cache_.map.emplace(std::string(piece), ids);
  }
}

std::vector<int64_t> ByteLevelBPETokenizer::add_special_tokens(
    const std::vector<std::string>& tokens) {
  std::vector<int64_t> ids;
  for (const auto& s : tokens) {
    if (auto id = special_token_id(s)) {
      ids.push_back(*id);
      continue;
    }
    const int64_t id = vocab_size();
    register_special(s, id, "ByteLevelBPETokenizer::add_special_tokens");
    tokens_.push_back(s);
    ids.push_back(id);
  }
  return ids;
}

std::optional<int64_t> ByteLevelBPETokenizer::token_to_id(std::string_view token) const {
  if (auto s = special_token_id(token)) return s;
  const auto bytes = unicode::mapped_to_bytes(token);
  if (!bytes) return std::nullopt;
  const auto it = token_ids_.find(*bytes);
  if (it == token_ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& ByteLevelBPETokenizer::token_bytes(int64_t id) const {
  MICA_CHECK(id >= 0 && id < vocab_size(), "ByteLevelBPETokenizer: token id ", id,
             " is outside the vocabulary [0, ", vocab_size(), ")");
  return tokens_[id];
}

std::string ByteLevelBPETokenizer::id_to_token(int64_t id) const {
  const std::string& bytes = token_bytes(id);
  return is_special(id) ? bytes : unicode::bytes_to_mapped(bytes);
}

void ByteLevelBPETokenizer::save(const std::string& path) const {
  TokenizerFile f;
  f.type = "byte_level_bpe";
  f.vocab = tokens_;
  f.special_tokens = special_tokens();
  if (pad_token_id()) f.pad_token = tokens_[*pad_token_id()];
  f.merges = merges_;
  write_tokenizer_file(path, f);
}

ByteLevelBPETokenizer ByteLevelBPETokenizer::load(const std::string& path) {
  return from_file(read_tokenizer_file(path), path);
}

ByteLevelBPETokenizer ByteLevelBPETokenizer::from_file(const TokenizerFile& f,
                                                       const std::string& path) {
  const char* who = "ByteLevelBPETokenizer::load";
  MICA_CHECK(f.type == "byte_level_bpe", who, ": ", path, " holds a \"", f.type,
             "\" tokenizer (use load_tokenizer)");
  ByteLevelBPETokenizer t;
  t.tokens_ = f.vocab;
  for (const auto& s : f.special_tokens) {
    MICA_CHECK(s.id >= 0 && s.id < t.vocab_size(), who, ": ", path, ": special token \"", s.content,
               "\" has id ", s.id, " outside the vocabulary");
    t.register_special(s.content, s.id, who);
    t.tokens_[s.id] = s.content;
  }
  t.merges_ = f.merges;
  if (f.pad_token) t.set_pad_token(*f.pad_token);
  t.build(who);
  return t;
}

}  // namespace mica::data
