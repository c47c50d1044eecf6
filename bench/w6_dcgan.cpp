// Workload W6 (shared/WORKLOADS.md): DCGAN on Fashion-MNIST 28x28, batch 128 from the hash epoch
// permutation, separate Adam optimizers (lr 2e-4, betas 0.5/0.999), PyTorch DCGAN example step
// order; median ms per G+D step over steps 5... Built from parameter tensors and mica's functional
// ops (BatchNorm always in training mode, DCGAN init). Prints one JSON line.
//
// Usage: w6_dcgan [--steps N] (default 300)
#include "bench/workload_util.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kBatch = 128;
constexpr int64_t kEpochSteps = 468;
constexpr int64_t kWarmup = 5;
constexpr int64_t kNoise = 64;

// BatchNorm2d(c): weight ~ N(1, 0.02), bias 0, running stats (buffers, updated in place).
struct Bn {
  Tensor weight, bias, running_mean, running_var;
  explicit Bn(int64_t c)
      : weight(normal_param({c}, 1.0, 0.02)),
        bias(zeros({c}).requires_grad_(true)),
        running_mean(zeros({c})),
        running_var(ones({c})) {}
  Tensor operator()(const Tensor& x) const {
    return batch_norm(x, running_mean, running_var, weight, bias, /*training=*/true, 0.1, 1e-5);
  }
};

struct GenNet {
  // ConvT weights [in, out, k, k] ~ N(0, 0.02), no biases; created in torch's module order.
  Tensor w1 = normal_param({kNoise, 128, 7, 7}, 0, 0.02);
  Bn bn1{128};
  Tensor w2 = normal_param({128, 64, 4, 4}, 0, 0.02);
  Bn bn2{64};
  Tensor w3 = normal_param({64, 1, 4, 4}, 0, 0.02);

  std::vector<Tensor> params() const {
    return {w1, bn1.weight, bn1.bias, w2, bn2.weight, bn2.bias, w3};
  }
  // z: [B, 64, 1, 1] -> [B, 1, 28, 28]
  Tensor operator()(const Tensor& z) const {
    Tensor h = relu(bn1(conv_transpose2d(z, w1, {}, {1}, {0})));  // [B, 128, 7, 7]
    h = relu(bn2(conv_transpose2d(h, w2, {}, {2}, {1})));         // [B, 64, 14, 14]
    return tanh(conv_transpose2d(h, w3, {}, {2}, {1}));           // [B, 1, 28, 28]
  }
};

struct DiscNet {
  Tensor w1 = normal_param({64, 1, 4, 4}, 0, 0.02);
  Tensor w2 = normal_param({128, 64, 4, 4}, 0, 0.02);
  Bn bn2{128};
  Tensor w3 = normal_param({1, 128, 7, 7}, 0, 0.02);

  std::vector<Tensor> params() const { return {w1, w2, bn2.weight, bn2.bias, w3}; }
  // x: [B, 1, 28, 28] -> logits [B]
  Tensor operator()(const Tensor& x) const {
    Tensor h = leaky_relu(conv2d(x, w1, {}, {2}, {1}), 0.2);  // [B, 64, 14, 14]
    h = leaky_relu(bn2(conv2d(h, w2, {}, {2}, {1})), 0.2);    // [B, 128, 7, 7]
    return conv2d(h, w3, {}, {1}, {0}).reshape({x.size(0)});  // [B]
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv);
  const int64_t steps = args.get_int("--steps", 300);
  MICA_CHECK(steps > kWarmup, "w6_dcgan: --steps must exceed the ", kWarmup, " warm-up steps");
  setup();
  const Tensor train = fashion_images("train", 1.0 / 127.5, -1.0);  // [60000, 1, 28, 28]
  const Tensor perm = perm_tensor(train.size(0));

  GenNet g;
  DiscNet d;
  MICA_CHECK(param_count(g.params()) == 533888 && param_count(d.params()) == 138624,
             "w6_dcgan: parameter counts ", param_count(g.params()), ", ", param_count(d.params()));
  const optim::AdamOptions adam{.lr = 2e-4, .betas = {0.5, 0.999}};
  optim::Adam opt_g(g.params(), adam), opt_d(d.params(), adam);
  const Tensor ones_t = ones({kBatch}), zeros_t = zeros({kBatch});

  std::vector<double> times;
  double d0 = NAN, g0 = NAN, d_last = NAN, g_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const Tensor real = batch_of(train, perm, s % kEpochSteps, kBatch);
    const Tensor z = randn({kBatch, kNoise, 1, 1});
    const double t0 = now_ms();
    opt_d.zero_grad();
    const Tensor fake = g(z);
    const Tensor loss_d = add(binary_cross_entropy_with_logits(d(real), ones_t),
                              binary_cross_entropy_with_logits(d(fake.detach()), zeros_t));
    loss_d.backward();
    opt_d.step();
    opt_g.zero_grad();
    const Tensor loss_g = binary_cross_entropy_with_logits(d(fake), ones_t);
    loss_g.backward();
    opt_g.step();
    const double ld = loss_d.item<double>(), lg = loss_g.item<double>();
    const double t1 = now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) d0 = ld, g0 = lg;
    d_last = ld, g_last = lg;
  }

  const Stats st = stats_of(times);
  JsonLine()
      .str("workload", "w6")
      .str("impl", "mica")
      .num("steps", static_cast<double>(steps))
      .num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .num("loss_d_step0", d0)
      .num("loss_g_step0", g0)
      .num("loss_d_last", d_last)
      .num("loss_g_last", g_last)
      .num("peak_rss_mb", peak_rss_mb())
      .num("threads", kThreads)
      .print();
  return 0;
}
