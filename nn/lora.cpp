// LoRA adapters on nn::Linear: attach, delta, merge/unmerge, injection by name, adapter state.
// The whole-model functions also cover Conv2d adapters (nn/lora_conv.h).
#include "nn/lora.h"

#include <cmath>
#include <cstdio>
#include <regex>

#include "autograd/ops/linalg.h"
#include "autograd/ops/pointwise.h"
#include "nn/init.h"
#include "nn/lora_conv.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::nn {

namespace {
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const int64_t len = static_cast<int64_t>(digits.size());
  for (int64_t i = 0; i < len; ++i) {
    if (i > 0 && (len - i) % 3 == 0) out += ',';
    out += digits[static_cast<size_t>(i)];
  }
  return out;
}

bool matches(const std::string& path, const std::string& pattern, bool regex) {
  if (regex) return std::regex_match(path, std::regex(pattern));
  if (path == pattern) return true;
  return path.size() > pattern.size() &&
         path.compare(path.size() - pattern.size(), pattern.size(), pattern) == 0 &&
         path[path.size() - pattern.size() - 1] == '.';
}

// An adapted layer of a model: a Linear or a Conv2d with an adapter.
struct Adapted {
  Linear* lin = nullptr;
  Conv2d* conv = nullptr;
  bool merged() const { return lin ? lin->lora->merged : conv->lora->merged; }
  Tensor a_weight() const { return lin ? lin->lora->lora_A->weight : conv->lora->lora_A->weight; }
  Tensor b_weight() const { return lin ? lin->lora->lora_B->weight : conv->lora->lora_B->weight; }
  void merge() const { lin ? merge_lora(*lin) : merge_lora(*conv); }
  void unmerge() const { lin ? unmerge_lora(*lin) : unmerge_lora(*conv); }
  void unload() const {
    Module& m = lin ? static_cast<Module&>(*lin) : static_cast<Module&>(*conv);
    merge();
    m.unregister_module("lora_A");
    m.unregister_module("lora_B");
    if (lin)
      lin->lora.reset();
    else
      conv->lora.reset();
  }
};

// (path, layer) for every adapted Linear or Conv2d of model.
std::vector<std::pair<std::string, Adapted>> adapted(Module& model) {
  std::vector<std::pair<std::string, Adapted>> out;
  for (auto& [name, m] : model.named_modules()) {
    if (auto* lin = dynamic_cast<Linear*>(m.get()); lin && lin->lora)
      out.emplace_back(name, Adapted{lin, nullptr});
    else if (auto* conv = dynamic_cast<Conv2d*>(m.get()); conv && conv->lora)
      out.emplace_back(name, Adapted{nullptr, conv});
  }
  return out;
}

std::string prefixed(const std::string& path, const char* name) {
  return path.empty() ? name : path + "." + name;
}
}  // namespace

// ---- one adapter ----

Tensor LoRAAdapter::delta(const Tensor& x, bool training) const {
  Tensor in = x;
  if (dropout > 0 && training) {  // x * mask / (1 - p), differentiable through mul
    const Tensor keep = ops::mul(bernoulli(x.detach(), 1.0 - dropout), 1.0 / (1.0 - dropout));
    in = mul(x, keep);
  }
  return mul(lora_B->forward(lora_A->forward(in)), scaling);
}

Tensor LoRAAdapter::delta_weight() const {
  NoGradGuard no_grad;
  return ops::mul(ops::matmul(lora_B->weight, lora_A->weight), scaling);
}

std::string LoRAAdapter::repr() const {
  char alpha_str[32];
  std::snprintf(alpha_str, sizeof(alpha_str), "%g", alpha);
  return "lora_r=" + std::to_string(r) + ", lora_alpha=" + alpha_str +
         (merged ? ", merged=True" : "");
}

void add_lora(Linear& layer, const LoRAConfig& config, Generator* gen) {
  MICA_CHECK(!layer.lora, "add_lora: the Linear already has a LoRA adapter");
  MICA_CHECK(config.r > 0, "add_lora: rank r must be positive, got ", config.r);
  MICA_CHECK(config.dropout >= 0 && config.dropout < 1, "add_lora: dropout must be in [0, 1), got ",
             config.dropout);
  auto adapter = std::make_shared<LoRAAdapter>();
  adapter->lora_A = std::make_shared<Linear>(layer.in_features, config.r, LinearOptions{false});
  adapter->lora_B = std::make_shared<Linear>(config.r, layer.out_features, LinearOptions{false});
  init::kaiming_uniform_(adapter->lora_A->weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  init::zeros_(adapter->lora_B->weight);
  adapter->lora_A->to(layer.weight.device(), layer.weight.dtype());
  adapter->lora_B->to(layer.weight.device(), layer.weight.dtype());
  adapter->lora_A->train(layer.is_training());
  adapter->lora_B->train(layer.is_training());
  adapter->r = config.r;
  adapter->alpha = config.alpha;
  adapter->scaling = config.alpha / static_cast<double>(config.r);
  adapter->dropout = config.dropout;
  layer.register_module("lora_A", adapter->lora_A);
  layer.register_module("lora_B", adapter->lora_B);
  layer.lora = std::move(adapter);
}

void merge_lora(Linear& layer) {
  MICA_CHECK(layer.lora, "merge_lora: the Linear has no LoRA adapter");
  if (layer.lora->merged) return;
  NoGradGuard no_grad;
  Tensor w = layer.weight;
  ops::add_(w, layer.lora->delta_weight().to(w.dtype()));
  layer.lora->merged = true;
}

void unmerge_lora(Linear& layer) {
  MICA_CHECK(layer.lora, "unmerge_lora: the Linear has no LoRA adapter");
  if (!layer.lora->merged) return;
  NoGradGuard no_grad;
  Tensor w = layer.weight;
  ops::sub_(w, layer.lora->delta_weight().to(w.dtype()));
  layer.lora->merged = false;
}

LoRALinear::LoRALinear(int64_t in_features, int64_t out_features, const LoRAConfig& config,
                       LinearOptions options)
    : Linear(in_features, out_features, options) {
  add_lora(*this, config);
}

LoRALinear::LoRALinear(const Linear& base, const LoRAConfig& config) : Linear("Linear", base) {
  add_lora(*this, config);
}

// ---- whole models ----

std::vector<std::string> inject_lora(Module& model, const std::vector<std::string>& patterns,
                                     const LoRAConfig& config, Generator* gen) {
  MICA_CHECK(!patterns.empty(), "inject_lora: no target patterns given");
  std::vector<std::pair<std::string, Adapted>> targets;
  std::vector<const Module*> adapter_parts;
  for (auto& [path, m] : model.named_modules()) {
    auto* lin = dynamic_cast<Linear*>(m.get());
    auto* conv = dynamic_cast<Conv2d*>(m.get());
    if (lin && lin->lora) {
      adapter_parts.push_back(lin->lora->lora_A.get());
      adapter_parts.push_back(lin->lora->lora_B.get());
    }
    if (conv && conv->lora) {
      adapter_parts.push_back(conv->lora->lora_A.get());
      adapter_parts.push_back(conv->lora->lora_B.get());
    }
  }
  for (auto& [path, m] : model.named_modules()) {
    auto* lin = dynamic_cast<Linear*>(m.get());
    auto* conv = dynamic_cast<Conv2d*>(m.get());
    if (!lin && !conv) continue;
    bool part = false;
    for (const Module* p : adapter_parts) part |= p == m.get();
    if (part) continue;
    for (const std::string& pat : patterns) {
      if (!matches(path, pat, config.regex)) continue;
      MICA_CHECK(!(lin ? static_cast<bool>(lin->lora) : static_cast<bool>(conv->lora)),
                 "inject_lora: '", path, "' already has a LoRA adapter");
      targets.emplace_back(path, Adapted{lin, conv});
      break;
    }
  }
  std::string pats;
  for (const std::string& p : patterns) pats += (pats.empty() ? "'" : ", '") + p + "'";
  MICA_CHECK(!targets.empty(), "inject_lora: no Linear module matches ", pats, " (nor any Conv2d)");

  model.requires_grad_(false);
  std::vector<std::string> names;
  for (auto& [path, layer] : targets) {
    if (layer.lin)
      add_lora(*layer.lin, config, gen);
    else
      add_lora(*layer.conv, config, gen);
    names.push_back(path);
  }
  return names;
}

std::string trainable_parameters_report(const Module& model) {
  const int64_t trainable = model.num_parameters(true);
  const int64_t all = model.num_parameters(false);
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.4f",
                all > 0 ? 100.0 * static_cast<double>(trainable) / static_cast<double>(all) : 0.0);
  return "trainable params: " + with_commas(trainable) + " || all params: " + with_commas(all) +
         " || trainable%: " + pct;
}

void merge_lora(Module& model) {
  for (auto& item : adapted(model)) item.second.merge();
}

void unmerge_lora(Module& model) {
  for (auto& item : adapted(model)) item.second.unmerge();
}

void merge_and_unload(Module& model) {
  for (auto& item : adapted(model)) item.second.unload();
}

StateDict lora_state_dict(Module& model) {
  StateDict out;
  for (auto& [path, layer] : adapted(model)) {
    out.insert(prefixed(path, "lora_A.weight"), layer.a_weight());
    out.insert(prefixed(path, "lora_B.weight"), layer.b_weight());
  }
  return out;
}

void load_lora_state_dict(Module& model, const StateDict& sd) {
  for (auto& [path, layer] : adapted(model))
    MICA_CHECK(!layer.merged(), "load_lora_state_dict: the adapter of '", path,
               "' is merged; unmerge_lora first");
  const StateDict own = lora_state_dict(model);
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [name, dst] : own) {
    if (!sd.contains(name)) {
      missing.push_back(name);
    } else if (sd.at(name).sizes() != dst.sizes()) {
      mismatched.push_back("'" + name + "': adapter file " + shape_str(sd.at(name).sizes()) +
                           " vs model " + shape_str(dst.sizes()));
    }
  }
  for (const auto& item : sd)
    if (!own.contains(item.first)) unexpected.push_back(item.first);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const std::string& n : v) s += (s.empty() ? "" : ", ") + ("'" + n + "'");
      return s;
    };
    std::string msg = "load_lora_state_dict failed:";
    if (!missing.empty()) msg += "\n  missing keys: " + list(missing);
    if (!unexpected.empty()) msg += "\n  unexpected keys: " + list(unexpected);
    for (const std::string& m : mismatched) msg += "\n  shape mismatch " + m;
    throw Error(msg);
  }
  NoGradGuard no_grad;
  for (const auto& [name, dst] : own) {
    Tensor d = dst;
    d.copy_(sd.at(name));
  }
}

}  // namespace mica::nn
