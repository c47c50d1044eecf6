// Truncation, padding with attention masks, batch encoding and the language-model collator.
#include "data/tokenizer/collate.h"

#include <algorithm>

#include "tensor/error.h"
#include "tensor/ops/factory.h"

namespace mica::data {

namespace {
int64_t round_up(int64_t n, int64_t multiple) {
  return (n + multiple - 1) / multiple * multiple;
}

// The padded length of a batch whose longest row holds longest tokens.
int64_t padded_length(int64_t longest, Padding padding, std::optional<int64_t> max_length,
                      int64_t multiple, const char* who) {
  MICA_CHECK(multiple >= 1, who, ": pad_to_multiple_of must be >= 1, got ", multiple);
  if (padding == Padding::kMaxLength) {
    MICA_CHECK(max_length.has_value(), who, ": Padding::kMaxLength needs max_length");
    MICA_CHECK(longest <= *max_length, who, ": a sequence of ", longest,
               " tokens is longer than max_length ", *max_length, " (enable truncation)");
    return round_up(*max_length, multiple);
  }
  return round_up(longest, multiple);
}
}  // namespace

std::vector<int64_t> truncate(std::span<const int64_t> ids, int64_t max_length, Side side) {
  MICA_CHECK(max_length >= 0, "truncate: max_length must be >= 0, got ", max_length);
  const size_t keep = std::min(ids.size(), static_cast<size_t>(max_length));
  return side == Side::kRight ? std::vector<int64_t>(ids.begin(), ids.begin() + keep)
                              : std::vector<int64_t>(ids.end() - keep, ids.end());
}

BatchEncoding pad_sequences(const std::vector<std::vector<int64_t>>& seqs,
                            const PaddingOptions& opts) {
  const char* who = "pad_sequences";
  MICA_CHECK(!opts.truncation || opts.max_length.has_value(), who, ": truncation needs max_length");
  const int64_t b = static_cast<int64_t>(seqs.size());
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(seqs.size());
  int64_t longest = 0;
  for (const auto& s : seqs) {
    rows.push_back(opts.truncation ? truncate(s, *opts.max_length, opts.truncation_side) : s);
    longest = std::max<int64_t>(longest, static_cast<int64_t>(rows.back().size()));
  }
  int64_t t = longest;
  int64_t pad = 0;
  if (opts.padding == Padding::kNone) {
    for (int64_t i = 0; i < b; ++i)
      MICA_CHECK(static_cast<int64_t>(rows[i].size()) == longest, who, ": sequence ", i, " has ",
                 rows[i].size(), " tokens but sequence 0 has ", rows[0].size(),
                 " and padding is off");
  } else {
    MICA_CHECK(opts.pad_token_id.has_value(), who,
               ": no pad token id (set .pad_token_id, or give the tokenizer a pad token)");
    pad = *opts.pad_token_id;
    t = padded_length(longest, opts.padding, opts.max_length, opts.pad_to_multiple_of, who);
  }
  std::vector<int64_t> ids(static_cast<size_t>(b * t), pad), mask(static_cast<size_t>(b * t), 0);
  for (int64_t i = 0; i < b; ++i) {
    const int64_t n = static_cast<int64_t>(rows[i].size());
    const int64_t start = i * t + (opts.padding_side == Side::kLeft ? t - n : 0);
    std::copy(rows[i].begin(), rows[i].end(), ids.begin() + start);
    std::fill(mask.begin() + start, mask.begin() + start + n, 1);
  }
  return {from_vector(ids, {b, t}, kInt64), from_vector(mask, {b, t}, kInt64)};
}

BatchEncoding batch_encode(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                           const PaddingOptions& opts, const EncodeOptions& encode) {
  PaddingOptions o = opts;
  if (!o.pad_token_id) o.pad_token_id = tokenizer.pad_token_id();
  return pad_sequences(tokenizer.encode_batch(texts, encode), o);
}

LMBatch collate_lm(const std::vector<LMExample>& examples, const LMCollatorOptions& opts) {
  const char* who = "collate_lm";
  MICA_CHECK(opts.pad_token_id.has_value(), who, ": set .pad_token_id");
  MICA_CHECK(!opts.max_length || *opts.max_length >= 1, who, ": max_length must be >= 1");
  const int64_t b = static_cast<int64_t>(examples.size());
  int64_t longest = 0;
  for (int64_t i = 0; i < b; ++i) {
    const auto& e = examples[i];
    MICA_CHECK(e.prompt_length >= 0 && e.prompt_length <= static_cast<int64_t>(e.input_ids.size()),
               who, ": example ", i, " has prompt_length ", e.prompt_length, " outside [0, ",
               e.input_ids.size(), "]");
    int64_t n = static_cast<int64_t>(e.input_ids.size());
    if (opts.max_length) n = std::min(n, *opts.max_length);
    longest = std::max(longest, n);
  }
  const int64_t t =
      padded_length(longest, Padding::kLongest, std::nullopt, opts.pad_to_multiple_of, who);
  std::vector<int64_t> ids(static_cast<size_t>(b * t), *opts.pad_token_id);
  std::vector<int64_t> mask(static_cast<size_t>(b * t), 0);
  std::vector<int64_t> labels(static_cast<size_t>(b * t), opts.ignore_index);
  for (int64_t i = 0; i < b; ++i) {
    const auto& e = examples[i];
    int64_t n = static_cast<int64_t>(e.input_ids.size());
    if (opts.max_length) n = std::min(n, *opts.max_length);
    const int64_t first_label = opts.mask_prompt ? e.prompt_length : 0;
    const int64_t start = i * t + (opts.padding_side == Side::kLeft ? t - n : 0);
    for (int64_t k = 0; k < n; ++k) {
      ids[start + k] = e.input_ids[k];
      mask[start + k] = 1;
      const int64_t target = opts.shift_labels ? k + 1 : k;  // the token position k learns
      if (target < n && target >= first_label) labels[start + k] = e.input_ids[target];
    }
  }
  return {from_vector(ids, {b, t}, kInt64), from_vector(mask, {b, t}, kInt64),
          from_vector(labels, {b, t}, kInt64)};
}

}  // namespace mica::data
