// Composite functions against PyTorch (tests/fixtures/golden/composite.json, written by
// scripts/gen_autograd_fixtures.py): an MLP, a causal self-attention block and a VAE loss, in
// float32 with the same inputs and weights; outputs and every gradient must match (rtol 1e-5).
// The conv + group-norm + SiLU block is in composite_conv_golden_test.cpp.
#include "composite_golden_util.h"

namespace mica::test {
namespace {

Tensor mlp(const std::vector<Tensor>& in) {
  return linear(gelu(linear(in[0], in[1], in[2])), in[3], in[4]);
}

// x: [B, T, C], w_qkv: [3C, C], w_out: [C, C] -> [B, T, C]; GPT-2's attention with a causal mask.
Tensor causal_attention(const std::vector<Tensor>& in, int64_t n_head) {
  const Tensor& x = in[0];
  const int64_t b = x.size(0), t = x.size(1), c = x.size(2), hd = c / n_head;
  const Tensor qkv = linear(x, in[1], in[2]);  // [B, T, 3C]
  auto head = [&](int64_t k) {                 // -> [B, nh, T, hd]
    return qkv.slice(2, k * c, (k + 1) * c).reshape({b, t, n_head, hd}).transpose(1, 2);
  };
  const Tensor q = head(0), key = head(1), v = head(2);
  Tensor att = mul(matmul(q, key.transpose(-2, -1)), 1.0 / std::sqrt(static_cast<double>(hd)));
  const Tensor mask = ops::triu(ones({t, t}, TensorOptions(kBool)), 1);
  att = softmax(masked_fill(att, mask, -std::numeric_limits<double>::infinity()), -1);
  const Tensor y = matmul(att, v).transpose(1, 2).contiguous().view({b, t, c});
  return linear(y, in[3], in[4]);
}

// in: x, eps, w_enc, b_enc, w_mu, b_mu, w_lv, b_lv, w_dec, b_dec -> scalar loss per example.
Tensor vae_loss(const std::vector<Tensor>& in) {
  const Tensor& x = in[0];
  const Tensor h = tanh(linear(x, in[2], in[3]));
  const Tensor mu = linear(h, in[4], in[5]), logvar = linear(h, in[6], in[7]);
  const Tensor z = add(mu, mul(exp(mul(logvar, 0.5)), in[1]));
  const Tensor logits = linear(z, in[8], in[9]);
  const Tensor recon = binary_cross_entropy_with_logits(logits, x, ops::Reduction::Sum);
  const Tensor kl = mul(sum(sub(sub(add(logvar, 1.0), mul(mu, mu)), exp(logvar))), -0.5);
  return div(add(recon, kl), static_cast<double>(x.size(0)));
}

TEST(CompositeGolden, Mlp) {
  check_composite("mlp", mlp, true);
}

TEST(CompositeGolden, CausalSelfAttention) {
  check_composite(
      "causal_attention", [](const std::vector<Tensor>& in) { return causal_attention(in, 2); },
      true);
}

TEST(CompositeGolden, VaeLoss) {
  // x and eps are data: only the weights (inputs 2..9) require grad.
  check_composite("vae_loss", vae_loss, false, /*first_param=*/2);
}

}  // namespace
}  // namespace mica::test
