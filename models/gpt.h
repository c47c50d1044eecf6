// models::GPT: a decoder-only transformer in two styles, with parameter names that match the
// reference checkpoints so their state dicts load by name (models/hf_weights.h):
//   GPT2:  learned positions (wpe), pre-LayerNorm blocks (eps 1e-5), fused c_attn, MLP
//          c_fc -> GELU(tanh) -> c_proj, biases, LM head tied to wte. Names (nanoGPT/HF
//          GPT2LMHeadModel): transformer.wte.weight, transformer.wpe.weight,
//          transformer.h.{i}.ln_1.{weight,bias}, transformer.h.{i}.attn.c_attn.{weight,bias},
//          transformer.h.{i}.attn.c_proj.*, transformer.h.{i}.ln_2.*, transformer.h.{i}.mlp.c_fc.*,
//          transformer.h.{i}.mlp.c_proj.*, transformer.ln_f.* (weights in nn::Linear's
//          [out, in] layout; no lm_head.weight: logits use transformer.wte.weight).
//   Llama: rotary positions (HF rotate_half convention, optional linear position scaling),
//          RMSNorm, grouped-query attention (n_kv_head <= n_head), SwiGLU MLP, no biases,
//          untied lm_head. Names (HF LlamaForCausalLM): model.embed_tokens.weight,
//          model.layers.{i}.input_layernorm.weight,
//          model.layers.{i}.self_attn.{q,k,v,o}_proj.weight,
//          model.layers.{i}.post_attention_layernorm.weight,
//          model.layers.{i}.mlp.{gate,up,down}_proj.weight, model.norm.weight, lm_head.weight.
// Init follows nanoGPT: Linear weights and embeddings N(0, 0.02), the residual output
// projections (c_proj / o_proj / down_proj) N(0, 0.02 / sqrt(2 n_layer)), biases 0, norms 1.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/kv_cache.h"
#include "nn/containers.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/linear.h"
#include "nn/layers/normalization.h"
#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::models {

enum class GPTStyle { GPT2, Llama };

struct GPTConfig {
  int64_t vocab_size = 50257;
  int64_t block_size = 1024;  // GPT2: positions in wpe; Llama: the context the model is meant for
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_kv_head = 0;  // key/value heads (GQA); 0: n_head
  int64_t n_embd = 768;
  GPTStyle style = GPTStyle::GPT2;
  double dropout = 0.0;  // embedding, attention-probability and residual dropout
  // MLP hidden size; 0: 4 * n_embd (GPT2). Llama configs set it (e.g. 11008 for 7B).
  int64_t intermediate_size = 0;
  double norm_eps = 1e-5;       // LayerNorm (GPT2) / RMSNorm (Llama) epsilon
  double rope_theta = 10000.0;  // Llama: inv_freq_i = 1 / theta^(2i / head_dim)
  double rope_scaling = 1.0;    // Llama: linear position scaling (positions / factor)
  // Whether logits use the token embedding (GPT2's tie); unset: true for GPT2, false for Llama.
  std::optional<bool> tie_word_embeddings;

  int64_t head_dim() const { return n_embd / n_head; }
  int64_t kv_heads() const { return n_kv_head > 0 ? n_kv_head : n_head; }
  int64_t mlp_hidden() const { return intermediate_size > 0 ? intermediate_size : 4 * n_embd; }
  bool tied() const { return tie_word_embeddings.value_or(style == GPTStyle::GPT2); }
  // Throws mica::Error naming the first inconsistent setting.
  void validate() const;

  // GPT-2 small (124M: 12 layers, 12 heads, 768 wide, vocab 50257, 1024 positions).
  static GPTConfig gpt2_small();
  // Workload W2: the char-level GPT (vocab 96, block 128, 4 layers, 4 heads, 128 wide).
  static GPTConfig char_gpt_w2();
};

// The parameter count of GPT(config), the tied weight counted once, without allocating.
int64_t count_parameters(const GPTConfig& config);
// GPT(config)'s state_dict names and shapes, in its order, without allocating.
using ParameterShape = std::pair<std::string, Shape>;
std::vector<ParameterShape> parameter_shapes(const GPTConfig& config);

// One attention layer (GPT2: c_attn, c_proj; Llama: q_proj, k_proj, v_proj, o_proj).
class GPTAttention : public nn::Module {
 public:
  GPTAttention(const GPTConfig& config, int64_t layer_index);
  // x: [B, T, C]; positions start at the cache's length (0 without a cache). cos, sin
  // ([T, head_dim], Llama only) rotate q and k. -> [B, T, C]
  Tensor forward(const Tensor& x, const Tensor& cos, const Tensor& sin, KVCache* cache) const;

  GPTConfig config;
  int64_t layer_index;
  std::shared_ptr<nn::Linear> c_attn, c_proj;                  // GPT2
  std::shared_ptr<nn::Linear> q_proj, k_proj, v_proj, o_proj;  // Llama
  std::shared_ptr<nn::Dropout> attn_dropout, resid_dropout;
};

// The MLP (GPT2: c_fc -> GELU(tanh) -> c_proj; Llama: down(silu(gate(x)) * up(x))).
class GPTMLP : public nn::Module {
 public:
  explicit GPTMLP(const GPTConfig& config);
  // x: [B, T, C] -> [B, T, C]
  Tensor forward(const Tensor& x) const;

  GPTConfig config;
  std::shared_ptr<nn::Linear> c_fc, c_proj;                   // GPT2
  std::shared_ptr<nn::Linear> gate_proj, up_proj, down_proj;  // Llama
  std::shared_ptr<nn::Dropout> dropout;
};

// A pre-norm block: x + attn(norm_1(x)), then x + mlp(norm_2(x)). Norm names: ln_1/ln_2
// (GPT2) or input_layernorm/post_attention_layernorm (Llama); attention: attn / self_attn.
class GPTBlock : public nn::Module {
 public:
  GPTBlock(const GPTConfig& config, int64_t layer_index);
  // x: [B, T, C] -> [B, T, C]
  Tensor forward(const Tensor& x, const Tensor& cos, const Tensor& sin, KVCache* cache) const;

  GPTConfig config;
  std::shared_ptr<nn::LayerNorm> ln_1, ln_2;  // GPT2
  std::shared_ptr<nn::RMSNorm> rms_1, rms_2;  // Llama
  std::shared_ptr<GPTAttention> attn;
  std::shared_ptr<GPTMLP> mlp;
};

// The trunk: "transformer" (GPT2: wte, wpe, h, ln_f) or "model" (Llama: embed_tokens, layers,
// norm). forward returns the final normalized hidden states [B, T, C].
class GPTTrunk : public nn::Module {
 public:
  explicit GPTTrunk(const GPTConfig& config);
  // idx: int64 [B, T] -> [B, T, C]
  Tensor forward(const Tensor& idx, KVCache* cache) const;
  std::shared_ptr<GPTBlock> block(size_t i) const { return h->at<GPTBlock>(i); }

  GPTConfig config;
  std::shared_ptr<nn::Embedding> wte;  // "wte" / "embed_tokens"
  std::shared_ptr<nn::Embedding> wpe;  // GPT2 only
  std::shared_ptr<nn::Dropout> drop;
  std::shared_ptr<nn::ModuleList> h;    // "h" / "layers"
  std::shared_ptr<nn::LayerNorm> ln_f;  // GPT2
  std::shared_ptr<nn::RMSNorm> norm;    // Llama
};

class GPT : public nn::Module {
 public:
  // Builds the model and initializes it like nanoGPT from gen (null: the default generator).
  explicit GPT(const GPTConfig& config, Generator* gen = nullptr);

  // idx: int64 [B, T] token ids. With a cache, the tokens continue the cached sequence (their
  // positions start at cache->length()) and their keys/values are appended to it.
  // -> logits [B, T, vocab_size]
  Tensor forward(const Tensor& idx, KVCache* cache = nullptr) const;
  // Mean cross-entropy of logits [B, T, V] against targets int64 [B, T] (ignore_index -100).
  static Tensor loss(const Tensor& logits, const Tensor& targets);
  // forward then loss.
  Tensor forward_loss(const Tensor& idx, const Tensor& targets) const;

  // Re-draws every parameter with the nanoGPT init.
  void init_weights(Generator* gen = nullptr);
  // An empty KV cache sized for this model.
  KVCache make_cache() const { return KVCache(config.n_layer); }
  // The output embedding [vocab_size, n_embd] (the token embedding when tied).
  const Tensor& lm_head_weight() const;
  std::string extra_repr() const override;

  GPTConfig config;
  std::shared_ptr<GPTTrunk> transformer;  // registered as "transformer" (GPT2) or "model" (Llama)
  std::shared_ptr<nn::Linear> lm_head;    // untied only
};

}  // namespace mica::models
