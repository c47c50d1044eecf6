// Autocast on the CPU (the same rules apply to CUDA): GEMM-like ops run in the 16-bit dtype,
// softmax / norms / losses / sum in float32, fp32 leaves get fp32 gradients close to a float32
// run, the guard nests and restores, and backward is not autocast.
#include <gtest/gtest.h>

#include "mica.h"
#include "test_util.h"

namespace mica::test {
namespace {

TEST(Autocast, GemmLikeOpsLowerAndFp32OpsRaise) {
  std::mt19937_64 rng(7);
  const Tensor x = rand_tensor({4, 8}, kFloat32, rng);
  const Tensor w = rand_tensor({6, 8}, kFloat32, rng);
  const Tensor b = rand_tensor({6}, kFloat32, rng);
  AutocastGuard amp(kBFloat16, kCPU);
  const Tensor y = linear(x, w, b);
  EXPECT_EQ(y.dtype(), kBFloat16);
  EXPECT_EQ(matmul(x, w.t()).dtype(), kBFloat16);
  EXPECT_EQ(softmax(y, -1).dtype(), kFloat32);
  EXPECT_EQ(layer_norm(y, {6}).dtype(), kFloat32);
  EXPECT_EQ(sum(y).dtype(), kFloat32);
  const Tensor target = from_values({4}, {0, 1, 2, 3}, kInt64);
  EXPECT_EQ(cross_entropy(y, target).dtype(), kFloat32);
  // float64 is never lowered; pointwise ops keep their inputs' dtype
  EXPECT_EQ(matmul(x.to(kFloat64), w.t().to(kFloat64)).dtype(), kFloat64);
  EXPECT_EQ((y * 2).dtype(), kBFloat16);
}

TEST(Autocast, OnlyTheGuardedDeviceTypeIsAffected) {
  std::mt19937_64 rng(8);
  const Tensor a = rand_tensor({3, 3}, kFloat32, rng);
  AutocastGuard amp(kFloat16, kCUDA);  // a CPU tensor is not autocast
  EXPECT_EQ(matmul(a, a).dtype(), kFloat32);
  EXPECT_EQ(autocast_dtype(kCUDA), kFloat16);
  EXPECT_FALSE(autocast_dtype(kCPU).has_value());
}

TEST(Autocast, GuardsNestAndRestore) {
  EXPECT_FALSE(autocast_dtype(kCPU).has_value());
  {
    AutocastGuard outer(kBFloat16, kCPU);
    {
      AutocastGuard inner(kFloat16, kCPU);
      EXPECT_EQ(autocast_dtype(kCPU), kFloat16);
      {
        const AutocastGuard off = AutocastGuard::disabled();
        EXPECT_FALSE(autocast_dtype(kCPU).has_value());
      }
      EXPECT_EQ(autocast_dtype(kCPU), kFloat16);
    }
    EXPECT_EQ(autocast_dtype(kCPU), kBFloat16);
  }
  EXPECT_FALSE(autocast_dtype(kCPU).has_value());
  EXPECT_MICA_ERROR(AutocastGuard(kFloat32, kCPU), "AutocastGuard", "float32");
}

// A two-layer MLP with a cross-entropy loss: under bf16 autocast the fp32 weights get fp32
// gradients within bf16 accuracy of the float32 run's gradients.
TEST(Autocast, GradientsFlowToFp32LeavesAndMatchFp32WithinBf16Accuracy) {
  std::mt19937_64 rng(9);
  const Tensor x = rand_tensor({16, 32}, kFloat32, rng);
  const Tensor w1_init = rand_tensor({64, 32}, kFloat32, rng, -0.2, 0.2);
  const Tensor w2_init = rand_tensor({10, 64}, kFloat32, rng, -0.2, 0.2);
  std::vector<double> t;
  for (int i = 0; i < 16; ++i) t.push_back(i % 10);
  const Tensor target = from_values({16}, t, kInt64);

  auto grads = [&](bool amp_on) {
    Tensor w1 = w1_init.clone().requires_grad_(true);
    Tensor w2 = w2_init.clone().requires_grad_(true);
    Tensor loss;
    {
      std::optional<AutocastGuard> amp;
      if (amp_on) amp.emplace(kBFloat16, kCPU);
      const Tensor h = gelu(linear(x, w1));
      loss = cross_entropy(linear(h, w2), target);
      EXPECT_EQ(loss.dtype(), kFloat32);
    }
    loss.backward();
    return std::vector<Tensor>{w1.grad(), w2.grad(), loss.detach()};
  };
  const auto fp32 = grads(false);
  const auto bf16 = grads(true);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(bf16[k].dtype(), kFloat32);
    EXPECT_TRUE(all_close(bf16[k], fp32[k], {2e-3, 5e-2})) << "weight " << k;
  }
  EXPECT_TRUE(all_close(bf16[2], fp32[2], {1e-2, 1e-2}));
}

TEST(Autocast, BackwardInsideTheRegionRunsInTheSavedDtypes) {
  std::mt19937_64 rng(10);
  Tensor w = rand_tensor({5, 5}, kFloat32, rng).requires_grad_(true);
  const Tensor x = rand_tensor({3, 5}, kFloat32, rng);
  AutocastGuard amp(kBFloat16, kCPU);
  sum(matmul(x, w)).backward();
  EXPECT_EQ(w.grad().dtype(), kFloat32);
}

}  // namespace
}  // namespace mica::test
