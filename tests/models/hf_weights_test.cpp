// models/hf_weights.h: HF GPT-2 and Llama (GQA, linear RoPE scaling) checkpoints written by
// scripts/gen_gpt_fixtures.py (reference models in plain PyTorch) load by name, and mica's
// logits match the reference logits; configs parse from HF config.json; bad checkpoints give
// one error listing every problem.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "mica.h"
#include "models/gpt.h"
#include "models/hf_weights.h"

namespace mica::models {
namespace {

std::string fixture_path(const std::string& name) {
  return std::string(MICA_TEST_FIXTURE_DIR) + "/models/" + name;
}

nlohmann::json load_json(const std::string& name) {
  std::ifstream in(fixture_path(name));
  MICA_CHECK(in.good(), "cannot open ", fixture_path(name),
             " (regenerate with /usr/bin/python3 scripts/gen_gpt_fixtures.py)");
  nlohmann::json j;
  in >> j;
  return j;
}

Tensor ids_of(const nlohmann::json& doc) {
  const auto rows = doc.at("input_ids").get<std::vector<std::vector<int64_t>>>();
  std::vector<int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return from_vector(flat,
                     {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
}

// |a - e| <= atol + rtol |e| everywhere.
void expect_logits(const Tensor& actual, const nlohmann::json& doc, double rtol = 1e-4,
                   double atol = 1e-5) {
  const Shape shape = doc.at("logits_shape").get<Shape>();
  ASSERT_EQ(actual.sizes(), shape);
  const auto e = doc.at("logits").get<std::vector<double>>();
  Tensor a = actual.detach().to(kFloat64).contiguous();
  const double* p = a.data_ptr<double>();
  int bad = 0;
  double worst = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    const double err = std::abs(p[i] - e[i]);
    worst = std::max(worst, err);
    if (!(err <= atol + rtol * std::abs(e[i]))) ++bad;
  }
  EXPECT_EQ(bad, 0) << "max abs error " << worst;
}

TEST(HFWeights, GPT2LogitsMatchReference) {
  const auto doc = load_json("gpt2_tiny.json");
  const GPTConfig c = gpt_config_from_hf_json(doc.at("config").dump());
  EXPECT_EQ(c.style, GPTStyle::GPT2);
  EXPECT_EQ(c.block_size, 16);
  EXPECT_EQ(c.n_embd, 32);
  EXPECT_TRUE(c.tied());
  GPT model(c);
  load_hf_gpt2(model, fixture_path("gpt2_tiny.safetensors"));
  NoGradGuard ng;
  expect_logits(model.forward(ids_of(doc)), doc);
}

TEST(HFWeights, GPT2ConvWeightsAreTransposedAndPrefixIsOptional) {
  const auto doc = load_json("gpt2_tiny.json");
  const GPTConfig c = gpt_config_from_hf_json(doc.at("config").dump());
  nn::StateDict hf = nn::load_safetensors(fixture_path("gpt2_tiny.safetensors"));
  nn::StateDict sd = hf_gpt2_to_mica(hf, c);
  // [in, out] -> [out, in]
  const Tensor& src = hf.at("h.0.attn.c_attn.weight");
  const Tensor& dst = sd.at("transformer.h.0.attn.c_attn.weight");
  ASSERT_EQ(dst.sizes(), (Shape{96, 32}));
  EXPECT_EQ(dst.data_ptr<float>()[5 * 32 + 7], src.data_ptr<float>()[7 * 96 + 5]);
  // The same tensors under GPT2LMHeadModel names (with a tied lm_head.weight) load too.
  nn::StateDict prefixed;
  for (const auto& [name, t] : hf) prefixed.insert("transformer." + name, t);
  prefixed.insert("lm_head.weight", hf.at("wte.weight"));
  GPT model(c);
  load_hf_gpt2(model, prefixed);
  NoGradGuard ng;
  expect_logits(model.forward(ids_of(doc)), doc);
}

TEST(HFWeights, LlamaGQALogitsMatchReference) {
  const auto doc = load_json("llama_tiny.json");
  const GPTConfig c = gpt_config_from_hf_json(doc.at("config").dump());
  EXPECT_EQ(c.style, GPTStyle::Llama);
  EXPECT_EQ(c.kv_heads(), 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_DOUBLE_EQ(c.rope_scaling, 2.0);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-6);
  EXPECT_FALSE(c.tied());
  GPT model(c);
  load_hf_llama(model, fixture_path("llama_tiny.safetensors"));
  NoGradGuard ng;
  Tensor ids = ids_of(doc);
  Tensor logits = model.forward(ids);
  expect_logits(logits, doc);
  // Incremental decoding with the loaded weights matches the reference too.
  KVCache cache = model.make_cache();
  std::vector<Tensor> parts{model.forward(ids.slice(1, 0, 4), &cache)};
  for (int64_t t = 4; t < ids.size(1); ++t)
    parts.push_back(model.forward(ids.slice(1, t, t + 1), &cache));
  expect_logits(cat(parts, 1), doc);
}

TEST(HFWeights, ReportsEveryProblemInOneError) {
  const auto doc = load_json("llama_tiny.json");
  const GPTConfig c = gpt_config_from_hf_json(doc.at("config").dump());
  nn::StateDict hf = nn::load_safetensors(fixture_path("llama_tiny.safetensors"));
  hf.erase("model.layers.1.mlp.up_proj.weight");
  hf.set("model.layers.0.self_attn.k_proj.weight", zeros({32, 32}));  // not GQA-shaped
  hf.insert("model.layers.0.extra.weight", zeros({3}));
  GPT model(c);
  const Tensor before = model.state_dict().at("model.norm.weight").clone();
  try {
    load_hf_llama(model, hf);
    FAIL() << "expected mica::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("3 problem"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing tensor 'model.layers.1.mlp.up_proj.weight'"), std::string::npos)
        << msg;
    EXPECT_NE(
        msg.find("'model.layers.0.self_attn.k_proj.weight' has shape [32, 32], expected [16, 32]"),
        std::string::npos)
        << msg;
    EXPECT_NE(msg.find("unexpected tensor 'model.layers.0.extra.weight'"), std::string::npos)
        << msg;
  }
  // Nothing was copied.
  const Tensor after = model.state_dict().at("model.norm.weight");
  EXPECT_EQ(after.data_ptr<float>()[0], before.data_ptr<float>()[0]);

  // GPT-2: a Conv1D weight stored in Linear layout is reported in the Conv1D layout.
  const auto gdoc = load_json("gpt2_tiny.json");
  GPT g(gpt_config_from_hf_json(gdoc.at("config").dump()));
  nn::StateDict hg = nn::load_safetensors(fixture_path("gpt2_tiny.safetensors"));
  hg.set("h.1.mlp.c_fc.weight", zeros({128, 32}));
  try {
    load_hf_gpt2(g, hg);
    FAIL() << "expected mica::Error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("'h.1.mlp.c_fc.weight' has shape [128, 32], expected [32, 128]"),
        std::string::npos)
        << e.what();
  }
  // Wrong style.
  EXPECT_THROW(load_hf_llama(g, hf), Error);
}

TEST(HFWeights, ConfigParsing) {
  const GPTConfig gpt2 = gpt_config_from_hf_json(
      R"({"model_type":"gpt2","vocab_size":50257,"n_positions":1024,"n_embd":768,"n_layer":12,"n_head":12})");
  EXPECT_EQ(count_parameters(gpt2), 124439808);
  const GPTConfig llama = gpt_config_from_hf_json(
      R"({"model_type":"llama","vocab_size":32000,"hidden_size":4096,"intermediate_size":11008,
          "num_hidden_layers":32,"num_attention_heads":32,"rms_norm_eps":1e-5,"rope_scaling":null})");
  EXPECT_EQ(count_parameters(llama), 6738415616);  // Llama-2-7B
  EXPECT_EQ(llama.kv_heads(), 32);
  EXPECT_THROW(gpt_config_from_hf_json(R"({"model_type":"bert"})"), Error);
  EXPECT_THROW(gpt_config_from_hf_json(
                   R"({"model_type":"llama","vocab_size":8,"hidden_size":8,"intermediate_size":8,
                       "num_hidden_layers":1,"num_attention_heads":2,
                       "rope_scaling":{"type":"dynamic","factor":2.0}})"),
               Error);
  EXPECT_THROW(gpt_config_from_hf_json("{not json"), Error);
}

TEST(HFWeights, ParameterShapesMatchTheModel) {
  for (GPTStyle style : {GPTStyle::GPT2, GPTStyle::Llama}) {
    GPTConfig c;
    c.style = style;
    c.vocab_size = 11;
    c.block_size = 8;
    c.n_layer = 2;
    c.n_head = 4;
    c.n_kv_head = style == GPTStyle::Llama ? 1 : 0;
    c.n_embd = 8;
    c.intermediate_size = 12;
    GPT model(c);
    const auto sd = model.state_dict();
    const auto shapes = parameter_shapes(c);
    ASSERT_EQ(shapes.size(), sd.size());
    size_t i = 0;
    int64_t n = 0;
    for (const auto& [name, t] : sd) {
      EXPECT_EQ(shapes[i].first, name);
      EXPECT_EQ(shapes[i].second, t.sizes()) << name;
      n += t.numel();
      ++i;
    }
    EXPECT_EQ(n, count_parameters(c));
  }
}

}  // namespace
}  // namespace mica::models
