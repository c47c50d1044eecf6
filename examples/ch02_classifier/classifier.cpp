// Encoding, batching, class weights and evaluation of the fortune classifier (classifier.h).
#include "examples/ch02_classifier/classifier.h"

#include <algorithm>
#include <numeric>

#include "autograd/autograd.h"
#include "data/tokenizer/collate.h"
#include "tensor/ops.h"

namespace mica::examples {

EncodedSet encode_set(const data::Tokenizer& tokenizer, const std::vector<LabeledText>& items,
                      int64_t cls_id, int64_t max_len) {
  MICA_CHECK(max_len >= 2, "encode_set: max_len must be at least 2, got ", max_len);
  EncodedSet out;
  double total = 0;
  for (const auto& item : items) {
    const auto ids = tokenizer.encode(item.text, {.allow_special = false});
    total += static_cast<double>(ids.size());
    std::vector<int64_t> seq{cls_id};
    const size_t keep = std::min(ids.size(), static_cast<size_t>(max_len - 1));
    if (keep < ids.size()) ++out.truncated;
    seq.insert(seq.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep));
    out.ids.push_back(std::move(seq));
    out.labels.push_back(item.label);
  }
  out.mean_text_tokens = items.empty() ? 0.0 : total / static_cast<double>(items.size());
  return out;
}

Batch make_batch(const EncodedSet& set, const std::vector<int64_t>& indices, int64_t pad_id) {
  std::vector<std::vector<int64_t>> seqs;
  std::vector<int64_t> labels;
  for (int64_t i : indices) {
    seqs.push_back(set.ids[static_cast<size_t>(i)]);
    labels.push_back(set.labels[static_cast<size_t>(i)]);
  }
  auto enc = data::pad_sequences(seqs, {.pad_token_id = pad_id});
  const auto b = static_cast<int64_t>(labels.size());
  return {enc.input_ids, enc.attention_mask, from_vector(labels, {b}, kInt64)};
}

Tensor balanced_class_weights(const std::vector<int64_t>& counts) {
  const auto k = static_cast<double>(counts.size());
  const double n = static_cast<double>(std::accumulate(counts.begin(), counts.end(), int64_t{0}));
  std::vector<float> w;
  for (int64_t c : counts) {
    MICA_CHECK(c > 0, "balanced_class_weights: a class has no examples");
    w.push_back(static_cast<float>(n / (k * static_cast<double>(c))));
  }
  return from_vector(w, {static_cast<int64_t>(w.size())}, kFloat32);
}

Evaluation evaluate(models::BertForSequenceClassification& model, const EncodedSet& set,
                    std::vector<int64_t> indices, int64_t pad_id, int64_t batch_size) {
  if (indices.empty()) {
    indices.resize(set.ids.size());
    std::iota(indices.begin(), indices.end(), int64_t{0});
  }
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  Evaluation ev;
  double loss_sum = 0;
  for (size_t start = 0; start < indices.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(indices.size(), start + static_cast<size_t>(batch_size));
    const std::vector<int64_t> idx(indices.begin() + static_cast<std::ptrdiff_t>(start),
                                   indices.begin() + static_cast<std::ptrdiff_t>(end));
    const Batch b = make_batch(set, idx, pad_id);
    const Tensor logits = model.forward(b.input_ids, b.attention_mask);  // [B, K]
    loss_sum += cross_entropy(logits, b.labels, ops::Reduction::Sum).item<double>();
    const Tensor probs = softmax(logits, 1).to(kFloat32).contiguous();  // [B, K]
    const int64_t k = probs.size(1);
    const float* p = probs.data_ptr<float>();
    for (size_t r = 0; r < idx.size(); ++r) {
      std::vector<float> row(p + r * static_cast<size_t>(k), p + (r + 1) * static_cast<size_t>(k));
      ev.predicted.push_back(std::max_element(row.begin(), row.end()) - row.begin());
      ev.probs.push_back(std::move(row));
    }
  }
  ev.mean_loss = indices.empty() ? 0.0 : loss_sum / static_cast<double>(indices.size());
  model.train(was_training);
  return ev;
}

}  // namespace mica::examples
