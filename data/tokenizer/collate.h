// Token sequences to batched tensors: truncation and padding (left or right) with attention
// masks, batch encoding, and the language-model collator that builds labels with padding (and
// optionally the prompt) masked out, for pretraining and instruction tuning.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "data/tokenizer/tokenizer.h"
#include "tensor/tensor.h"

namespace mica::data {

enum class Side { kRight, kLeft };

enum class Padding {
  kLongest,    // to the longest sequence of the batch
  kMaxLength,  // to max_length
  kNone,       // no padding: the sequences must be equally long
};

struct PaddingOptions {
  Padding padding = Padding::kLongest;
  // kMaxLength's length and the truncation limit.
  std::optional<int64_t> max_length = std::nullopt;
  bool truncation = false;  // cut sequences longer than max_length
  Side padding_side = Side::kRight;
  Side truncation_side = Side::kRight;  // kRight keeps the start, kLeft the end
  // Pad id; batch_encode defaults to the tokenizer's pad token. Needed unless kNone.
  std::optional<int64_t> pad_token_id = std::nullopt;
  int64_t pad_to_multiple_of = 1;  // round the padded length up to a multiple of this
};

struct BatchEncoding {
  Tensor input_ids;       // [B, T] int64
  Tensor attention_mask;  // [B, T] int64: 1 on tokens, 0 on padding
};

// The first (kRight) or last (kLeft) max_length ids.
std::vector<int64_t> truncate(std::span<const int64_t> ids, int64_t max_length,
                              Side side = Side::kRight);

BatchEncoding pad_sequences(const std::vector<std::vector<int64_t>>& seqs,
                            const PaddingOptions& opts = {});
BatchEncoding batch_encode(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                           const PaddingOptions& opts = {}, const EncodeOptions& encode = {});

// One causal-LM training example: a token sequence whose first prompt_length tokens are the
// prompt (an instruction, a chat history), the rest the completion the model learns.
struct LMExample {
  std::vector<int64_t> input_ids;
  int64_t prompt_length = 0;
};

struct LMCollatorOptions {
  // Required (its value never reaches the loss: the mask and labels hide it).
  std::optional<int64_t> pad_token_id = std::nullopt;
  // Longer examples keep their first max_length tokens.
  std::optional<int64_t> max_length = std::nullopt;
  bool mask_prompt = true;  // prompt tokens get ignore_index in the labels
  // false: labels[t] is the token at t (Hugging Face's convention: the model shifts). true:
  // labels[t] is the token at t + 1, the target of position t (the last token gets
  // ignore_index), so that cross_entropy(logits [B*T, V], labels [B*T]) is the LM loss.
  bool shift_labels = false;
  Side padding_side = Side::kRight;
  int64_t pad_to_multiple_of = 1;
  int64_t ignore_index = -100;
};

struct LMBatch {
  Tensor input_ids;       // [B, T] int64
  Tensor attention_mask;  // [B, T] int64: 1 on tokens, 0 on padding
  Tensor labels;          // [B, T] int64: ignore_index on padding (and the prompt, if masked)
};

LMBatch collate_lm(const std::vector<LMExample>& examples, const LMCollatorOptions& opts);

// The collator as a callable, for a DataLoader's collate function.
struct LMCollator {
  LMCollatorOptions options;
  LMBatch operator()(const std::vector<LMExample>& examples) const {
    return collate_lm(examples, options);
  }
};

}  // namespace mica::data
