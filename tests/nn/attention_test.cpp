// nn::MultiheadAttention against torch.nn.MultiheadAttention(batch_first=True)
// (tests/fixtures/nn/layers2.json): self-attention with a causal mask (given as attn_mask and
// as is_causal), with key_padding_mask, and cross-attention with kdim/vdim; outputs, averaged
// weights and the gradients of sum(out * u) + sum(w * uw) for inputs and parameters. Plus
// F::scaled_dot_product_attention's mask semantics and the torch layout and names.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::load_fixture;
using test::state_dict_from_json;
using test::tensor_from_json;

Tensor bool_mask(const nlohmann::json& j) {
  return ops::ne(tensor_from_json(j), 0);
}

void check_case(const nlohmann::json& c, bool causal_flag) {
  const auto& a = c.at("args");
  MultiheadAttentionOptions o{.batch_first = true};
  if (a.contains("kdim")) o.kdim = a.at("kdim").get<int64_t>();
  if (a.contains("vdim")) o.vdim = a.at("vdim").get<int64_t>();
  MultiheadAttention mha(8, 2, o);
  mha.load_state_dict(state_dict_from_json(c.at("state_dict")));
  EXPECT_EQ(mha.state_dict().keys().size(), c.at("state_dict").size());
  Tensor q = tensor_from_json(c.at("query")).requires_grad_();
  Tensor k = tensor_from_json(c.at("key")).requires_grad_();
  Tensor v = tensor_from_json(c.at("value")).requires_grad_();
  const bool self = c.at("name").get<std::string>().rfind("mha_self", 0) == 0;
  if (self) k = v = q;  // one tensor, as in torch's mha(x, x, x)
  AttentionForwardOptions fo;
  if (c.contains("key_padding_mask")) fo.key_padding_mask = bool_mask(c.at("key_padding_mask"));
  if (c.contains("attn_mask")) {
    if (causal_flag)
      fo.is_causal = true;
    else
      fo.attn_mask = bool_mask(c.at("attn_mask"));
  }
  auto [out, w] = mha.forward(q, k, v, fo);
  ASSERT_TRUE(close(out, tensor_from_json(c.at("output"))));
  ASSERT_TRUE(close(w, tensor_from_json(c.at("weights"))));
  add(sum(out * tensor_from_json(c.at("u"))), sum(w * tensor_from_json(c.at("uw")))).backward();
  if (self) {
    EXPECT_TRUE(close(q.grad(),
                      tensor_from_json(c.at("query_grad")) + tensor_from_json(c.at("key_grad")) +
                          tensor_from_json(c.at("value_grad")),
                      1e-5, 1e-5));
  } else {
    EXPECT_TRUE(close(q.grad(), tensor_from_json(c.at("query_grad")), 1e-5, 1e-5));
    EXPECT_TRUE(close(k.grad(), tensor_from_json(c.at("key_grad")), 1e-5, 1e-5));
    EXPECT_TRUE(close(v.grad(), tensor_from_json(c.at("value_grad")), 1e-5, 1e-5));
  }
  const StateDict params = mha.named_parameters();
  EXPECT_EQ(params.size(), c.at("grads").size());
  for (const auto& [name, g] : c.at("grads").items())
    EXPECT_TRUE(close(params.at(name).grad(), tensor_from_json(g), 1e-5, 1e-5)) << name;
}

TEST(Attention, MultiheadAttentionMatchesPyTorch) {
  const auto doc = load_fixture("layers2");
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    if (name.rfind("mha_", 0) != 0) continue;
    SCOPED_TRACE(name);
    check_case(c, false);
    if (c.contains("attn_mask")) {
      SCOPED_TRACE("is_causal instead of attn_mask");
      check_case(c, true);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(Attention, TorchNamesShapesAndInit) {
  MultiheadAttention packed(16, 4);
  EXPECT_EQ(packed.state_dict().keys(),
            (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"}));
  EXPECT_TRUE(close(packed.in_proj_bias, zeros({48})));
  EXPECT_TRUE(close(packed.out_proj->bias, zeros({16})));
  // xavier_uniform bound sqrt(6 / (16 + 48)) on the packed [48, 16] weight.
  const double bound = std::sqrt(6.0 / 64.0);
  EXPECT_LE(ops::max(ops::abs(packed.in_proj_weight)).item<double>(), bound);
  MultiheadAttention cross(8, 2, {.bias = false, .kdim = 5, .vdim = 3});
  EXPECT_EQ(cross.state_dict().keys(),
            (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight",
                                      "out_proj.weight"}));
  EXPECT_EQ(cross.k_proj_weight.sizes(), (Shape{8, 5}));
  // Default layout [T, B, E] and unbatched [T, E].
  Tensor x = randn({6, 2, 16});
  auto [out, w] = packed.forward(x, x, x);
  EXPECT_EQ(out.sizes(), (Shape{6, 2, 16}));
  EXPECT_EQ(w.sizes(), (Shape{2, 6, 6}));
  // Time-major and batch-major give the same numbers.
  auto [out0, w0] = packed.forward(x.select(1, 0), x.select(1, 0), x.select(1, 0));
  EXPECT_TRUE(close(out0, out.select(1, 0)));
  EXPECT_TRUE(close(w0, w.select(0, 0)));
  auto [o2, w2] = packed.forward(x, x, x, {.need_weights = false});
  EXPECT_FALSE(w2.defined());
  auto [o3, w3] = packed.forward(x, x, x, {.average_attn_weights = false});
  EXPECT_EQ(w3.sizes(), (Shape{2, 4, 6, 6}));
  EXPECT_THROW(MultiheadAttention(10, 3), Error);
  EXPECT_THROW(packed.forward(x, x, x, {.attn_mask = ones({5, 6}, kBool)}), Error);
}

TEST(Attention, ScaledDotProductAttentionSemantics) {
  Tensor q = randn({2, 3, 4, 8}), k = randn({2, 3, 5, 8}), v = randn({2, 3, 5, 6});
  // Reference: softmax(q k^T / sqrt(8)) v.
  Tensor ref = matmul(softmax(matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1), v);
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, k, v), ref));
  // Bool masks: true = may attend (torch's SDPA convention); equal to the additive form.
  Tensor allow = ops::ne(from_vector(std::vector<int64_t>{1, 0, 1, 1, 0, 0, 1, 0, 0, 1,  //
                                                          1, 1, 1, 0, 0, 0, 0, 0, 1, 0},
                                     {4, 5}),
                         0);  // no row fully masked
  Tensor additive = ops::masked_fill(zeros({4, 5}), ops::logical_not(allow), -INFINITY);
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, k, v, allow),
                    F::scaled_dot_product_attention(q, k, v, additive)));
  // is_causal: key j > query i masked, top-left aligned.
  Tensor causal = ops::eq(ops::triu(ones({4, 5}), 1), 0);
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, k, v, {}, 0.0, true),
                    F::scaled_dot_product_attention(q, k, v, causal)));
  auto [o, w] = F::scaled_dot_product_attention_with_weights(q, k, v, {}, 0.0, true);
  EXPECT_EQ(ops::sum(w.select(-2, 0).select(-1, 1)).item<double>(), 0.0);
  // Custom scale.
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, k, v, {}, 0.0, false, 1.0),
                    matmul(softmax(matmul(q, k.transpose(-2, -1)), -1), v)));
  // Dropout zeroes some weights and rescales the rest.
  auto [od, wd] = F::scaled_dot_product_attention_with_weights(q, k, v, {}, 0.5);
  EXPECT_GT(ops::sum(ops::eq(wd, 0)).item<int64_t>(), 0);
}

}  // namespace
}  // namespace mica::nn
