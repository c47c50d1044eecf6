// nn::MultiheadAttention with PyTorch's parameters, names and semantics: a packed in_proj_weight
// [3E, E] when key and value have embed_dim features (else q_proj_weight, k_proj_weight,
// v_proj_weight), in_proj_bias [3E], out_proj (Linear E -> E). The attention core is
// nn::functional::scaled_dot_product_attention (nn/functional.h): composed from matmul, softmax
// and masked_fill, or, without need_weights, masks and dropout on CUDA, the fused kernel.
// Not supported (yet): add_bias_kv, add_zero_attn.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nn/layers/linear.h"
#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::nn {

struct MultiheadAttentionOptions {
  double dropout = 0.0;              // on the attention weights, in training mode
  bool bias = true;                  // in_proj_bias and out_proj.bias
  std::optional<int64_t> kdim = {};  // key features (default embed_dim)
  std::optional<int64_t> vdim = {};  // value features (default embed_dim)
  bool batch_first = false;          // inputs [B, T, E] instead of torch's default [T, B, E]
};

// Per-call arguments of MultiheadAttention::forward (torch's keyword arguments).
struct AttentionForwardOptions {
  // [B, S] (or [S] unbatched): bool, true = ignore that key; or float, added to the scores.
  Tensor key_padding_mask = {};
  bool need_weights = true;
  // [T, S] or [B * num_heads, T, S]: bool, true = not allowed to attend; or float, added.
  Tensor attn_mask = {};
  bool average_attn_weights = true;
  // Masks key positions after the query position (combined with attn_mask when both are given).
  bool is_causal = false;
};

class MultiheadAttention : public Module {
 public:
  // nn::MultiheadAttention attn(512, 8, {.batch_first = true});
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {});

  // query: [B, T, E] (batch_first) / [T, B, E] / [T, E]; key: [.., S, kdim]; value: [.., S, vdim]
  // -> (output like query, attention weights [B, T, S] averaged over heads or
  //     [B, num_heads, T, S]; undefined without need_weights)
  std::pair<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const AttentionForwardOptions& options = {}) const;
  // Self-attention without masks: forward(x, x, x).first.
  Tensor forward(const Tensor& x) const;
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  double dropout;
  bool batch_first;
  Tensor in_proj_weight;  // [3E, E] when kdim == vdim == E, else undefined
  Tensor q_proj_weight;   // [E, E] when kdim or vdim differ from E
  Tensor k_proj_weight;   // [E, kdim]
  Tensor v_proj_weight;   // [E, vdim]
  Tensor in_proj_bias;    // [3E], undefined without bias
  std::shared_ptr<Linear> out_proj;
};

}  // namespace mica::nn
