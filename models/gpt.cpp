// models::GPT: GPT-2 and Llama-style decoders (attention, MLP, blocks, trunk, LM head), their
// nanoGPT init and the parameter count from a config.
#include "models/gpt.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "autograd/ops.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/shape.h"

namespace mica::models {
namespace {

bool is_llama(const GPTConfig& c) {
  return c.style == GPTStyle::Llama;
}

// HF's rotate_half: [x1, x2] -> [-x2, x1] along the last dim (x: [B, H, T, hd]).
Tensor rotate_half(const Tensor& x) {
  const int64_t d = x.size(3);
  Tensor x1 = x.slice(3, 0, d / 2);
  Tensor x2 = x.slice(3, d / 2, d);
  return cat({neg(x2), x1}, 3);
}

// x: [B, H, T, hd], cos/sin: [T, hd] -> x * cos + rotate_half(x) * sin.
Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  return add(mul(x, cos), mul(rotate_half(x), sin));
}

// cos, sin [T, head_dim] for positions start .. start + T - 1 (HF Llama's float32 recipe:
// inv_freq_i = 1 / theta^(2i / d), angle = (pos / scaling) * inv_freq, emb = cat(freqs, freqs)).
std::pair<Tensor, Tensor> rotary_tables(const GPTConfig& c, int64_t start, int64_t T,
                                        TensorOptions opts) {
  const int64_t d = c.head_dim(), half = d / 2;
  std::vector<float> inv_freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    inv_freq[static_cast<size_t>(i)] = static_cast<float>(
        1.0 / std::pow(c.rope_theta, static_cast<double>(2 * i) / static_cast<double>(d)));
  std::vector<float> cs(static_cast<size_t>(T * d)), sn(static_cast<size_t>(T * d));
  for (int64_t t = 0; t < T; ++t) {
    const float pos = static_cast<float>(start + t) / static_cast<float>(c.rope_scaling);
    for (int64_t i = 0; i < half; ++i) {
      const float a = pos * inv_freq[static_cast<size_t>(i)];
      const float ca = std::cos(a), sa = std::sin(a);
      cs[static_cast<size_t>(t * d + i)] = cs[static_cast<size_t>(t * d + half + i)] = ca;
      sn[static_cast<size_t>(t * d + i)] = sn[static_cast<size_t>(t * d + half + i)] = sa;
    }
  }
  Tensor tc = from_vector(cs, {T, d}), ts = from_vector(sn, {T, d});
  return {tc.to(opts.device_, opts.dtype_), ts.to(opts.device_, opts.dtype_)};
}

// True where query i (absolute position past + i) must not see key j (j > past + i): [T, S].
Tensor causal_mask(int64_t T, int64_t S, int64_t past, Device device) {
  Tensor m = empty({T, S}, TensorOptions(kBool));
  bool* p = m.data_ptr<bool>();
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < S; ++j) p[i * S + j] = j > past + i;
  return m.to(device);
}

std::shared_ptr<nn::Linear> linear(int64_t in, int64_t out, bool bias) {
  return std::make_shared<nn::Linear>(in, out, nn::LinearOptions{.bias = bias});
}

}  // namespace

// ---- config ----

void GPTConfig::validate() const {
  MICA_CHECK(vocab_size > 0 && block_size > 0 && n_layer > 0 && n_head > 0 && n_embd > 0,
             "GPTConfig: vocab_size, block_size, n_layer, n_head and n_embd must be positive (got ",
             vocab_size, ", ", block_size, ", ", n_layer, ", ", n_head, ", ", n_embd, ")");
  MICA_CHECK(n_embd % n_head == 0, "GPTConfig: n_embd ", n_embd, " is not divisible by n_head ",
             n_head);
  MICA_CHECK(n_kv_head >= 0 && n_head % kv_heads() == 0, "GPTConfig: n_head ", n_head,
             " is not a multiple of n_kv_head ", kv_heads());
  MICA_CHECK(style == GPTStyle::Llama || kv_heads() == n_head,
             "GPTConfig: the GPT2 style has no grouped-query attention (n_kv_head ", n_kv_head,
             " != n_head ", n_head, ")");
  MICA_CHECK(style == GPTStyle::GPT2 || head_dim() % 2 == 0,
             "GPTConfig: rotary embeddings need an even head_dim, got ", head_dim());
  MICA_CHECK(dropout >= 0 && dropout < 1, "GPTConfig: dropout must be in [0, 1), got ", dropout);
  MICA_CHECK(intermediate_size >= 0 && norm_eps > 0 && rope_theta > 0 && rope_scaling > 0,
             "GPTConfig: intermediate_size must be >= 0 and norm_eps, rope_theta, rope_scaling "
             "positive");
}

GPTConfig GPTConfig::gpt2_small() {
  return GPTConfig{};
}

GPTConfig GPTConfig::char_gpt_w2() {
  GPTConfig c;
  c.vocab_size = 96;
  c.block_size = 128;
  c.n_layer = 4;
  c.n_head = 4;
  c.n_embd = 128;
  return c;
}

int64_t count_parameters(const GPTConfig& c) {
  c.validate();
  const int64_t C = c.n_embd, I = c.mlp_hidden(), kv = c.kv_heads() * c.head_dim();
  int64_t n = c.vocab_size * C;  // token embedding
  if (is_llama(c)) {
    const int64_t layer = 2 * C                         // input / post-attention RMSNorm
                          + C * C + 2 * C * kv + C * C  // q, k, v, o
                          + 3 * C * I;                  // gate, up, down
    n += c.n_layer * layer + C;                         // + final norm
  } else {
    n += c.block_size * C;                     // wpe
    const int64_t layer = 2 * C                // ln_1
                          + C * 3 * C + 3 * C  // c_attn
                          + C * C + C          // attn.c_proj
                          + 2 * C              // ln_2
                          + C * I + I          // c_fc
                          + I * C + C;         // mlp.c_proj
    n += c.n_layer * layer + 2 * C;            // + ln_f
  }
  if (!c.tied()) n += c.vocab_size * C;  // lm_head
  return n;
}

std::vector<ParameterShape> parameter_shapes(const GPTConfig& c) {
  c.validate();
  const int64_t C = c.n_embd, I = c.mlp_hidden(), kv = c.kv_heads() * c.head_dim();
  std::vector<ParameterShape> out;
  auto add_p = [&](std::string name, Shape s) { out.emplace_back(std::move(name), std::move(s)); };
  if (is_llama(c)) {
    add_p("model.embed_tokens.weight", {c.vocab_size, C});
    for (int64_t i = 0; i < c.n_layer; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      add_p(p + "input_layernorm.weight", {C});
      add_p(p + "self_attn.q_proj.weight", {C, C});
      add_p(p + "self_attn.k_proj.weight", {kv, C});
      add_p(p + "self_attn.v_proj.weight", {kv, C});
      add_p(p + "self_attn.o_proj.weight", {C, C});
      add_p(p + "post_attention_layernorm.weight", {C});
      add_p(p + "mlp.gate_proj.weight", {I, C});
      add_p(p + "mlp.up_proj.weight", {I, C});
      add_p(p + "mlp.down_proj.weight", {C, I});
    }
    add_p("model.norm.weight", {C});
  } else {
    add_p("transformer.wte.weight", {c.vocab_size, C});
    add_p("transformer.wpe.weight", {c.block_size, C});
    for (int64_t i = 0; i < c.n_layer; ++i) {
      const std::string p = "transformer.h." + std::to_string(i) + ".";
      add_p(p + "ln_1.weight", {C});
      add_p(p + "ln_1.bias", {C});
      add_p(p + "attn.c_attn.weight", {3 * C, C});
      add_p(p + "attn.c_attn.bias", {3 * C});
      add_p(p + "attn.c_proj.weight", {C, C});
      add_p(p + "attn.c_proj.bias", {C});
      add_p(p + "ln_2.weight", {C});
      add_p(p + "ln_2.bias", {C});
      add_p(p + "mlp.c_fc.weight", {I, C});
      add_p(p + "mlp.c_fc.bias", {I});
      add_p(p + "mlp.c_proj.weight", {C, I});
      add_p(p + "mlp.c_proj.bias", {C});
    }
    add_p("transformer.ln_f.weight", {C});
    add_p("transformer.ln_f.bias", {C});
  }
  if (!c.tied()) add_p("lm_head.weight", {c.vocab_size, C});
  return out;
}

// ---- attention ----

GPTAttention::GPTAttention(const GPTConfig& cfg, int64_t index)
    : Module("GPTAttention"), config(cfg), layer_index(index) {
  const int64_t C = cfg.n_embd, kv = cfg.kv_heads() * cfg.head_dim();
  if (is_llama(cfg)) {
    q_proj = register_module("q_proj", linear(C, C, false));
    k_proj = register_module("k_proj", linear(C, kv, false));
    v_proj = register_module("v_proj", linear(C, kv, false));
    o_proj = register_module("o_proj", linear(C, C, false));
  } else {
    c_attn = register_module("c_attn", linear(C, 3 * C, true));
    c_proj = register_module("c_proj", linear(C, C, true));
  }
  attn_dropout = register_module("attn_dropout", std::make_shared<nn::Dropout>(cfg.dropout));
  resid_dropout = register_module("resid_dropout", std::make_shared<nn::Dropout>(cfg.dropout));
}

Tensor GPTAttention::forward(const Tensor& x, const Tensor& cos, const Tensor& sin,
                             KVCache* cache) const {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  const int64_t nh = config.n_head, nkv = config.kv_heads(), hd = config.head_dim();
  Tensor q, k, v;
  if (is_llama(config)) {
    q = q_proj->forward(x).view({B, T, nh, hd}).transpose(1, 2);
    k = k_proj->forward(x).view({B, T, nkv, hd}).transpose(1, 2);
    v = v_proj->forward(x).view({B, T, nkv, hd}).transpose(1, 2);
    q = apply_rotary(q, cos, sin);
    k = apply_rotary(k, cos, sin);
  } else {
    auto qkv = split(c_attn->forward(x), C, 2);
    q = qkv[0].view({B, T, nh, hd}).transpose(1, 2);
    k = qkv[1].view({B, T, nh, hd}).transpose(1, 2);
    v = qkv[2].view({B, T, nh, hd}).transpose(1, 2);
  }
  const int64_t past = cache ? cache->length(layer_index) : 0;
  if (cache) std::tie(k, v) = cache->update(layer_index, k, v);
  const int64_t S = k.size(2);
  if (nkv != nh) {  // HF's repeat_kv: each key/value head serves n_head / n_kv_head query heads
    const int64_t rep = nh / nkv;
    k = k.unsqueeze(2).expand({B, nkv, rep, S, hd}).reshape({B, nh, S, hd});
    v = v.unsqueeze(2).expand({B, nkv, rep, S, hd}).reshape({B, nh, S, hd});
  }
  // No cache offset and no attention dropout: the fused attention kernel where it applies (CUDA;
  // its causal mask is top-left aligned, which is this one when past == 0 and T == S).
  const bool attn_dropout_off = config.dropout == 0 || !attn_dropout->is_training();
  if (past == 0 && T == S && attn_dropout_off &&
      nn::functional::uses_fused_attention(q, k, v, Tensor(), 0.0)) {
    const Tensor y =
        nn::functional::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, /*is_causal=*/true,
                                                     1.0 / std::sqrt(static_cast<double>(hd)))
            .transpose(1, 2)
            .reshape({B, T, C});
    return resid_dropout->forward(is_llama(config) ? o_proj->forward(y) : c_proj->forward(y));
  }
  // Scaling q ([B, nh, T, hd]) instead of the scores ([B, nh, T, S]) is one pass over 4x (GPT-2:
  // T / hd) fewer elements, forward and backward.
  Tensor att = matmul(mul(q, 1.0 / std::sqrt(static_cast<double>(hd))), k.transpose(2, 3));
  if (T > 1 || past + T != S)  // a single new query sees every cached key: no mask needed
    att = masked_fill(att, causal_mask(T, S, past, x.device()),
                      -std::numeric_limits<double>::infinity());
  att = attn_dropout->forward(softmax(att, -1));
  Tensor y = matmul(att, v).transpose(1, 2).reshape({B, T, C});
  return resid_dropout->forward(is_llama(config) ? o_proj->forward(y) : c_proj->forward(y));
}

// ---- MLP ----

GPTMLP::GPTMLP(const GPTConfig& cfg) : Module("GPTMLP"), config(cfg) {
  const int64_t C = cfg.n_embd, I = cfg.mlp_hidden();
  if (is_llama(cfg)) {
    gate_proj = register_module("gate_proj", linear(C, I, false));
    up_proj = register_module("up_proj", linear(C, I, false));
    down_proj = register_module("down_proj", linear(I, C, false));
  } else {
    c_fc = register_module("c_fc", linear(C, I, true));
    c_proj = register_module("c_proj", linear(I, C, true));
  }
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(cfg.dropout));
}

Tensor GPTMLP::forward(const Tensor& x) const {
  Tensor y = is_llama(config)
                 ? down_proj->forward(mul(silu(gate_proj->forward(x)), up_proj->forward(x)))
                 : c_proj->forward(gelu(c_fc->forward(x), "tanh"));
  return dropout->forward(y);
}

// ---- block ----

GPTBlock::GPTBlock(const GPTConfig& cfg, int64_t index) : Module("GPTBlock"), config(cfg) {
  const int64_t C = cfg.n_embd;
  if (is_llama(cfg)) {
    rms_1 = register_module(
        "input_layernorm",
        std::make_shared<nn::RMSNorm>(Shape{C}, nn::RMSNormOptions{.eps = cfg.norm_eps}));
    attn = register_module("self_attn", std::make_shared<GPTAttention>(cfg, index));
    rms_2 = register_module(
        "post_attention_layernorm",
        std::make_shared<nn::RMSNorm>(Shape{C}, nn::RMSNormOptions{.eps = cfg.norm_eps}));
  } else {
    ln_1 = register_module("ln_1", std::make_shared<nn::LayerNorm>(
                                       Shape{C}, nn::LayerNormOptions{.eps = cfg.norm_eps}));
    attn = register_module("attn", std::make_shared<GPTAttention>(cfg, index));
    ln_2 = register_module("ln_2", std::make_shared<nn::LayerNorm>(
                                       Shape{C}, nn::LayerNormOptions{.eps = cfg.norm_eps}));
  }
  mlp = register_module("mlp", std::make_shared<GPTMLP>(cfg));
}

Tensor GPTBlock::forward(const Tensor& x, const Tensor& cos, const Tensor& sin,
                         KVCache* cache) const {
  Tensor h = add(x, attn->forward(rms_1 ? rms_1->forward(x) : ln_1->forward(x), cos, sin, cache));
  return add(h, mlp->forward(rms_2 ? rms_2->forward(h) : ln_2->forward(h)));
}

// ---- trunk ----

GPTTrunk::GPTTrunk(const GPTConfig& cfg)
    : Module(is_llama(cfg) ? "LlamaModel" : "GPT2Model"), config(cfg) {
  const int64_t C = cfg.n_embd;
  const bool llama = is_llama(cfg);
  wte = register_module(llama ? "embed_tokens" : "wte",
                        std::make_shared<nn::Embedding>(cfg.vocab_size, C));
  if (!llama) wpe = register_module("wpe", std::make_shared<nn::Embedding>(cfg.block_size, C));
  drop = register_module("drop", std::make_shared<nn::Dropout>(cfg.dropout));
  h = register_module(llama ? "layers" : "h", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < cfg.n_layer; ++i) h->push_back(std::make_shared<GPTBlock>(cfg, i));
  if (llama)
    norm = register_module(
        "norm", std::make_shared<nn::RMSNorm>(Shape{C}, nn::RMSNormOptions{.eps = cfg.norm_eps}));
  else
    ln_f = register_module("ln_f", std::make_shared<nn::LayerNorm>(
                                       Shape{C}, nn::LayerNormOptions{.eps = cfg.norm_eps}));
}

Tensor GPTTrunk::forward(const Tensor& idx, KVCache* cache) const {
  MICA_CHECK(idx.defined() && idx.dim() == 2 && idx.dtype() == kInt64,
             "GPT: idx must be int64 [B, T], got ",
             idx.defined() ? shape_str(idx.sizes()) + " " + dtype_name(idx.dtype()) : "undefined");
  MICA_CHECK(!cache || cache->n_layer() == config.n_layer, "GPT: the KV cache has ",
             cache ? cache->n_layer() : 0, " layers, the model ", config.n_layer);
  const int64_t T = idx.size(1), past = cache ? cache->length() : 0;
  MICA_CHECK(T > 0, "GPT: empty sequence");
  Tensor x = wte->forward(idx);
  Tensor cos, sin;
  if (is_llama(config)) {
    std::tie(cos, sin) =
        rotary_tables(config, past, T, TensorOptions(x.dtype()).device(x.device()));
  } else {
    MICA_CHECK(past + T <= config.block_size, "GPT: sequence of ", past + T, " positions (", past,
               " cached + ", T, " new) exceeds block_size ", config.block_size);
    x = add(x, wpe->forward(arange(past, past + T, 1, TensorOptions(kInt64).device(x.device()))));
  }
  x = drop->forward(x);
  for (size_t i = 0; i < h->size(); ++i) x = block(i)->forward(x, cos, sin, cache);
  return norm ? norm->forward(x) : ln_f->forward(x);
}

// ---- GPT ----

GPT::GPT(const GPTConfig& cfg, Generator* gen) : Module("GPT"), config(cfg) {
  cfg.validate();
  transformer =
      register_module(is_llama(cfg) ? "model" : "transformer", std::make_shared<GPTTrunk>(cfg));
  if (!cfg.tied()) lm_head = register_module("lm_head", linear(cfg.n_embd, cfg.vocab_size, false));
  init_weights(gen);
}

void GPT::init_weights(Generator* gen) {
  const double std_res = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (auto& [name, p] : named_parameters()) {
    auto ends_with = [&](const std::string& s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    const bool norm = name.find("ln_") != std::string::npos ||
                      name.find("layernorm") != std::string::npos ||
                      name.find("model.norm") != std::string::npos;
    if (norm)
      ends_with(".bias") ? nn::init::zeros_(p) : nn::init::ones_(p);
    else if (ends_with(".bias"))
      nn::init::zeros_(p);
    else if (ends_with("c_proj.weight") || ends_with("o_proj.weight") ||
             ends_with("down_proj.weight"))
      nn::init::normal_(p, 0.0, std_res, gen);
    else
      nn::init::normal_(p, 0.0, 0.02, gen);
  }
}

const Tensor& GPT::lm_head_weight() const {
  return lm_head ? lm_head->weight : transformer->wte->weight;
}

Tensor GPT::forward(const Tensor& idx, KVCache* cache) const {
  return linear(transformer->forward(idx, cache), lm_head_weight());
}

Tensor GPT::loss(const Tensor& logits, const Tensor& targets) {
  MICA_CHECK(logits.dim() == 3 && targets.dim() == 2 && logits.size(0) == targets.size(0) &&
                 logits.size(1) == targets.size(1),
             "GPT::loss: logits [B, T, V] and targets [B, T] expected, got ",
             shape_str(logits.sizes()), " and ", shape_str(targets.sizes()));
  const int64_t V = logits.size(2);
  return cross_entropy(logits.reshape({-1, V}), targets.reshape({-1}), ops::Reduction::Mean, -100);
}

Tensor GPT::forward_loss(const Tensor& idx, const Tensor& targets) const {
  return loss(forward(idx), targets);
}

std::string GPT::extra_repr() const {
  std::ostringstream os;
  os << "style=" << (is_llama(config) ? "llama" : "gpt2") << ", vocab_size=" << config.vocab_size
     << ", n_layer=" << config.n_layer << ", n_head=" << config.n_head
     << ", n_kv_head=" << config.kv_heads() << ", n_embd=" << config.n_embd;
  return os.str();
}

}  // namespace mica::models
