// libtorch (C++) peer of W5 (shared/WORKLOADS.md): DDPM U-Net 32x32x1 on Fashion-MNIST (padded),
// channels (32, 64, 128), 2 res blocks per level, attention at 8x8, batch 64, AdamW lr 1e-3 wd
// 0.01; 3 warm-up + 30 timed steps. Usage: lt_w5_ddpm_unet [--steps N] (default 33)
#include "common.h"

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kBatch = 64, kWarmup = 3, kDefaultSteps = 33, kT = 1000, kTemb = 128, kGroups = 8,
                  kParams = 3939393;

static nn::GroupNorm group_norm(int64_t c) {
  return nn::GroupNorm(nn::GroupNormOptions(kGroups, c).eps(1e-5));
}

static nn::Conv2d conv(int64_t cin, int64_t cout, int64_t k, int64_t stride = 1) {
  return nn::Conv2d(nn::Conv2dOptions(cin, cout, k).stride(stride).padding(k / 2));
}

// Submodules are created in the Python peer's order, so the default init draws the same numbers.
struct ResBlockImpl : nn::Module {
  nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  nn::Linear temb{nullptr};

  ResBlockImpl(int64_t cin, int64_t cout) {
    norm1 = register_module("norm1", group_norm(cin));
    conv1 = register_module("conv1", conv(cin, cout, 3));
    temb = register_module("temb", nn::Linear(kTemb, cout));
    norm2 = register_module("norm2", group_norm(cout));
    conv2 = register_module("conv2", conv(cout, cout, 3));
    if (cin != cout) skip = register_module("skip", conv(cin, cout, 1));
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_act) {
    auto h = conv1(F::silu(norm1(x)));
    h = h + temb(temb_act).unsqueeze(-1).unsqueeze(-1);
    h = conv2(F::silu(norm2(h)));
    return (skip ? skip(x) : x) + h;
  }
};
TORCH_MODULE(ResBlock);

struct AttnImpl : nn::Module {
  nn::GroupNorm norm{nullptr};
  nn::Conv2d qkv{nullptr}, proj{nullptr};

  explicit AttnImpl(int64_t c) {
    norm = register_module("norm", group_norm(c));
    qkv = register_module("qkv", conv(c, 3 * c, 1));
    proj = register_module("proj", conv(c, c, 1));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t b = x.size(0), c = x.size(1), hh = x.size(2), ww = x.size(3);
    auto qkv_ = qkv(norm(x)).reshape({b, 3 * c, hh * ww}).chunk(3, 1);  // [B, c, N] each
    auto a = torch::softmax(
        torch::bmm(qkv_[0].transpose(1, 2), qkv_[1]) / std::sqrt(static_cast<double>(c)), -1);
    auto o = torch::bmm(qkv_[2], a.transpose(1, 2)).reshape({b, c, hh, ww});
    return x + proj(o);
  }
};
TORCH_MODULE(Attn);

// One entry of a stage: a ResBlock, an Attn or (Down / Up) a plain conv.
struct Item {
  ResBlock rb{nullptr};
  Attn attn{nullptr};
  nn::Conv2d conv{nullptr};
};

struct UNetImpl : nn::Module {
  nn::Linear temb1{nullptr}, temb2{nullptr};
  nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  nn::GroupNorm norm_out{nullptr};
  std::vector<std::vector<Item>> down, up;  // each down stage pushes; each up stage pops one
  std::vector<Item> mid;                    // (an up stage that is a lone conv is an Up)
  int n_items = 0;

  Item rb(int64_t cin, int64_t cout) {
    Item it;
    it.rb = register_module("m" + std::to_string(n_items++), ResBlock(cin, cout));
    return it;
  }
  Item attn(int64_t c) {
    Item it;
    it.attn = register_module("m" + std::to_string(n_items++), Attn(c));
    return it;
  }
  Item cv(int64_t c, int64_t stride) {
    Item it;
    it.conv = register_module("m" + std::to_string(n_items++), conv(c, c, 3, stride));
    return it;
  }

  UNetImpl() {
    temb1 = register_module("temb1", nn::Linear(32, kTemb));
    temb2 = register_module("temb2", nn::Linear(kTemb, kTemb));
    conv_in = register_module("conv_in", conv(1, 32, 3));
    // Braced lists would not fix the evaluation order; push_back does (creation order = RNG).
    auto stage = [](std::vector<std::vector<Item>>& v, std::vector<Item> s) { v.push_back(s); };
    stage(down, {rb(32, 32)});
    stage(down, {rb(32, 32)});
    stage(down, {cv(32, 2)});
    stage(down, {rb(32, 64)});
    stage(down, {rb(64, 64)});
    stage(down, {cv(64, 2)});
    {
      Item r = rb(64, 128);
      Item a = attn(128);
      stage(down, {r, a});
    }
    {
      Item r = rb(128, 128);
      Item a = attn(128);
      stage(down, {r, a});
    }
    mid.push_back(rb(128, 128));
    mid.push_back(attn(128));
    mid.push_back(rb(128, 128));
    {
      Item r = rb(256, 128);
      Item a = attn(128);
      stage(up, {r, a});
    }
    {
      Item r = rb(256, 128);
      Item a = attn(128);
      stage(up, {r, a});
    }
    {
      Item r = rb(192, 128);
      Item a = attn(128);
      stage(up, {r, a});
    }
    stage(up, {cv(128, 1)});
    stage(up, {rb(192, 64)});
    stage(up, {rb(128, 64)});
    stage(up, {rb(96, 64)});
    stage(up, {cv(64, 1)});
    stage(up, {rb(96, 32)});
    stage(up, {rb(64, 32)});
    stage(up, {rb(64, 32)});
    norm_out = register_module("norm_out", group_norm(32));
    conv_out = register_module("conv_out", conv(32, 1, 3));
  }

  static torch::Tensor run(Item& m, const torch::Tensor& h, const torch::Tensor& temb) {
    if (m.rb) return m.rb(h, temb);
    if (m.attn) return m.attn(h);
    return m.conv(h);
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) {
    const int64_t half = 16;
    auto freq = torch::exp(-std::log(10000.0) * torch::arange(half, torch::kFloat32) / (half - 1));
    auto arg = t.to(torch::kFloat32).unsqueeze(1) * freq.unsqueeze(0);
    auto emb = torch::cat({torch::sin(arg), torch::cos(arg)}, 1);  // [B, 32]
    auto temb = F::silu(temb2(F::silu(temb1(emb))));  // SiLU(temb), as every ResBlock uses it
    auto h = conv_in(x);
    std::vector<torch::Tensor> hs = {h};
    for (auto& st : down) {
      for (auto& m : st) h = run(m, h, temb);
      hs.push_back(h);
    }
    for (auto& m : mid) h = run(m, h, temb);
    for (auto& st : up) {
      if (st.size() == 1 && st[0].conv) {  // Up: nearest x2, then Conv3x3
        h = st[0].conv(F::interpolate(h, F::InterpolateFuncOptions()
                                             .scale_factor(std::vector<double>{2.0, 2.0})
                                             .mode(torch::kNearest)));
        continue;
      }
      h = torch::cat({h, hs.back()}, 1);
      hs.pop_back();
      for (auto& m : st) h = run(m, h, temb);
    }
    ltpeer::check(hs.empty(), "U-Net skips unbalanced");
    return conv_out(F::silu(norm_out(h)));
  }
};
TORCH_MODULE(UNet);

int main(int argc, char** argv) {
  const int64_t steps = ltpeer::int_arg(argc, argv, "--steps", kDefaultSteps);
  ltpeer::check(steps > kWarmup, "--steps must be > 3");
  ltpeer::setup();
  auto train = ltpeer::fashion_images("train", 1.0 / 127.5, -1.0);
  train = F::pad(train, F::PadFuncOptions({2, 2, 2, 2}).value(-1.0));  // [60000, 1, 32, 32]
  const auto perm = ltpeer::perm_tensor(train.size(0));
  // betas = linspace(1e-4, 0.02, 1000) in float64 as numpy computes it, abar = cumprod(1 - b).
  std::vector<float> sqrt_ab_v(kT), sqrt_1m_ab_v(kT);
  const double step = (0.02 - 1e-4) / static_cast<double>(kT - 1);
  double abar = 1.0;
  for (int64_t i = 0; i < kT; ++i) {
    const double beta = i == kT - 1 ? 0.02 : static_cast<double>(i) * step + 1e-4;
    abar *= 1.0 - beta;
    sqrt_ab_v[static_cast<size_t>(i)] = static_cast<float>(std::sqrt(abar));
    sqrt_1m_ab_v[static_cast<size_t>(i)] = static_cast<float>(std::sqrt(1.0 - abar));
  }
  const auto sqrt_ab = torch::tensor(sqrt_ab_v), sqrt_1m_ab = torch::tensor(sqrt_1m_ab_v);

  UNet model;
  const int64_t n_params = ltpeer::num_params(*model);
  ltpeer::check(n_params == kParams, "W5 parameter count " + std::to_string(n_params));
  torch::optim::AdamW opt(
      model->parameters(),
      torch::optim::AdamWOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01));
  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    auto x0 = ltpeer::batch_of(train, perm, s, kBatch);
    auto t = torch::empty({kBatch}, torch::kInt64);
    for (int64_t b = 0; b < kBatch; ++b)
      t.data_ptr<int64_t>()[b] = static_cast<int64_t>(
          ltpeer::sample_hash(ltpeer::kSeed, 5, static_cast<uint64_t>(s * kBatch + b)) %
          static_cast<uint64_t>(kT));
    auto eps = torch::randn({kBatch, 1, 32, 32});
    const double t0 = ltpeer::now_ms();
    opt.zero_grad();
    auto xt = sqrt_ab.index({t}).view({kBatch, 1, 1, 1}) * x0 +
              sqrt_1m_ab.index({t}).view({kBatch, 1, 1, 1}) * eps;
    auto loss = F::mse_loss(model->forward(xt, t), eps);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = ltpeer::now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }
  ltpeer::emit("w5", steps, times,
               {{"params", n_params}, {"loss_step0", loss0}, {"loss_last", loss_last}});
  return 0;
}
