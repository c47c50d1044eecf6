// libtorch (C++) peer of W4 (shared/WORKLOADS.md): convolutional VAE on Fashion-MNIST, Adam lr
// 1e-3, batch 128, one epoch (468 steps) from the hash permutation; median ms/step over steps
// 5.. and the test loss (z = mu) after a full epoch. Usage: lt_w4_vae [--steps N]
#include "common.h"

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kBatch = 128, kEpochSteps = 468, kWarmup = 5, kLatent = 16;

// Modules are created in the Python peer's order, so the default init draws the same numbers.
struct VaeImpl : nn::Module {
  nn::Conv2d enc1{nn::Conv2dOptions(1, 32, 4).stride(2).padding(1)};
  nn::Conv2d enc2{nn::Conv2dOptions(32, 64, 4).stride(2).padding(1)};
  nn::Linear mu{3136, kLatent};
  nn::Linear logvar{3136, kLatent};
  nn::Linear dec_fc{kLatent, 3136};
  nn::ConvTranspose2d dec1{nn::ConvTranspose2dOptions(64, 32, 4).stride(2).padding(1)};
  nn::ConvTranspose2d dec2{nn::ConvTranspose2dOptions(32, 1, 4).stride(2).padding(1)};

  VaeImpl() {
    register_module("enc1", enc1);
    register_module("enc2", enc2);
    register_module("mu", mu);
    register_module("logvar", logvar);
    register_module("dec_fc", dec_fc);
    register_module("dec1", dec1);
    register_module("dec2", dec2);
  }

  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) {
    auto h = torch::relu(enc2(torch::relu(enc1(x)))).flatten(1);
    return {mu(h), logvar(h)};
  }

  torch::Tensor decode(const torch::Tensor& z) {
    auto h = torch::relu(dec_fc(z)).reshape({z.size(0), 64, 7, 7});
    return dec2(torch::relu(dec1(h)));
  }
};
TORCH_MODULE(Vae);

static torch::Tensor vae_loss(const torch::Tensor& logits, const torch::Tensor& x,
                              const torch::Tensor& mu, const torch::Tensor& logvar) {
  auto bce = F::binary_cross_entropy_with_logits(
      logits, x, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
  auto kl = -0.5 * torch::sum(1 + logvar - mu * mu - logvar.exp());
  return (bce + kl) / x.size(0);
}

int main(int argc, char** argv) {
  const int64_t steps = ltpeer::int_arg(argc, argv, "--steps", kEpochSteps);
  ltpeer::check(kWarmup < steps && steps <= kEpochSteps, "--steps must be in 6..468");
  ltpeer::setup();
  const auto train = ltpeer::fashion_images("train", 1.0 / 255, 0.0);
  const auto perm = ltpeer::perm_tensor(train.size(0));
  Vae model;
  ltpeer::check(ltpeer::num_params(*model) == 220385, "W4 parameter count");
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    auto x = ltpeer::batch_of(train, perm, s, kBatch);
    auto eps = torch::randn({kBatch, kLatent});
    const double t0 = ltpeer::now_ms();
    opt.zero_grad();
    auto [mu, logvar] = model->encode(x);
    auto z = mu + torch::exp(0.5 * logvar) * eps;
    auto loss = vae_loss(model->decode(z), x, mu, logvar);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = ltpeer::now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }
  double test_loss = NAN;
  if (steps == kEpochSteps) {
    torch::NoGradGuard no_grad;
    const auto test = ltpeer::fashion_images("t10k", 1.0 / 255, 0.0);
    double total = 0.0;
    for (int64_t i = 0; i < test.size(0); i += 1000) {
      auto x = test.slice(0, i, i + 1000);
      auto [mu, logvar] = model->encode(x);
      total += vae_loss(model->decode(mu), x, mu, logvar).item<double>() * 1000;
    }
    test_loss = total / static_cast<double>(test.size(0));
  }
  ltpeer::emit("w4", steps, times,
               {{"loss_step0", loss0}, {"loss_last", loss_last}, {"test_loss", test_loss}});
  return 0;
}
