// Hugging Face GPT-2 / Llama checkpoints -> models::GPT (name maps, Conv1D transposes, checks).
#include "models/hf_weights.h"

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>
#include <vector>

#include "nn/safetensors.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace mica::models {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Collects problems and throws them together.
struct Problems {
  std::vector<std::string> items;
  void add(std::string s) { items.push_back(std::move(s)); }
  void throw_if_any(const char* what) const {
    if (items.empty()) return;
    std::ostringstream os;
    os << what << ": " << items.size() << " problem(s) with the checkpoint:";
    for (const auto& s : items) os << "\n  " << s;
    MICA_FAIL(os.str());
  }
};

// hf -> mica names and layouts, checked against the expected mica (name, shape) list.
nn::StateDict convert(const nn::StateDict& hf, const std::vector<ParameterShape>& expected,
                      bool gpt2, bool tied, const char* what) {
  Problems problems;
  nn::StateDict out;
  std::set<std::string> used;
  // GPT-2 checkpoints saved from GPT2Model have no "transformer." prefix.
  bool prefixed = !gpt2;
  if (gpt2)
    for (const auto& [name, t] : hf)
      if (starts_with(name, "transformer.")) prefixed = true;
  Shape wte_shape;
  for (const auto& [name, want_shape] : expected) {
    if (name == "transformer.wte.weight" || name == "model.embed_tokens.weight")
      wte_shape = want_shape;
    const Shape& want = want_shape;
    std::string src = name;
    if (gpt2 && !prefixed && starts_with(name, "transformer.")) src = name.substr(12);
    if (!hf.contains(src)) {
      problems.add("missing tensor '" + src + "' (expected shape " + shape_str(want) + ")");
      continue;
    }
    used.insert(src);
    Tensor t = hf.at(src);
    const bool conv1d =
        gpt2 && (ends_with(name, "attn.c_attn.weight") || ends_with(name, "c_proj.weight") ||
                 ends_with(name, "c_fc.weight"));
    if (conv1d) {
      if (t.dim() != 2) {
        problems.add(
            "tensor '" + src + "' has shape " + shape_str(t.sizes()) +
            ", expected the Conv1D layout [in, out] = " + shape_str(Shape{want[1], want[0]}));
        continue;
      }
      t = t.t().contiguous();
    }
    if (t.sizes() != want) {
      problems.add("tensor '" + src + "' has shape " +
                   shape_str(conv1d ? Shape{t.size(1), t.size(0)} : t.sizes()) + ", expected " +
                   shape_str(conv1d ? Shape{want[1], want[0]} : want) +
                   (conv1d ? " (Conv1D layout [in, out])" : ""));
      continue;
    }
    out.insert(name, t);
  }
  for (const auto& [name, t] : hf) {
    if (used.count(name)) continue;
    if (gpt2 && (ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias"))) continue;
    if (!gpt2 && ends_with(name, ".rotary_emb.inv_freq")) continue;
    if (name == "lm_head.weight" && tied) {
      if (t.sizes() != wte_shape)
        problems.add("tensor 'lm_head.weight' has shape " + shape_str(t.sizes()) +
                     ", expected the tied embedding's " + shape_str(wte_shape));
      continue;
    }
    problems.add("unexpected tensor '" + name + "' " + shape_str(t.sizes()));
  }
  problems.throw_if_any(what);
  return out;
}

void load_into(GPT& model, const nn::StateDict& hf, bool gpt2, const char* what) {
  MICA_CHECK((model.config.style == GPTStyle::GPT2) == gpt2, what, ": the model has the ",
             gpt2 ? "Llama" : "GPT2", " style");
  nn::StateDict sd = convert(hf, parameter_shapes(model.config), gpt2, model.config.tied(), what);
  model.load_state_dict(sd, /*strict=*/true);
}

}  // namespace

nn::StateDict hf_gpt2_to_mica(const nn::StateDict& hf, const GPTConfig& config) {
  MICA_CHECK(config.style == GPTStyle::GPT2, "hf_gpt2_to_mica: config has the Llama style");
  return convert(hf, parameter_shapes(config), true, config.tied(), "hf_gpt2_to_mica");
}

nn::StateDict hf_llama_to_mica(const nn::StateDict& hf, const GPTConfig& config) {
  MICA_CHECK(config.style == GPTStyle::Llama, "hf_llama_to_mica: config has the GPT2 style");
  return convert(hf, parameter_shapes(config), false, config.tied(), "hf_llama_to_mica");
}

void load_hf_gpt2(GPT& model, const nn::StateDict& hf) {
  load_into(model, hf, true, "load_hf_gpt2");
}

void load_hf_gpt2(GPT& model, const std::string& path) {
  load_hf_gpt2(model, nn::load_safetensors(path));
}

void load_hf_llama(GPT& model, const nn::StateDict& hf) {
  load_into(model, hf, false, "load_hf_llama");
}

void load_hf_llama(GPT& model, const std::string& path) {
  load_hf_llama(model, nn::load_safetensors(path));
}

GPTConfig gpt_config_from_hf_json(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const std::exception& e) {
    MICA_FAIL("gpt_config_from_hf_json: invalid JSON: ", e.what());
  }
  auto get = [&](const char* key) {
    MICA_CHECK(j.contains(key), "gpt_config_from_hf_json: missing '", key, "'");
    return j.at(key);
  };
  const std::string type = j.value("model_type", "");
  GPTConfig c;
  if (type == "gpt2") {
    c.style = GPTStyle::GPT2;
    c.vocab_size = get("vocab_size").get<int64_t>();
    c.block_size = get("n_positions").get<int64_t>();
    c.n_layer = get("n_layer").get<int64_t>();
    c.n_head = get("n_head").get<int64_t>();
    c.n_embd = get("n_embd").get<int64_t>();
    c.norm_eps = j.value("layer_norm_epsilon", 1e-5);
    if (j.contains("n_inner") && !j.at("n_inner").is_null())
      c.intermediate_size = j.at("n_inner").get<int64_t>();
    const std::string act = j.value("activation_function", "gelu_new");
    MICA_CHECK(act == "gelu_new" || act == "gelu_pytorch_tanh",
               "gpt_config_from_hf_json: unsupported GPT-2 activation '", act, "'");
    c.tie_word_embeddings = j.value("tie_word_embeddings", true);
    MICA_CHECK(*c.tie_word_embeddings, "gpt_config_from_hf_json: untied GPT-2 is not supported");
  } else if (type == "llama") {
    c.style = GPTStyle::Llama;
    c.vocab_size = get("vocab_size").get<int64_t>();
    c.block_size = j.value("max_position_embeddings", int64_t{2048});
    c.n_layer = get("num_hidden_layers").get<int64_t>();
    c.n_head = get("num_attention_heads").get<int64_t>();
    c.n_kv_head = j.value("num_key_value_heads", c.n_head);
    c.n_embd = get("hidden_size").get<int64_t>();
    c.intermediate_size = get("intermediate_size").get<int64_t>();
    c.norm_eps = j.value("rms_norm_eps", 1e-6);
    c.rope_theta = j.value("rope_theta", 10000.0);
    c.tie_word_embeddings = j.value("tie_word_embeddings", false);
    const std::string act = j.value("hidden_act", "silu");
    MICA_CHECK(act == "silu", "gpt_config_from_hf_json: unsupported Llama activation '", act, "'");
    if (j.contains("rope_scaling") && !j.at("rope_scaling").is_null()) {
      const auto& rs = j.at("rope_scaling");
      const std::string kind = rs.value("rope_type", rs.value("type", std::string()));
      MICA_CHECK(kind == "linear", "gpt_config_from_hf_json: unsupported rope_scaling type '", kind,
                 "' (only linear)");
      c.rope_scaling = rs.at("factor").get<double>();
    }
  } else {
    MICA_FAIL("gpt_config_from_hf_json: unsupported model_type '", type, "' (gpt2 or llama)");
  }
  c.validate();
  return c;
}

}  // namespace mica::models
