// nn::MultiheadAttention (projections, head split, mask handling) and the attention core
// nn::functional::scaled_dot_product_attention (composed, or the fused CUDA kernel).
#include "nn/layers/attention.h"

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "autograd/ops/attention.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/nn.h"
#include "autograd/ops/norm.h"
#include "autograd/ops/pointwise.h"
#include "autograd/ops/reduction.h"
#include "autograd/ops/shape.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "tensor/error.h"

namespace mica::nn {

namespace functional {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// [L, S]: 0 where key j <= query i, -inf above the diagonal (top-left aligned, like torch).
Tensor causal_additive_mask(int64_t L, int64_t S, const Tensor& like) {
  std::vector<float> m(static_cast<size_t>(L * S), 0.0f);
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + 1; j < S; ++j)
      m[static_cast<size_t>(i * S + j)] = -std::numeric_limits<float>::infinity();
  return from_vector(m, {L, S}).to(like.device(), like.dtype());
}

// t: [..., L, E] with 2 to 4 dims as the fused kernel's [B, H, L, E] (a view).
Tensor as_bhld(const Tensor& t) {
  Tensor r = t;
  while (r.dim() < 4) r = r.unsqueeze(0);
  return r;
}
}  // namespace

bool uses_fused_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                          const Tensor& attn_mask, double dropout_p) {
  if (attn_mask.defined() || dropout_p > 0 || !q.defined() || !k.defined() || !v.defined())
    return false;
  if (!q.is_cuda()) return false;  // the CPU always composes
  if (q.dim() < 2 || q.dim() > 4 || k.dim() != q.dim() || v.dim() != q.dim()) return false;
  for (int64_t d = 0; d + 2 < q.dim(); ++d)
    if (k.size(d) != q.size(d) || v.size(d) != q.size(d)) return false;
  return ops::fused_attention_supported(as_bhld(q), as_bhld(k), as_bhld(v));
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* generator) {
  if (!uses_fused_attention(q, k, v, attn_mask, dropout_p))
    return scaled_dot_product_attention_with_weights(q, k, v, attn_mask, dropout_p, is_causal,
                                                     scale, generator)
        .first;
  const double s = scale.value_or(1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  return fused_attention(as_bhld(q), as_bhld(k), as_bhld(v), is_causal, s).reshape(q.sizes());
}

std::pair<Tensor, Tensor> scaled_dot_product_attention_with_weights(
    const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask, double dropout_p,
    bool is_causal, std::optional<double> scale, Generator* generator) {
  MICA_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2 && q.size(-1) == k.size(-1) &&
                 k.size(-2) == v.size(-2),
             "scaled_dot_product_attention: expected q [..., L, E], k [..., S, E], v [..., S, Ev], "
             "got q ",
             shape_str(q.sizes()), ", k ", shape_str(k.sizes()), ", v ", shape_str(v.sizes()));
  const int64_t L = q.size(-2), S = k.size(-2);
  const double s = scale.value_or(1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  Tensor scores = mica::mul(mica::matmul(q, k.transpose(-2, -1)), s);  // [..., L, S]
  if (is_causal) scores = add(scores, causal_additive_mask(L, S, scores));
  if (attn_mask.defined()) {
    if (attn_mask.dtype() == kBool)
      scores = masked_fill(scores, ops::logical_not(attn_mask), kNegInf);
    else
      scores = add(scores, attn_mask);
  }
  Tensor weights = mica::softmax(scores, -1);
  if (dropout_p > 0) weights = mica::dropout(weights, dropout_p, true, generator);
  return {mica::matmul(weights, v), weights};
}

}  // namespace functional

namespace {
// A bool mask (true = masked) as an additive float mask; a float mask unchanged.
Tensor additive(const Tensor& mask, const Tensor& like) {
  if (mask.dtype() != kBool) return mask.to(like.dtype());
  return ops::masked_fill(zeros(mask.sizes(), TensorOptions(like.dtype()).device(like.device())),
                          mask, -std::numeric_limits<double>::infinity());
}
}  // namespace

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, MultiheadAttentionOptions o)
    : Module("MultiheadAttention"),
      embed_dim(e),
      num_heads(h),
      head_dim(h > 0 ? e / h : 0),
      kdim(o.kdim.value_or(e)),
      vdim(o.vdim.value_or(e)),
      dropout(o.dropout),
      batch_first(o.batch_first) {
  MICA_CHECK(e > 0 && h > 0 && e % h == 0, "MultiheadAttention: embed_dim (", e,
             ") must be divisible by num_heads (", h, ")");
  if (kdim == e && vdim == e) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * e, e}));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({e, e}));
    k_proj_weight = register_parameter("k_proj_weight", empty({e, kdim}));
    v_proj_weight = register_parameter("v_proj_weight", empty({e, vdim}));
  }
  if (o.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * e}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(e, e, LinearOptions{o.bias}));
  reset_parameters();
}

void MultiheadAttention::reset_parameters(Generator* gen) {
  // torch's _reset_parameters: xavier_uniform projections, zero biases; out_proj.weight keeps
  // Linear's default initialization.
  out_proj->reset_parameters(gen);
  if (in_proj_weight.defined()) {
    init::xavier_uniform_(in_proj_weight, 1, gen);
  } else {
    init::xavier_uniform_(q_proj_weight, 1, gen);
    init::xavier_uniform_(k_proj_weight, 1, gen);
    init::xavier_uniform_(v_proj_weight, 1, gen);
  }
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
}

std::pair<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                      const Tensor& value,
                                                      const AttentionForwardOptions& fo) const {
  MICA_CHECK(query.dim() == key.dim() && key.dim() == value.dim() &&
                 (query.dim() == 2 || query.dim() == 3),
             "MultiheadAttention: query, key and value must all be 2-d or 3-d, got ",
             shape_str(query.sizes()), ", ", shape_str(key.sizes()), ", ",
             shape_str(value.sizes()));
  const bool unbatched = query.dim() == 2;
  // Everything below works on [B, T, E].
  auto to_btc = [&](const Tensor& t) {
    if (unbatched) return t.unsqueeze(0);
    return batch_first ? t : t.transpose(0, 1);
  };
  const Tensor q_in = to_btc(query), k_in = to_btc(key), v_in = to_btc(value);
  MICA_CHECK(q_in.size(2) == embed_dim && k_in.size(2) == kdim && v_in.size(2) == vdim &&
                 k_in.size(1) == v_in.size(1) && q_in.size(0) == k_in.size(0) &&
                 k_in.size(0) == v_in.size(0),
             "MultiheadAttention: expected query [.., T, ", embed_dim, "], key [.., S, ", kdim,
             "], value [.., S, ", vdim, "] with equal batch sizes, got ", shape_str(query.sizes()),
             ", ", shape_str(key.sizes()), ", ", shape_str(value.sizes()));
  const int64_t B = q_in.size(0), T = q_in.size(1), S = k_in.size(1), E = embed_dim;

  // Projections.
  std::vector<Tensor> b(3);
  if (in_proj_bias.defined()) b = chunk(in_proj_bias, 3, 0);
  Tensor q, k, v;
  if (in_proj_weight.defined()) {
    if (query.is_same(key) && key.is_same(value)) {
      auto qkv = chunk(linear(q_in, in_proj_weight, in_proj_bias), 3, -1);
      q = qkv[0], k = qkv[1], v = qkv[2];
    } else {
      auto w = chunk(in_proj_weight, 3, 0);
      q = linear(q_in, w[0], b[0]), k = linear(k_in, w[1], b[1]), v = linear(v_in, w[2], b[2]);
    }
  } else {
    q = linear(q_in, q_proj_weight, b[0]);
    k = linear(k_in, k_proj_weight, b[1]);
    v = linear(v_in, v_proj_weight, b[2]);
  }
  // [B, L, E] -> [B, H, L, D]
  auto heads = [&](const Tensor& t, int64_t len) {
    return t.reshape({B, len, num_heads, head_dim}).transpose(1, 2);
  };
  q = heads(q, T), k = heads(k, S), v = heads(v, S);

  // One additive mask broadcasting to [B, H, T, S].
  Tensor mask;
  if (fo.attn_mask.defined()) {
    const Tensor& m = fo.attn_mask;
    MICA_CHECK((m.dim() == 2 && m.size(0) == T && m.size(1) == S) ||
                   (m.dim() == 3 && m.size(0) == B * num_heads && m.size(1) == T && m.size(2) == S),
               "MultiheadAttention: attn_mask must be [", T, ", ", S, "] or [", B * num_heads, ", ",
               T, ", ", S, "], got ", shape_str(m.sizes()));
    mask = additive(m, q);
    if (m.dim() == 3) mask = mask.reshape({B, num_heads, T, S});
  }
  if (fo.key_padding_mask.defined()) {
    const Tensor& m = fo.key_padding_mask;
    MICA_CHECK(m.numel() == B * S && m.size(-1) == S,
               "MultiheadAttention: key_padding_mask must be [", B, ", ", S, "], got ",
               shape_str(m.sizes()));
    Tensor kp = additive(m, q).reshape({B, 1, 1, S});
    mask = mask.defined() ? add(mask, kp) : kp;
  }

  const double p = is_training() ? dropout : 0.0;
  Tensor attn, weights;
  if (fo.need_weights)
    std::tie(attn, weights) = functional::scaled_dot_product_attention_with_weights(
        q, k, v, mask, p, fo.is_causal, std::nullopt);
  else  // may take the fused kernel
    attn = functional::scaled_dot_product_attention(q, k, v, mask, p, fo.is_causal);
  Tensor out = out_proj->forward(attn.transpose(1, 2).reshape({B, T, E}));
  if (unbatched)
    out = out.squeeze(0);
  else if (!batch_first)
    out = out.transpose(0, 1);

  Tensor w;
  if (fo.need_weights) {
    w = fo.average_attn_weights ? mean(weights, {1}) : weights;
    if (unbatched) w = w.squeeze(0);
  }
  return {out, w};
}

Tensor MultiheadAttention::forward(const Tensor& x) const {
  return forward(x, x, x, {.need_weights = false}).first;
}

std::string MultiheadAttention::extra_repr() const {
  // torch shows out_proj as the only child; keep the sizes visible here.
  return "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads) +
         (kdim != embed_dim || vdim != embed_dim
              ? ", kdim=" + std::to_string(kdim) + ", vdim=" + std::to_string(vdim)
              : std::string()) +
         (batch_first ? ", batch_first=True" : "");
}

}  // namespace mica::nn
