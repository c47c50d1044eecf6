// BERT encoder (HF BertModel math and names), sequence classifier and checked weight loading.
#include "models/bert.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/safetensors.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::models {

void BertConfig::validate() const {
  MICA_CHECK(vocab_size > 0 && max_position_embeddings > 0 && type_vocab_size > 0,
             "BertConfig: vocab_size (", vocab_size, "), max_position_embeddings (",
             max_position_embeddings, ") and type_vocab_size (", type_vocab_size,
             ") must be positive");
  MICA_CHECK(hidden_size > 0 && num_attention_heads > 0 && hidden_size % num_attention_heads == 0,
             "BertConfig: hidden_size (", hidden_size, ") must be a positive multiple of ",
             "num_attention_heads (", num_attention_heads, ")");
  MICA_CHECK(num_hidden_layers >= 0 && intermediate_size > 0, "BertConfig: num_hidden_layers (",
             num_hidden_layers, ") must be >= 0 and intermediate_size (", intermediate_size,
             ") positive");
  MICA_CHECK(hidden_dropout >= 0 && hidden_dropout <= 1 && attention_dropout >= 0 &&
                 attention_dropout <= 1,
             "BertConfig: dropout probabilities must lie in [0, 1], got hidden_dropout ",
             hidden_dropout, ", attention_dropout ", attention_dropout);
  MICA_CHECK(num_labels >= 1, "BertConfig: num_labels must be >= 1, got ", num_labels);
  MICA_CHECK(layer_norm_eps > 0, "BertConfig: layer_norm_eps must be positive, got ",
             layer_norm_eps);
}

namespace {

std::shared_ptr<nn::LayerNorm> make_layer_norm(const BertConfig& c) {
  return std::make_shared<nn::LayerNorm>(Shape{c.hidden_size},
                                         nn::LayerNormOptions{.eps = c.layer_norm_eps});
}

// attention_mask [B, T] (1 keep, 0 pad) -> [B, 1, 1, T] additive: (1 - m) * lowest, as HF.
Tensor extended_mask(const Tensor& attention_mask, DType dtype) {
  const double lowest = dtype == kFloat64
                            ? std::numeric_limits<double>::lowest()
                            : static_cast<double>(std::numeric_limits<float>::lowest());
  Tensor m = attention_mask.detach().to(dtype).unsqueeze(1).unsqueeze(2);
  return mul(rsub(m, 1.0), lowest);
}

}  // namespace

// ---- BertEmbeddings ----

BertEmbeddings::BertEmbeddings(const BertConfig& c) : Module("BertEmbeddings") {
  nn::EmbeddingOptions word_opts;
  if (c.pad_token_id >= 0 && c.pad_token_id < c.vocab_size) word_opts.padding_idx = c.pad_token_id;
  word_embeddings = register_module(
      "word_embeddings", std::make_shared<nn::Embedding>(c.vocab_size, c.hidden_size, word_opts));
  position_embeddings =
      register_module("position_embeddings",
                      std::make_shared<nn::Embedding>(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings = register_module(
      "token_type_embeddings", std::make_shared<nn::Embedding>(c.type_vocab_size, c.hidden_size));
  layer_norm = register_module("LayerNorm", make_layer_norm(c));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.hidden_dropout));
}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor& token_type_ids) const {
  const int64_t T = input_ids.size(1);
  MICA_CHECK(T <= position_embeddings->num_embeddings, "BertEmbeddings: sequence length ", T,
             " exceeds max_position_embeddings ", position_embeddings->num_embeddings);
  Tensor positions = arange(T, TensorOptions(kInt64).device(input_ids.device()));
  Tensor x =
      add(word_embeddings->forward(input_ids), token_type_embeddings->forward(token_type_ids));
  x = add(x, position_embeddings->forward(positions));  // [T, H] broadcast over B
  return dropout->forward(layer_norm->forward(x));
}

// ---- BertSelfAttention ----

BertSelfAttention::BertSelfAttention(const BertConfig& c)
    : Module("BertSelfAttention"),
      num_heads(c.num_attention_heads),
      head_dim(c.hidden_size / c.num_attention_heads) {
  query = register_module("query", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
  key = register_module("key", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
  value = register_module("value", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.attention_dropout));
}

Tensor BertSelfAttention::forward(const Tensor& x, const Tensor& ext_mask) const {
  const int64_t B = x.size(0), T = x.size(1), H = x.size(2);
  auto heads = [&](const Tensor& t) {  // [B, T, H] -> [B, nh, T, hd]
    return t.view({B, T, num_heads, head_dim}).transpose(1, 2);
  };
  Tensor q = heads(query->forward(x)), k = heads(key->forward(x)), v = heads(value->forward(x));
  Tensor scores = div(matmul(q, k.transpose(-1, -2)), std::sqrt(static_cast<double>(head_dim)));
  if (ext_mask.defined()) scores = add(scores, ext_mask);  // [B, nh, T, T] + [B, 1, 1, T]
  Tensor probs = dropout->forward(softmax(scores, -1));
  Tensor ctx = matmul(probs, v);  // [B, nh, T, hd]
  return ctx.transpose(1, 2).reshape({B, T, H});
}

// ---- BertResidualOutput, BertAttention, BertIntermediate, BertLayer ----

BertResidualOutput::BertResidualOutput(int64_t in_features, const BertConfig& c)
    : Module("BertOutput") {
  dense = register_module("dense", std::make_shared<nn::Linear>(in_features, c.hidden_size));
  layer_norm = register_module("LayerNorm", make_layer_norm(c));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.hidden_dropout));
}

Tensor BertResidualOutput::forward(const Tensor& x, const Tensor& residual) const {
  return layer_norm->forward(add(dropout->forward(dense->forward(x)), residual));
}

BertAttention::BertAttention(const BertConfig& c) : Module("BertAttention") {
  self = register_module("self", std::make_shared<BertSelfAttention>(c));
  output = register_module("output", std::make_shared<BertResidualOutput>(c.hidden_size, c));
}

Tensor BertAttention::forward(const Tensor& x, const Tensor& ext_mask) const {
  return output->forward(self->forward(x, ext_mask), x);
}

BertIntermediate::BertIntermediate(const BertConfig& c) : Module("BertIntermediate") {
  dense =
      register_module("dense", std::make_shared<nn::Linear>(c.hidden_size, c.intermediate_size));
}

Tensor BertIntermediate::forward(const Tensor& x) const {
  return gelu(dense->forward(x));
}

BertLayer::BertLayer(const BertConfig& c) : Module("BertLayer") {
  attention = register_module("attention", std::make_shared<BertAttention>(c));
  intermediate = register_module("intermediate", std::make_shared<BertIntermediate>(c));
  output = register_module("output", std::make_shared<BertResidualOutput>(c.intermediate_size, c));
}

Tensor BertLayer::forward(const Tensor& x, const Tensor& ext_mask) const {
  Tensor a = attention->forward(x, ext_mask);
  return output->forward(intermediate->forward(a), a);
}

// ---- BertEncoder, BertPooler ----

BertEncoder::BertEncoder(const BertConfig& c) : Module("BertEncoder") {
  layer = register_module("layer", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    layer->push_back(std::make_shared<BertLayer>(c));
}

Tensor BertEncoder::forward(const Tensor& x, const Tensor& ext_mask) const {
  Tensor h = x;
  for (size_t i = 0; i < layer->size(); ++i) h = layer->at<BertLayer>(i)->forward(h, ext_mask);
  return h;
}

BertPooler::BertPooler(const BertConfig& c) : Module("BertPooler") {
  dense = register_module("dense", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
}

Tensor BertPooler::forward(const Tensor& hidden) const {
  return tanh(dense->forward(hidden.select(1, 0)));
}

// ---- BertModel ----

BertModel::BertModel(const BertConfig& c) : Module("BertModel"), config(c) {
  config.validate();
  embeddings = register_module("embeddings", std::make_shared<BertEmbeddings>(c));
  encoder = register_module("encoder", std::make_shared<BertEncoder>(c));
  pooler = register_module("pooler", std::make_shared<BertPooler>(c));
  // HF's _init_weights.
  const double init_std = c.initializer_range;
  apply([init_std](nn::Module& m) {
    if (auto* lin = dynamic_cast<nn::Linear*>(&m)) {
      nn::init::normal_(lin->weight, 0, init_std);
      if (lin->bias.defined()) nn::init::zeros_(lin->bias);
    } else if (auto* emb = dynamic_cast<nn::Embedding*>(&m)) {
      nn::init::normal_(emb->weight, 0, init_std);
      if (emb->padding_idx) {
        NoGradGuard guard;
        emb->weight.select(0, *emb->padding_idx).zero_();
      }
    }
  });
}

BertModelOutput BertModel::forward(const Tensor& input_ids, const Tensor& attention_mask,
                                   const Tensor& token_type_ids) const {
  MICA_CHECK(input_ids.defined() && input_ids.dim() == 2 && input_ids.dtype() == kInt64,
             "BertModel: input_ids must be int64 [B, T], got ",
             input_ids.defined() ? shape_str(input_ids.sizes()) : std::string("undefined"));
  const Shape bt = input_ids.sizes();
  MICA_CHECK(!attention_mask.defined() || attention_mask.sizes() == bt,
             "BertModel: attention_mask ", shape_str(attention_mask.sizes()),
             " must match input_ids ", shape_str(bt));
  MICA_CHECK(!token_type_ids.defined() ||
                 (token_type_ids.sizes() == bt && token_type_ids.dtype() == kInt64),
             "BertModel: token_type_ids must be int64 ", shape_str(bt), ", got ",
             shape_str(token_type_ids.sizes()));
  Tensor types = token_type_ids.defined() ? token_type_ids : zeros_like(input_ids);
  Tensor h = embeddings->forward(input_ids, types);
  Tensor ext = attention_mask.defined() ? extended_mask(attention_mask, h.dtype()) : Tensor();
  h = encoder->forward(h, ext);
  BertModelOutput out;
  out.last_hidden_state = h;
  if (config.pooling == BertPooling::CLS) {
    out.pooled = pooler->forward(h);
  } else if (!attention_mask.defined()) {
    out.pooled = mean(h, {1});
  } else {
    Tensor m = attention_mask.detach().to(h.dtype()).unsqueeze(-1);  // [B, T, 1]
    out.pooled = div(sum(mul(h, m), {1}), clamp_min(sum(m, {1}), 1e-9));
  }
  return out;
}

void BertModel::load_hf_state_dict(const nn::StateDict& sd) {
  if (sd.contains("bert.embeddings.word_embeddings.weight")) {
    load_checked_state_dict(*this, sd.with_prefix_removed("bert."), "BertModel",
                            {"embeddings.position_ids"});
  } else {
    load_checked_state_dict(*this, sd, "BertModel", {"embeddings.position_ids"});
  }
}

void BertModel::load_safetensors(const std::string& path) {
  load_hf_state_dict(nn::load_safetensors(path));
}

// ---- BertForSequenceClassification ----

BertForSequenceClassification::BertForSequenceClassification(const BertConfig& c)
    : Module("BertForSequenceClassification"), config(c) {
  bert = register_module("bert", std::make_shared<BertModel>(c));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.hidden_dropout));
  classifier =
      register_module("classifier", std::make_shared<nn::Linear>(c.hidden_size, c.num_labels));
  nn::init::normal_(classifier->weight, 0, c.initializer_range);
  nn::init::zeros_(classifier->bias);
}

Tensor BertForSequenceClassification::forward(const Tensor& input_ids, const Tensor& attention_mask,
                                              const Tensor& token_type_ids) const {
  Tensor pooled = bert->forward(input_ids, attention_mask, token_type_ids).pooled;
  return classifier->forward(dropout->forward(pooled));
}

Tensor BertForSequenceClassification::loss(const Tensor& logits, const Tensor& labels) const {
  MICA_CHECK(logits.dim() == 2 && logits.size(1) == config.num_labels && labels.dim() == 1 &&
                 labels.size(0) == logits.size(0),
             "BertForSequenceClassification::loss: logits ", shape_str(logits.sizes()),
             " must be [B, ", config.num_labels, "] and labels [B], got labels ",
             shape_str(labels.sizes()));
  if (config.num_labels == 1) return mse_loss(logits.squeeze(1), labels.to(logits.dtype()));
  return cross_entropy(logits, labels);
}

void BertForSequenceClassification::load_hf_state_dict(const nn::StateDict& sd) {
  load_checked_state_dict(*this, sd, "BertForSequenceClassification",
                          {"bert.embeddings.position_ids"});
}

void BertForSequenceClassification::load_safetensors(const std::string& path) {
  load_hf_state_dict(nn::load_safetensors(path));
}

// ---- checked loading ----

void load_checked_state_dict(nn::Module& module, const nn::StateDict& sd, const std::string& what,
                             const std::vector<std::string>& ignore) {
  const nn::StateDict own = module.state_dict();
  std::vector<std::string> missing, unexpected, mis_shaped;
  nn::StateDict filtered;
  for (const auto& [name, t] : own) {
    if (!sd.contains(name)) {
      missing.push_back(name);
      continue;
    }
    const Tensor& src = sd.at(name);
    if (src.sizes() != t.sizes())
      mis_shaped.push_back(name + ": file " + shape_str(src.sizes()) + " vs model " +
                           shape_str(t.sizes()));
    filtered.insert(name, src);
  }
  for (const auto& [name, t] : sd) {
    (void)t;
    if (own.contains(name)) continue;
    bool skip = false;
    for (const auto& ig : ignore) skip = skip || ig == name;
    if (!skip) unexpected.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty() || !mis_shaped.empty()) {
    std::ostringstream msg;
    auto list = [&msg](const char* label, const std::vector<std::string>& names) {
      if (names.empty()) return;
      msg << "\n  " << label << " (" << names.size() << "):";
      for (const auto& n : names) msg << " " << n << ";";
    };
    msg << what << ": cannot load weights:";
    list("missing", missing);
    list("unexpected", unexpected);
    list("shape mismatch", mis_shaped);
    throw Error(msg.str());
  }
  module.load_state_dict(filtered, /*strict=*/true);
}

}  // namespace mica::models
