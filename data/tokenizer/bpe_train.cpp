// Byte-level BPE training: count GPT-2 pre-tokenized pieces, then repeatedly merge the most
// frequent adjacent pair, keeping pair counts up to date incrementally (only the pieces that
// hold the merged pair are revisited) with a lazy max-heap of (count, pair).
#include <algorithm>
#include <map>
#include <queue>
#include <unordered_map>

#include "data/tokenizer/bpe.h"
#include "data/tokenizer/pre_tokenize.h"
#include "tensor/error.h"

namespace mica::data {

namespace {
uint64_t key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
int32_t left(uint64_t k) {
  return static_cast<int32_t>(k >> 32);
}
int32_t right(uint64_t k) {
  return static_cast<int32_t>(k & 0xFFFFFFFFu);
}

struct Word {
  std::vector<int32_t> sym;
  int64_t count;
};

// Calls fn on each stretch of text between occurrences of the special tokens.
template <class Fn>
void for_each_ordinary(std::string_view text, const std::vector<std::string>& specials, Fn fn) {
  size_t pos = 0;
  while (true) {
    size_t at = std::string_view::npos, len = 0;
    for (const auto& s : specials) {
      const size_t p = text.find(s, pos);
      if (p < at || (p == at && p != std::string_view::npos && s.size() > len))
        at = p, len = s.size();
    }
    if (at == std::string_view::npos) break;
    fn(text.substr(pos, at - pos));
    pos = at + len;
  }
  fn(text.substr(pos));
}
}  // namespace

ByteLevelBPETokenizer ByteLevelBPETokenizer::train(std::string_view corpus,
                                                   const BPETrainerOptions& opts) {
  return train(std::vector<std::string>{std::string(corpus)}, opts);
}

ByteLevelBPETokenizer ByteLevelBPETokenizer::train(const std::vector<std::string>& texts,
                                                   const BPETrainerOptions& opts) {
  const char* who = "ByteLevelBPETokenizer::train";
  const int64_t k = static_cast<int64_t>(opts.special_tokens.size());
  MICA_CHECK(opts.vocab_size >= k + 256, who, ": vocab_size ", opts.vocab_size, " is below the ", k,
             " special tokens + 256 bytes");
  MICA_CHECK(opts.vocab_size < (int64_t{1} << 31), who, ": vocab_size ", opts.vocab_size,
             " is too large");
  MICA_CHECK(opts.min_frequency >= 1, who, ": min_frequency must be >= 1, got ",
             opts.min_frequency);

  ByteLevelBPETokenizer t;
  for (const auto& s : opts.special_tokens) {
    t.register_special(s, static_cast<int64_t>(t.tokens_.size()), who);
    t.tokens_.push_back(s);
  }
  std::unordered_map<std::string, int32_t> id_of;  // bytes -> id, ordinary tokens
  for (int b = 0; b < 256; ++b) {
    id_of.emplace(std::string(1, static_cast<char>(b)), static_cast<int32_t>(t.tokens_.size()));
    t.tokens_.emplace_back(1, static_cast<char>(b));
  }

  // Pieces and their counts, in byte order (the order only affects speed, never the result).
  std::map<std::string, int64_t, std::less<>> piece_counts;
  std::vector<std::string_view> pieces;
  for (const auto& text : texts) {
    for_each_ordinary(text, opts.special_tokens, [&](std::string_view part) {
      pieces.clear();
      gpt2_pre_tokenize(part, pieces);
      for (const auto p : pieces) {
        auto it = piece_counts.find(p);
        if (it == piece_counts.end()) it = piece_counts.emplace(std::string(p), 0).first;
        ++it->second;
      }
    });
  }
  std::vector<Word> words;
  words.reserve(piece_counts.size());
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;  // pair -> words that held it
  for (const auto& [piece, count] : piece_counts) {
    Word w{{}, count};
    for (unsigned char c : piece) w.sym.push_back(static_cast<int32_t>(k + c));
    for (size_t i = 0; i + 1 < w.sym.size(); ++i) {
      const uint64_t p = key(w.sym[i], w.sym[i + 1]);
      pair_count[p] += count;
      where[p].push_back(static_cast<int32_t>(words.size()));
    }
    words.push_back(std::move(w));
  }

  // Max-heap: larger count first; ties to the pair whose (left bytes, right bytes) sort first.
  using Entry = std::pair<int64_t, uint64_t>;
  const auto& tok = t.tokens_;
  const auto worse = [&tok](const Entry& x, const Entry& y) {
    if (x.first != y.first) return x.first < y.first;
    const int c = tok[left(x.second)].compare(tok[left(y.second)]);
    if (c != 0) return c > 0;
    return tok[right(x.second)] > tok[right(y.second)];
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  for (const auto& [p, c] : pair_count) heap.emplace(c, p);

  std::unordered_map<uint64_t, int64_t> delta;
  std::vector<int32_t> merged;
  while (static_cast<int64_t>(t.tokens_.size()) < opts.vocab_size && !heap.empty()) {
    const auto [count, p] = heap.top();
    heap.pop();
    const int64_t now = pair_count[p];
    if (now != count) {  // stale: counts only fall without a new entry being pushed
      if (now > 0 && now < count) heap.emplace(now, p);
      continue;
    }
    if (count < opts.min_frequency) break;
    const int32_t a = left(p), b = right(p);
    std::string bytes = t.tokens_[a] + t.tokens_[b];
    auto [it, fresh] = id_of.emplace(bytes, static_cast<int32_t>(t.tokens_.size()));
    if (fresh) t.tokens_.push_back(std::move(bytes));
    const int32_t m = it->second;
    t.merges_.emplace_back(a, b);

    std::vector<int32_t> list = std::move(where[p]);
    where.erase(p);
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    delta.clear();
    for (const int32_t wi : list) {
      Word& w = words[wi];
      merged.clear();
      bool hit = false;
      for (size_t i = 0; i < w.sym.size(); ++i) {
        if (i + 1 < w.sym.size() && w.sym[i] == a && w.sym[i + 1] == b) {
          merged.push_back(m);
          ++i;
          hit = true;
        } else {
          merged.push_back(w.sym[i]);
        }
      }
      if (!hit) continue;
      for (size_t i = 0; i + 1 < w.sym.size(); ++i) delta[key(w.sym[i], w.sym[i + 1])] -= w.count;
      for (size_t i = 0; i + 1 < merged.size(); ++i) {
        const uint64_t q = key(merged[i], merged[i + 1]);
        delta[q] += w.count;
        if (merged[i] == m || merged[i + 1] == m) where[q].push_back(wi);
      }
      w.sym.swap(merged);
    }
    for (const auto& [q, d] : delta) {
      if (d == 0) continue;
      const int64_t c = (pair_count[q] += d);
      if (d > 0) heap.emplace(c, q);
    }
    pair_count.erase(p);
  }
  t.build(who);
  return t;
}

}  // namespace mica::data
