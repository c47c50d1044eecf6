// Tokenized classification examples and the training/evaluation pieces of the fortune
// classifier: [CLS] + truncated token ids, padded batches, the class-weighted loss, and batched
// evaluation of a BertForSequenceClassification (predictions, probabilities, mean loss).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/tokenizer/tokenizer.h"
#include "examples/ch02_classifier/fortune_data.h"
#include "models/bert.h"
#include "tensor/tensor.h"

namespace mica::examples {

struct EncodedSet {
  std::vector<std::vector<int64_t>> ids;  // [CLS] then at most max_len - 1 text tokens
  std::vector<int64_t> labels;
  int64_t truncated = 0;        // examples whose text had more tokens than fit
  double mean_text_tokens = 0;  // before truncation
};

// Encodes the texts (special-token texts inside them are not recognized) with cls_id in front.
EncodedSet encode_set(const data::Tokenizer& tokenizer, const std::vector<LabeledText>& items,
                      int64_t cls_id, int64_t max_len);

struct Batch {
  Tensor input_ids;       // [B, T] int64, padded with pad_id
  Tensor attention_mask;  // [B, T] int64
  Tensor labels;          // [B] int64
};
// The examples at `indices`, right-padded to the longest.
Batch make_batch(const EncodedSet& set, const std::vector<int64_t>& indices, int64_t pad_id);

// Per-class weights n / (K * n_c) (balanced, as scikit-learn's class_weight="balanced") ->
// float32 [K]; every class must have examples.
Tensor balanced_class_weights(const std::vector<int64_t>& counts);

struct Evaluation {
  std::vector<int64_t> predicted;         // argmax per example
  std::vector<std::vector<float>> probs;  // softmax per example
  double mean_loss = 0;                   // unweighted cross-entropy
};
// Runs the model in eval mode without gradients over the examples at `indices` (all when
// empty), in batches; restores the model's training mode.
Evaluation evaluate(models::BertForSequenceClassification& model, const EncodedSet& set,
                    std::vector<int64_t> indices, int64_t pad_id, int64_t batch_size);

}  // namespace mica::examples
