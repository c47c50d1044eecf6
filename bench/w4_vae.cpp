// Workload W4 (shared/WORKLOADS.md): convolutional VAE on Fashion-MNIST, Adam lr 1e-3, batch 128,
// one epoch of 468 steps from the hash epoch permutation; median ms/step over steps 5.. and the
// test loss (z = mu) after a full epoch. Built from parameter tensors and mica's functional ops
// with PyTorch's default init. Prints one JSON line (bench/run_workloads.py reads it).
//
// Usage: w4_vae [--steps N] (default 468; fewer steps skip the test loss)
#include "bench/workload_util.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kBatch = 128;
constexpr int64_t kEpochSteps = 468;
constexpr int64_t kWarmup = 5;
constexpr int64_t kLatent = 16;

// Conv2d weight [out, in, k, k] and bias: U(+-1/sqrt(in*k*k)).
std::pair<Tensor, Tensor> conv_params(int64_t in, int64_t out, int64_t k) {
  const double b = 1.0 / std::sqrt(static_cast<double>(in * k * k));
  Tensor w = uniform_param({out, in, k, k}, b);
  return {w, uniform_param({out}, b)};
}
// ConvTranspose2d weight [in, out, k, k] and bias: U(+-1/sqrt(out*k*k)) (torch's fan_in).
std::pair<Tensor, Tensor> conv_t_params(int64_t in, int64_t out, int64_t k) {
  const double b = 1.0 / std::sqrt(static_cast<double>(out * k * k));
  Tensor w = uniform_param({in, out, k, k}, b);
  return {w, uniform_param({out}, b)};
}
// Linear weight [out, in] and bias: U(+-1/sqrt(in)).
std::pair<Tensor, Tensor> linear_params(int64_t in, int64_t out) {
  const double b = 1.0 / std::sqrt(static_cast<double>(in));
  Tensor w = uniform_param({out, in}, b);
  return {w, uniform_param({out}, b)};
}

struct Vae {
  // Created in torch's module order (enc1, enc2, mu, logvar, dec_fc, dec1, dec2).
  std::pair<Tensor, Tensor> enc1 = conv_params(1, 32, 4), enc2 = conv_params(32, 64, 4);
  std::pair<Tensor, Tensor> mu = linear_params(3136, kLatent),
                            logvar = linear_params(3136, kLatent);
  std::pair<Tensor, Tensor> dec_fc = linear_params(kLatent, 3136);
  std::pair<Tensor, Tensor> dec1 = conv_t_params(64, 32, 4), dec2 = conv_t_params(32, 1, 4);

  std::vector<Tensor> params() const {
    std::vector<Tensor> ps;
    for (const auto* p : {&enc1, &enc2, &mu, &logvar, &dec_fc, &dec1, &dec2}) {
      ps.push_back(p->first);
      ps.push_back(p->second);
    }
    return ps;
  }

  // x: [B, 1, 28, 28] -> (mu, logvar) each [B, 16]
  std::pair<Tensor, Tensor> encode(const Tensor& x) const {
    Tensor h = relu(conv2d(x, enc1.first, enc1.second, {2}, {1}));  // [B, 32, 14, 14]
    h = relu(conv2d(h, enc2.first, enc2.second, {2}, {1}));         // [B, 64, 7, 7]
    h = h.flatten(1);                                               // [B, 3136]
    return {linear(h, mu.first, mu.second), linear(h, logvar.first, logvar.second)};
  }
  // z: [B, 16] -> logits [B, 1, 28, 28]
  Tensor decode(const Tensor& z) const {
    Tensor h = relu(linear(z, dec_fc.first, dec_fc.second)).reshape({z.size(0), 64, 7, 7});
    h = relu(conv_transpose2d(h, dec1.first, dec1.second, {2}, {1}));  // [B, 32, 14, 14]
    return conv_transpose2d(h, dec2.first, dec2.second, {2}, {1});     // [B, 1, 28, 28]
  }
};

// [sum BCE-with-logits(logits, x) + KL] / B, KL = -0.5 sum(1 + logvar - mu^2 - exp(logvar)).
Tensor vae_loss(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar) {
  const Tensor bce = binary_cross_entropy_with_logits(logits, x, ops::Reduction::Sum);
  const Tensor kl = mul(sum(add(sub(add(logvar, 1.0), mul(mu, mu)), neg(exp(logvar)))), -0.5);
  return div(add(bce, kl), static_cast<double>(x.size(0)));
}

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv);
  const int64_t steps = args.get_int("--steps", kEpochSteps);
  MICA_CHECK(steps > kWarmup && steps <= kEpochSteps, "w4_vae: --steps must be in (", kWarmup, ", ",
             kEpochSteps, "]");
  setup();
  const Tensor train = fashion_images("train", 1.0 / 255, 0.0);  // [60000, 1, 28, 28]
  const Tensor perm = perm_tensor(train.size(0));

  Vae model;
  const std::vector<Tensor> params = model.params();
  MICA_CHECK(param_count(params) == 220385, "w4_vae: parameter count ", param_count(params));
  optim::Adam opt(params, {.lr = 1e-3});

  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const Tensor x = batch_of(train, perm, s, kBatch);
    const Tensor eps = randn({kBatch, kLatent});
    const double t0 = now_ms();
    opt.zero_grad();
    auto [mu, logvar] = model.encode(x);
    const Tensor z = add(mu, mul(exp(mul(logvar, 0.5)), eps));
    const Tensor loss = vae_loss(model.decode(z), x, mu, logvar);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }

  double test_loss = NAN;
  if (steps == kEpochSteps) {
    NoGradGuard no_grad;
    const Tensor test = fashion_images("test", 1.0 / 255, 0.0);
    double total = 0;
    for (int64_t i = 0; i < test.size(0); i += 1000) {
      const Tensor x = test.narrow(0, i, 1000);
      auto [mu, logvar] = model.encode(x);
      total += vae_loss(model.decode(mu), x, mu, logvar).item<double>() * 1000;
    }
    test_loss = total / static_cast<double>(test.size(0));
  }

  const Stats st = stats_of(times);
  JsonLine()
      .str("workload", "w4")
      .str("impl", "mica")
      .num("steps", static_cast<double>(steps))
      .num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .num("loss_step0", loss0)
      .num("loss_last", loss_last)
      .num("test_loss", test_loss)
      .num("peak_rss_mb", peak_rss_mb())
      .num("threads", kThreads)
      .print();
  return 0;
}
