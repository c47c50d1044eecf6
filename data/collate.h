// Collation: turning a list of examples into one batch. default_collate stacks same-shaped
// fields (integer scalars such as class labels become an int64 [B] tensor); pad_collate pads
// variable-length token sequences to a common length and adds an attention mask.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace mica::data {

// examples (non-empty, all with the same field names in the same order) -> one batch.
using Collate = std::function<Batch(const std::vector<Example>& examples)>;

// Field k of the batch is stack(field k of every example): [B, *shape]. Every example's field
// must have the same shape (otherwise the error names the field, the examples and their shapes,
// and points to pad_collate). 0-d integer fields (labels) are converted to int64 first, so the
// label field of a batch is int64 [B]. Names are kept.
Batch default_collate(const std::vector<Example>& examples);

struct PadCollateOptions {
  int64_t pad_id = 0;         // the value padding positions get
  bool left_padding = false;  // true: pad before the tokens (for generation), else after
  // The fields to pad: sequences [len, *] whose len varies. Empty: every field of rank >= 1.
  // All of them are padded to one length L, the longest in the batch (rounded up to a multiple
  // of pad_to_multiple_of); the other fields are collated like default_collate.
  std::vector<std::string> fields = {};
  // Per-field pad values overriding pad_id, e.g. {{"labels", -100}} so that a loss ignores them.
  std::vector<std::pair<std::string, int64_t>> pad_values = {};
  // The name of the int64 [B, L] mask added to the batch right after the first padded field:
  // 1 at the positions of the first padded field's tokens, 0 at padding. Empty: no mask. If the
  // examples already carry this field it is padded with 0 instead of being computed.
  std::string mask_field = "attention_mask";
  int64_t pad_to_multiple_of = 1;
};

// Padded fields become [B, L, *] in the first example's dtype.
Collate pad_collate(PadCollateOptions opts = {});

}  // namespace mica::data
