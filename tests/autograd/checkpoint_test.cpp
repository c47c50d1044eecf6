// Activation checkpointing: identical gradients (inputs and captured parameters) with a lower
// peak of allocated memory, the same random draws when recomputing, and the refusals.
#include <gtest/gtest.h>

#include "gradcheck_util.h"
#include "mica.h"

namespace mica::autograd {
namespace {

using gradcheck_test::to_doubles;

constexpr int kLayers = 32;
constexpr int64_t kBatch = 512, kWidth = 64;  // activations dominate the weights

struct Mlp {
  std::vector<Tensor> weights;
  Mlp() {
    Generator gen(11);
    for (int i = 0; i < kLayers; ++i) {
      Tensor w = mul(randn({kWidth, kWidth}, {}, &gen), 1.0 / 8);
      w.requires_grad_(true);
      weights.push_back(w);
    }
  }
  // Layers [begin, end): h = tanh(h W^T).
  Tensor run(Tensor h, int begin, int end) const {
    for (int i = begin; i < end; ++i) h = tanh(linear(h, weights[static_cast<size_t>(i)]));
    return h;
  }
  void zero_grad() {
    for (Tensor& w : weights) w.set_grad(Tensor());
  }
};

// Loss and peak bytes allocated during forward + backward; segment > 0 checkpoints each run of
// `segment` layers.
double train_step(Mlp& mlp, const Tensor& x, int segment, int64_t* peak) {
  reset_peak_memory(Device(kCPU));
  const int64_t before = memory_stats(Device(kCPU)).allocated_bytes;
  Tensor h = x;
  if (segment == 0) {
    h = mlp.run(h, 0, kLayers);
  } else {
    for (int b = 0; b < kLayers; b += segment)
      h = checkpoint([&mlp, b, segment](const Tensor& in) { return mlp.run(in, b, b + segment); },
                     h);
  }
  Tensor loss = mean(mul(h, h));
  loss.backward();
  *peak = memory_stats(Device(kCPU)).peak_bytes - before;
  return loss.item<double>();
}

TEST(Checkpoint, SameGradientsWithLowerPeakMemory) {
  Mlp mlp;
  Generator gen(3);
  Tensor x = randn({kBatch, kWidth}, {}, &gen);
  x.requires_grad_(true);

  int64_t peak_plain = 0, peak_ckpt = 0;
  const double loss_plain = train_step(mlp, x, 0, &peak_plain);
  std::vector<std::vector<double>> grads_plain;
  for (const Tensor& w : mlp.weights) grads_plain.push_back(to_doubles(w.grad()));
  const auto x_grad_plain = to_doubles(x.grad());

  mlp.zero_grad();
  x.set_grad(Tensor());
  const double loss_ckpt = train_step(mlp, x, 4, &peak_ckpt);
  EXPECT_EQ(loss_plain, loss_ckpt);
  for (size_t i = 0; i < mlp.weights.size(); ++i)
    EXPECT_EQ(to_doubles(mlp.weights[i].grad()), grads_plain[i]) << "weight " << i;
  EXPECT_EQ(to_doubles(x.grad()), x_grad_plain);

  // Without checkpoints each of the 32 layers keeps one activation (tanh's output, which is also
  // the next linear's saved input); with segments of 4, only the 8 segment inputs plus one
  // recomputed segment (4) are alive at once: 20 activations fewer. Backward temporaries are
  // the same in both, so ask for at least 12.
  const int64_t activation = kBatch * kWidth * static_cast<int64_t>(sizeof(float));
  EXPECT_GT(peak_plain - peak_ckpt, 12 * activation)
      << "plain peak " << peak_plain << " bytes, checkpointed " << peak_ckpt;
}

TEST(Checkpoint, RecomputationDrawsTheSameRandomNumbers) {
  Tensor x = gradcheck_test::leaf({64}, 5);
  auto noisy = [](const Tensor& in) {
    const Tensor mask = rand(in.sizes(), TensorOptions(kFloat64));  // default generator
    return mul(in, mask);
  };
  manual_seed(42);
  Tensor y = checkpoint(noisy, x);
  sum(y).backward();
  // d sum(x * mask) / dx = mask, and the forward's mask is y / x.
  const auto g = to_doubles(x.grad());
  const auto yv = to_doubles(y);
  const auto xv = to_doubles(x);
  for (size_t i = 0; i < g.size(); ++i) EXPECT_DOUBLE_EQ(g[i], yv[i] / xv[i]) << i;
}

TEST(Checkpoint, RestoresTheGeneratorAfterRecomputing) {
  Tensor x = gradcheck_test::leaf({8}, 6);
  manual_seed(7);
  Tensor y = checkpoint(
      [](const Tensor& in) { return mul(in, rand(in.sizes(), TensorOptions(kFloat64))); }, x);
  const GeneratorState after_forward = default_generator().get_state();
  sum(y).backward();
  const GeneratorState after_backward = default_generator().get_state();
  EXPECT_EQ(after_forward.seed, after_backward.seed);
  EXPECT_EQ(after_forward.offset, after_backward.offset);
}

TEST(Checkpoint, RefusesCreateGraphAndSecondBackward) {
  Tensor x = gradcheck_test::leaf({3}, 8);
  Tensor y = checkpoint([](const Tensor& in) { return exp(in); }, x);
  try {
    grad({sum(y)}, {x}, {}, {.create_graph = true});
    ADD_FAILURE() << "create_graph through a checkpoint accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint: create_graph"), std::string::npos);
  }
  Tensor z = checkpoint([](const Tensor& in) { return exp(in); }, x);
  sum(z).backward();
  try {
    sum(z).backward();
    ADD_FAILURE() << "second backward without retain_graph accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CheckpointBackward"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, NotRecordedWhenNoInputRequiresGrad) {
  Tensor x = from_vector<double>({1.0, 2.0}, {2});
  Tensor y = checkpoint([](const Tensor& in) { return exp(in); }, x);
  EXPECT_FALSE(y.requires_grad());
}

}  // namespace
}  // namespace mica::autograd
