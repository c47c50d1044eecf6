// libtorch (C++) peer of W6 (shared/WORKLOADS.md): DCGAN on Fashion-MNIST 28x28, batch 128 from
// the hash permutation, separate Adam optimizers (lr 2e-4, betas 0.5/0.999), the PyTorch DCGAN
// example's step order; median ms per G+D step over steps 5... Usage: lt_w6_dcgan [--steps N]
#include "common.h"

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kBatch = 128, kEpochSteps = 468, kWarmup = 5, kNoise = 64;

// DCGAN init, in module order: conv / convT weights N(0, 0.02); BN weight N(1, 0.02), bias 0.
static void dcgan_init(nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (const auto& m : net.modules(/*include_self=*/false)) {
    if (auto* c = dynamic_cast<nn::Conv2dImpl*>(m.get())) {
      nn::init::normal_(c->weight, 0.0, 0.02);
    } else if (auto* t = dynamic_cast<nn::ConvTranspose2dImpl*>(m.get())) {
      nn::init::normal_(t->weight, 0.0, 0.02);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2dImpl*>(m.get())) {
      nn::init::normal_(bn->weight, 1.0, 0.02);
      nn::init::zeros_(bn->bias);
    }
  }
}

static nn::Sequential generator() {
  return nn::Sequential(
      nn::ConvTranspose2d(
          nn::ConvTranspose2dOptions(kNoise, 128, 7).stride(1).padding(0).bias(false)),
      nn::BatchNorm2d(128), nn::ReLU(),
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).bias(false)),
      nn::BatchNorm2d(64), nn::ReLU(),
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(64, 1, 4).stride(2).padding(1).bias(false)),
      nn::Tanh());
}

static nn::Sequential discriminator() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)),
                        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
                        nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)),
                        nn::BatchNorm2d(128),
                        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
                        nn::Conv2d(nn::Conv2dOptions(128, 1, 7).stride(1).padding(0).bias(false)),
                        nn::Flatten(nn::FlattenOptions().start_dim(0)));
}

int main(int argc, char** argv) {
  const int64_t steps = ltpeer::int_arg(argc, argv, "--steps", 300);
  ltpeer::check(steps > kWarmup, "--steps must be > 5");
  ltpeer::setup();
  const auto train = ltpeer::fashion_images("train", 1.0 / 127.5, -1.0);
  const auto perm = ltpeer::perm_tensor(train.size(0));
  auto g = generator();
  auto d = discriminator();
  dcgan_init(*g);
  dcgan_init(*d);
  ltpeer::check(ltpeer::num_params(*g) == 533888, "W6 G parameter count");
  ltpeer::check(ltpeer::num_params(*d) == 138624, "W6 D parameter count");
  const auto adam = torch::optim::AdamOptions(2e-4).betas({0.5, 0.999});
  torch::optim::Adam opt_g(g->parameters(), adam);
  torch::optim::Adam opt_d(d->parameters(), adam);
  const auto ones = torch::ones({kBatch}), zeros = torch::zeros({kBatch});
  std::vector<double> times;
  double d0 = NAN, g0 = NAN, d_last = NAN, g_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    auto real = ltpeer::batch_of(train, perm, s % kEpochSteps, kBatch);
    auto z = torch::randn({kBatch, kNoise, 1, 1});
    const double t0 = ltpeer::now_ms();
    opt_d.zero_grad();
    auto fake = g->forward(z);
    auto loss_d = F::binary_cross_entropy_with_logits(d->forward(real), ones) +
                  F::binary_cross_entropy_with_logits(d->forward(fake.detach()), zeros);
    loss_d.backward();
    opt_d.step();
    opt_g.zero_grad();
    auto loss_g = F::binary_cross_entropy_with_logits(d->forward(fake), ones);
    loss_g.backward();
    opt_g.step();
    const double ld = loss_d.item<double>(), lg = loss_g.item<double>();
    const double t1 = ltpeer::now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) {
      d0 = ld;
      g0 = lg;
    }
    d_last = ld;
    g_last = lg;
  }
  ltpeer::emit("w6", steps, times,
               {{"loss_d_step0", d0},
                {"loss_g_step0", g0},
                {"loss_d_last", d_last},
                {"loss_g_last", g_last}});
  return 0;
}
