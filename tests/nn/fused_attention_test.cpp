// The CPU-visible side of the fused attention: F::scaled_dot_product_attention keeps the
// composed path on the CPU (uses_fused_attention is false there, results unchanged), the raw
// fused ops and mica::fused_attention reject CPU tensors with a mica::Error, and the
// differentiable backward formula used under create_graph matches autograd through the
// composed path (checked here in float64, since the fused forward itself needs a GPU).
#include <gtest/gtest.h>

#include <string>

#include "autograd/engine.h"
#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

namespace F = functional;
using test::close;

TEST(FusedAttention, CpuKeepsTheComposedPath) {
  Generator gen(1);
  Tensor q = randn({2, 3, 5, 8}, {}, &gen).requires_grad_();
  Tensor k = randn({2, 3, 7, 8}, {}, &gen), v = randn({2, 3, 7, 8}, {}, &gen);
  EXPECT_FALSE(F::uses_fused_attention(q, k, v));
  EXPECT_FALSE(F::uses_fused_attention(q.detach().reshape({6, 5, 8}), k.reshape({6, 7, 8}),
                                       v.reshape({6, 7, 8})));
  for (bool causal : {false, true}) {
    Tensor a = F::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
    Tensor b = F::scaled_dot_product_attention_with_weights(q, k, v, {}, 0.0, causal).first;
    EXPECT_TRUE(close(a, b, 0, 0));
    EXPECT_EQ(a.grad_fn_name(), b.grad_fn_name());
  }
}

TEST(FusedAttention, RawOpsRejectCpuTensors) {
  const Tensor q = randn({1, 2, 4, 8}), k = randn({1, 2, 6, 8});
  try {
    ops::attention_forward(q, k, k, false, 1.0);
    FAIL() << "expected a mica::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA only"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::attention_backward(q, q, k, k, q, zeros({1, 2, 4}), false, 1.0), Error);
  EXPECT_THROW(fused_attention(q, k, k, true, 1.0), Error);
  EXPECT_FALSE(ops::fused_attention_supported(q, k, k));
}

// attention_backward_composed (FusedAttentionBackward under create_graph) against autograd of
// softmax(q k^T * scale [causal]) v through the composed path, and it keeps a history.
TEST(FusedAttention, ComposedBackwardFormulaMatchesAutograd) {
  Generator gen(2);
  const TensorOptions f64(kFloat64);
  for (bool causal : {false, true})
    for (auto [T, S] : {std::pair<int64_t, int64_t>{5, 5}, {4, 9}, {9, 4}}) {
      SCOPED_TRACE(std::to_string(T) + "x" + std::to_string(S) + (causal ? " causal" : ""));
      Tensor q = randn({2, 3, T, 8}, f64, &gen).requires_grad_();
      Tensor k = randn({2, 3, S, 8}, f64, &gen).requires_grad_();
      Tensor v = randn({2, 3, S, 8}, f64, &gen).requires_grad_();
      const Tensor g = randn({2, 3, T, 8}, f64, &gen);
      Tensor out = F::scaled_dot_product_attention(q, k, v, {}, 0.0, causal, 0.3);
      auto expected = autograd::grad({out}, {q, k, v}, {g});
      std::vector<Tensor> got;
      {
        AutoGradMode on(true);
        got = mica::detail::attention_backward_composed(g, q, k, v, causal, 0.3);
      }
      ASSERT_EQ(got.size(), 3u);
      for (size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(close(got[i], expected[i], 1e-10, 1e-10)) << i;
        EXPECT_TRUE(got[i].requires_grad()) << i;
      }
    }
}

}  // namespace
}  // namespace mica::nn
