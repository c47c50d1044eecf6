// BERT-style encoder with Hugging Face BertModel's layout, math and parameter names
// ("embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", ...,
// "pooler.dense.weight"), BertForSequenceClassification ("bert.*", "classifier.*") and loading
// of HF-layout weights (safetensors / StateDict) with one error listing every missing,
// unexpected and mis-shaped tensor.
//
//   models::BertConfig cfg{.vocab_size = 30522, .num_labels = 2};
//   auto clf = std::make_shared<models::BertForSequenceClassification>(cfg);
//   clf->bert->load_safetensors("bert-base-uncased/model.safetensors");  // pretrained encoder
//   Tensor logits = clf->forward(input_ids, attention_mask, token_type_ids);  // [B, num_labels]
//   Tensor loss = clf->loss(logits, labels);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/nn.h"

namespace mica::models {

// How BertModel turns hidden states into one vector per sequence.
enum class BertPooling {
  CLS,   // BERT's pooler: tanh(dense(h[:, 0]))
  Mean,  // mean of h over the tokens where attention_mask is 1 (the pooler is kept but unused)
};

struct BertConfig {
  int64_t vocab_size = 30522;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  double layer_norm_eps = 1e-12;
  double hidden_dropout = 0.1;     // HF hidden_dropout_prob (also before the classifier)
  double attention_dropout = 0.1;  // HF attention_probs_dropout_prob
  double initializer_range = 0.02;
  int64_t pad_token_id = 0;  // the word-embedding padding row
  BertPooling pooling = BertPooling::CLS;
  int64_t num_labels = 2;  // 1: regression (MSE loss), else classification (cross-entropy)

  // Throws mica::Error naming the offending field (e.g. hidden_size not divisible by heads).
  void validate() const;
};

// ---- building blocks (HF module names in the comments) ----

// "embeddings": word + position + token_type embeddings, LayerNorm, dropout.
class BertEmbeddings : public nn::Module {
 public:
  explicit BertEmbeddings(const BertConfig& config);
  // input_ids, token_type_ids: int64 [B, T] (T <= max_position_embeddings) -> [B, T, H]
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids) const;

  std::shared_ptr<nn::Embedding> word_embeddings, position_embeddings, token_type_embeddings;
  std::shared_ptr<nn::LayerNorm> layer_norm;  // "LayerNorm"
  std::shared_ptr<nn::Dropout> dropout;
};

// "attention.self": multi-head scaled dot-product self-attention with an additive mask.
class BertSelfAttention : public nn::Module {
 public:
  explicit BertSelfAttention(const BertConfig& config);
  // x: [B, T, H], ext_mask: [B, 1, 1, T] additive (0 keep, very negative pad) or undefined
  // -> context [B, T, H]
  Tensor forward(const Tensor& x, const Tensor& ext_mask) const;

  int64_t num_heads, head_dim;
  std::shared_ptr<nn::Linear> query, key, value;
  std::shared_ptr<nn::Dropout> dropout;  // on the attention probabilities
};

// "attention.output" and "output": dense + dropout + residual + LayerNorm (post-LN).
class BertResidualOutput : public nn::Module {
 public:
  BertResidualOutput(int64_t in_features, const BertConfig& config);
  // x: [B, T, in_features], residual: [B, T, H] -> [B, T, H]
  Tensor forward(const Tensor& x, const Tensor& residual) const;

  std::shared_ptr<nn::Linear> dense;
  std::shared_ptr<nn::LayerNorm> layer_norm;  // "LayerNorm"
  std::shared_ptr<nn::Dropout> dropout;
};

// "attention": self-attention followed by its output block.
class BertAttention : public nn::Module {
 public:
  explicit BertAttention(const BertConfig& config);
  // x: [B, T, H], ext_mask: [B, 1, 1, T] or undefined -> [B, T, H]
  Tensor forward(const Tensor& x, const Tensor& ext_mask) const;

  std::shared_ptr<BertSelfAttention> self;
  std::shared_ptr<BertResidualOutput> output;
};

// "intermediate": dense + GELU (erf form).
class BertIntermediate : public nn::Module {
 public:
  explicit BertIntermediate(const BertConfig& config);
  // x: [B, T, H] -> [B, T, intermediate_size]
  Tensor forward(const Tensor& x) const;

  std::shared_ptr<nn::Linear> dense;
};

// "encoder.layer.<i>": attention, intermediate, output.
class BertLayer : public nn::Module {
 public:
  explicit BertLayer(const BertConfig& config);
  // x: [B, T, H], ext_mask: [B, 1, 1, T] or undefined -> [B, T, H]
  Tensor forward(const Tensor& x, const Tensor& ext_mask) const;

  std::shared_ptr<BertAttention> attention;
  std::shared_ptr<BertIntermediate> intermediate;
  std::shared_ptr<BertResidualOutput> output;
};

// "encoder": the layer stack under "layer".
class BertEncoder : public nn::Module {
 public:
  explicit BertEncoder(const BertConfig& config);
  // x: [B, T, H], ext_mask: [B, 1, 1, T] or undefined -> [B, T, H]
  Tensor forward(const Tensor& x, const Tensor& ext_mask) const;

  std::shared_ptr<nn::ModuleList> layer;
};

// "pooler": tanh(dense(h[:, 0])).
class BertPooler : public nn::Module {
 public:
  explicit BertPooler(const BertConfig& config);
  // hidden: [B, T, H] -> [B, H]
  Tensor forward(const Tensor& hidden) const;

  std::shared_ptr<nn::Linear> dense;
};

struct BertModelOutput {
  Tensor last_hidden_state;  // [B, T, H]
  Tensor pooled;             // [B, H] (per config.pooling)
};

// The encoder with HF BertModel's names. Weights are initialized as HF does: Linear and
// Embedding N(0, initializer_range) (padding row zeroed), biases zero, LayerNorm ones/zeros.
class BertModel : public nn::Module {
 public:
  explicit BertModel(const BertConfig& config);

  // input_ids: int64 [B, T]; attention_mask: [B, T] (1 keep, 0 pad; any numeric dtype;
  // undefined: all ones); token_type_ids: int64 [B, T] (undefined: zeros).
  BertModelOutput forward(const Tensor& input_ids, const Tensor& attention_mask = {},
                          const Tensor& token_type_ids = {}) const;

  // Copies HF-layout weights in place. A state dict of a model with heads (names "bert.*",
  // as saved by BertFor*) is accepted: its "bert." entries are used and the heads ignored.
  // HF's "embeddings.position_ids" buffer is ignored. Any other missing, unexpected or
  // mis-shaped tensor: one mica::Error listing all of them; nothing is copied then.
  void load_hf_state_dict(const nn::StateDict& sd);
  void load_safetensors(const std::string& path);

  BertConfig config;
  std::shared_ptr<BertEmbeddings> embeddings;
  std::shared_ptr<BertEncoder> encoder;
  std::shared_ptr<BertPooler> pooler;
};

// BertModel + dropout + Linear(H, num_labels) on the pooled output; names "bert.*",
// "classifier.weight", "classifier.bias" as in HF.
class BertForSequenceClassification : public nn::Module {
 public:
  explicit BertForSequenceClassification(const BertConfig& config);

  // input_ids: int64 [B, T], attention_mask: [B, T] or undefined, token_type_ids: int64 [B, T]
  // or undefined -> logits [B, num_labels]
  Tensor forward(const Tensor& input_ids, const Tensor& attention_mask = {},
                 const Tensor& token_type_ids = {}) const;
  // logits: [B, num_labels]; labels: int64 [B] class indices (cross-entropy, mean), or for
  // num_labels == 1 floating [B] targets (MSE, mean) -> scalar loss
  Tensor loss(const Tensor& logits, const Tensor& labels) const;

  // Copies a full HF BertForSequenceClassification state dict ("bert.*" + "classifier.*");
  // every missing, unexpected or mis-shaped tensor is listed in one mica::Error.
  void load_hf_state_dict(const nn::StateDict& sd);
  void load_safetensors(const std::string& path);

  BertConfig config;
  std::shared_ptr<BertModel> bert;
  std::shared_ptr<nn::Dropout> dropout;
  std::shared_ptr<nn::Linear> classifier;
};

// Checks sd against module's state_dict() — names absent from sd, names of sd the module lacks
// (except those in `ignore`) and shape mismatches — and throws one mica::Error listing every
// problem (prefixed by `what`); otherwise copies all tensors in place.
void load_checked_state_dict(nn::Module& module, const nn::StateDict& sd, const std::string& what,
                             const std::vector<std::string>& ignore = {});

}  // namespace mica::models
