// models::BertModel / BertForSequenceClassification: HF names, outputs against a plain-PyTorch
// reference with HF's math (scripts/gen_bert_fixtures.py), padding invariance, checked loading,
// eval-mode determinism and overfitting a tiny labelled batch with AdamW.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "../nn/nn_fixture.h"
#include "mica.h"
#include "models/bert.h"

namespace mica::models {
namespace {

using nn::test::close;
using nn::test::tensor_from_json;

const std::string kDir = std::string(MICA_TEST_FIXTURE_DIR) + "/models/";

nlohmann::json load_doc() {
  std::ifstream in(kDir + "bert_tiny.json");
  MICA_CHECK(in.good(), "bert fixture missing (run /usr/bin/python3 scripts/gen_bert_fixtures.py)");
  nlohmann::json doc;
  in >> doc;
  return doc;
}

BertConfig fixture_config(const nlohmann::json& doc) {
  const auto& c = doc.at("config");
  BertConfig cfg;
  cfg.vocab_size = c.at("vocab_size");
  cfg.max_position_embeddings = c.at("max_position_embeddings");
  cfg.type_vocab_size = c.at("type_vocab_size");
  cfg.hidden_size = c.at("hidden_size");
  cfg.num_hidden_layers = c.at("num_hidden_layers");
  cfg.num_attention_heads = c.at("num_attention_heads");
  cfg.intermediate_size = c.at("intermediate_size");
  cfg.layer_norm_eps = c.at("layer_norm_eps");
  cfg.num_labels = c.at("num_labels");
  return cfg;
}

constexpr double kRtol = 1e-4, kAtol = 1e-5;

TEST(Bert, ParameterNamesFollowHuggingFace) {
  BertConfig cfg{.vocab_size = 50,
                 .max_position_embeddings = 16,
                 .hidden_size = 32,
                 .num_hidden_layers = 2,
                 .num_attention_heads = 4,
                 .intermediate_size = 64};
  BertModel model(cfg);
  const auto sd = model.state_dict();
  for (const char* name :
       {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
        "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
        "embeddings.LayerNorm.bias", "encoder.layer.0.attention.self.query.weight",
        "encoder.layer.0.attention.self.key.bias", "encoder.layer.1.attention.self.value.weight",
        "encoder.layer.0.attention.output.dense.weight",
        "encoder.layer.0.attention.output.LayerNorm.weight",
        "encoder.layer.0.intermediate.dense.weight", "encoder.layer.1.output.dense.weight",
        "encoder.layer.1.output.LayerNorm.bias", "pooler.dense.weight", "pooler.dense.bias"})
    EXPECT_TRUE(sd.contains(name)) << name;
  EXPECT_EQ(sd.size(), 5u + 2 * 16u + 2u);
  EXPECT_EQ(sd.at("encoder.layer.0.intermediate.dense.weight").sizes(), (Shape{64, 32}));
  // HF init: the padding row of the word embeddings is zero, LayerNorm starts at ones.
  EXPECT_EQ(sum(abs(sd.at("embeddings.word_embeddings.weight").select(0, 0))).item<float>(), 0.f);
  EXPECT_EQ(sum(sd.at("embeddings.LayerNorm.weight")).item<float>(), 32.f);

  BertForSequenceClassification clf(cfg);
  const auto csd = clf.state_dict();
  EXPECT_TRUE(csd.contains("bert.encoder.layer.1.attention.self.query.weight"));
  EXPECT_TRUE(csd.contains("classifier.weight"));
  EXPECT_TRUE(csd.contains("classifier.bias"));
  EXPECT_EQ(csd.at("classifier.weight").sizes(), (Shape{2, 32}));
  EXPECT_EQ(csd.size(), sd.size() + 2);
}

TEST(Bert, ConfigIsValidated) {
  EXPECT_THROW(BertModel(BertConfig{.hidden_size = 30, .num_attention_heads = 4}), Error);
  EXPECT_THROW(BertModel(BertConfig{.vocab_size = 10,
                                    .hidden_size = 8,
                                    .num_hidden_layers = 1,
                                    .num_attention_heads = 2,
                                    .intermediate_size = 16,
                                    .num_labels = 0}),
               Error);
}

TEST(Bert, BadInputsThrow) {
  BertModel model(BertConfig{.vocab_size = 10,
                             .max_position_embeddings = 4,
                             .hidden_size = 8,
                             .num_hidden_layers = 1,
                             .num_attention_heads = 2,
                             .intermediate_size = 16});
  const Tensor ids = zeros({2, 3}, TensorOptions(kInt64));
  EXPECT_THROW(model.forward(zeros({2, 5}, TensorOptions(kInt64))), Error);  // T > max positions
  EXPECT_THROW(model.forward(zeros({2, 3})), Error);                         // float ids
  EXPECT_THROW(model.forward(ids, ones({2, 4}, TensorOptions(kInt64))), Error);
  EXPECT_THROW(model.forward(ids, Tensor(), ones({3, 3}, TensorOptions(kInt64))), Error);
  EXPECT_EQ(model.forward(ids).last_hidden_state.sizes(), (Shape{2, 3, 8}));
}

TEST(Bert, MatchesReference) {
  const auto doc = load_doc();
  const BertConfig cfg = fixture_config(doc);
  auto clf = std::make_shared<BertForSequenceClassification>(cfg);
  clf->load_safetensors(kDir + "bert_tiny.safetensors");
  clf->eval();
  const Tensor ids = tensor_from_json(doc.at("input_ids"));
  const Tensor mask = tensor_from_json(doc.at("attention_mask"));
  const Tensor types = tensor_from_json(doc.at("token_type_ids"));

  NoGradGuard no_grad;
  const auto out = clf->bert->forward(ids, mask, types);
  EXPECT_TRUE(
      close(out.last_hidden_state, tensor_from_json(doc.at("last_hidden_state")), kRtol, kAtol));
  EXPECT_TRUE(close(out.pooled, tensor_from_json(doc.at("pooled_cls")), kRtol, kAtol));
  EXPECT_TRUE(
      close(clf->forward(ids, mask, types), tensor_from_json(doc.at("logits")), kRtol, kAtol));
}

TEST(Bert, BaseModelLoadsFromHeadCheckpointAndMeanPools) {
  const auto doc = load_doc();
  BertConfig cfg = fixture_config(doc);
  cfg.pooling = BertPooling::Mean;
  BertModel model(cfg);
  // The file holds "bert.*" and "classifier.*": the encoder takes the "bert." part.
  model.load_safetensors(kDir + "bert_tiny.safetensors");
  model.eval();
  NoGradGuard no_grad;
  const auto out = model.forward(tensor_from_json(doc.at("input_ids")),
                                 tensor_from_json(doc.at("attention_mask")),
                                 tensor_from_json(doc.at("token_type_ids")));
  EXPECT_TRUE(
      close(out.last_hidden_state, tensor_from_json(doc.at("last_hidden_state")), kRtol, kAtol));
  EXPECT_TRUE(close(out.pooled, tensor_from_json(doc.at("pooled_mean")), kRtol, kAtol));
}

TEST(Bert, PaddingDoesNotChangeRealTokens) {
  const auto doc = load_doc();
  BertModel model(fixture_config(doc));
  model.load_safetensors(kDir + "bert_tiny.safetensors");
  model.eval();
  NoGradGuard no_grad;
  const Tensor ids = tensor_from_json(doc.at("input_ids"));
  const Tensor mask = tensor_from_json(doc.at("attention_mask"));
  const Tensor types = tensor_from_json(doc.at("token_type_ids"));
  const auto base = model.forward(ids, mask, types);

  // Sequence 1 has 5 real tokens: alone and unpadded, padded to 7 (batch), padded to 12 with
  // garbage ids/types at the padded positions.
  const Tensor real_ids = ids.slice(0, 1, 2).slice(1, 0, 5).contiguous();
  const Tensor real_types = types.slice(0, 1, 2).slice(1, 0, 5).contiguous();
  const auto alone = model.forward(real_ids, ones({1, 5}, TensorOptions(kInt64)), real_types);
  Tensor long_ids = full({1, 12}, 7, TensorOptions(kInt64));
  Tensor long_types = ones({1, 12}, TensorOptions(kInt64));
  Tensor long_mask = zeros({1, 12}, TensorOptions(kInt64));
  long_ids.slice(1, 0, 5).copy_(real_ids);
  long_types.slice(1, 0, 5).copy_(real_types);
  long_mask.slice(1, 0, 5).fill_(1);
  const auto padded = model.forward(long_ids, long_mask, long_types);

  const Tensor expect = alone.last_hidden_state;  // [1, 5, H]
  EXPECT_TRUE(close(base.last_hidden_state.slice(0, 1, 2).slice(1, 0, 5), expect, kRtol, kAtol));
  EXPECT_TRUE(close(padded.last_hidden_state.slice(1, 0, 5), expect, kRtol, kAtol));
  EXPECT_TRUE(close(padded.pooled, alone.pooled, kRtol, kAtol));  // CLS output
  EXPECT_TRUE(close(base.pooled.slice(0, 1, 2), alone.pooled, kRtol, kAtol));
  // Without the mask the padding would be attended to and change the output.
  const auto unmasked = model.forward(long_ids, Tensor(), long_types);
  EXPECT_FALSE(close(unmasked.pooled, alone.pooled, kRtol, kAtol));
}

TEST(Bert, LoadListsEveryProblemInOneError) {
  const auto doc = load_doc();
  BertForSequenceClassification clf(fixture_config(doc));
  nn::StateDict sd = nn::load_safetensors(kDir + "bert_tiny.safetensors");
  const Tensor before = clf.classifier->weight.clone();
  sd.erase("bert.encoder.layer.1.intermediate.dense.bias");
  sd.erase("classifier.bias");
  sd.insert("bert.encoder.layer.2.output.dense.weight", zeros({32, 64}));
  sd.set("bert.pooler.dense.weight", zeros({32, 31}));
  try {
    clf.load_hf_state_dict(sd);
    FAIL() << "expected mica::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing (2)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bert.encoder.layer.1.intermediate.dense.bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("classifier.bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected (1): bert.encoder.layer.2.output.dense.weight"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("bert.pooler.dense.weight: file [32, 31] vs model [32, 32]"),
              std::string::npos)
        << msg;
  }
  // Nothing was copied.
  EXPECT_TRUE(close(clf.classifier->weight, before, 0, 0));
  // HF's position_ids buffer is tolerated.
  nn::StateDict ok = nn::load_safetensors(kDir + "bert_tiny.safetensors");
  ok.insert("bert.embeddings.position_ids", arange(16).unsqueeze(0));
  EXPECT_NO_THROW(clf.load_hf_state_dict(ok));
}

TEST(Bert, EvalDisablesDropout) {
  manual_seed(3);
  BertConfig cfg{.vocab_size = 20,
                 .max_position_embeddings = 8,
                 .hidden_size = 16,
                 .num_hidden_layers = 1,
                 .num_attention_heads = 2,
                 .intermediate_size = 32,
                 .hidden_dropout = 0.3,
                 .attention_dropout = 0.3,
                 .num_labels = 3};
  BertForSequenceClassification clf(cfg);
  const Tensor ids = from_vector(std::vector<int64_t>{1, 5, 9, 3, 1, 4, 0, 0}, {2, 4});
  const Tensor mask = from_vector(std::vector<int64_t>{1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
  NoGradGuard no_grad;
  const Tensor a = clf.forward(ids, mask), b = clf.forward(ids, mask);
  EXPECT_FALSE(close(a, b, 1e-6, 1e-7)) << "dropout should be active in training mode";
  clf.eval();
  const Tensor c = clf.forward(ids, mask), d = clf.forward(ids, mask);
  EXPECT_TRUE(close(c, d, 0, 0));
  EXPECT_EQ(c.sizes(), (Shape{2, 3}));
}

TEST(Bert, ClassifierOverfitsTinyBatch) {
  manual_seed(11);
  BertConfig cfg{.vocab_size = 30,
                 .max_position_embeddings = 8,
                 .hidden_size = 32,
                 .num_hidden_layers = 2,
                 .num_attention_heads = 4,
                 .intermediate_size = 64,
                 // Trained in training mode with the default dropout 0.1; a wider init than
                 // BERT's 0.02 (which fine-tunes from pretrained weights) so that random
                 // sequences are told apart within ~30 steps.
                 .initializer_range = 0.1,
                 .num_labels = 3};
  auto clf = std::make_shared<BertForSequenceClassification>(cfg);
  const Tensor ids = from_vector(std::vector<int64_t>{2, 11, 12, 13, 3,  0, 2, 14, 15, 3, 0, 0,
                                                      2, 16, 17, 18, 19, 3, 2, 20, 3,  0, 0, 0},
                                 {4, 6});
  const Tensor mask = ops::ne(ids, 0).to(kInt64);
  const Tensor labels = from_vector(std::vector<int64_t>{0, 1, 2, 1}, {4});
  optim::AdamW opt(clf->parameters(), {.lr = 3e-3, .weight_decay = 0.0});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    Tensor loss = clf->loss(clf->forward(ids, mask), labels);
    loss.backward();
    if (step == 0) {
      first = loss.item<float>();
      for (const auto& [name, p] : clf->named_parameters())
        EXPECT_TRUE(p.grad().defined()) << name << " got no gradient";
    }
    last = loss.item<float>();
    opt.step();
  }
  EXPECT_LT(last, 0.1 * first) << "first " << first << " last " << last;
  clf->eval();
  NoGradGuard no_grad;
  const Tensor logits = clf->forward(ids, mask);
  EXPECT_LT(clf->loss(logits, labels).item<float>(), 0.1);
  EXPECT_EQ(nn::test::to_doubles(ops::argmax(logits, 1)), nn::test::to_doubles(labels));
}

}  // namespace
}  // namespace mica::models
