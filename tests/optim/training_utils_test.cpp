// Gradient clipping against torch 1.13 (tests/fixtures/optim/clip.json), EMA, GradScaler,
// GradientAccumulator and MasterWeights.
#include <cmath>
#include <limits>

#include "optim_test_util.h"

namespace mica::optim {
namespace {

using nlohmann::json;
using test::expect_close;
using test::expect_error;

std::vector<Tensor> params_with_grads(const json& fx) {
  std::vector<Tensor> ps;
  for (size_t i = 0; i < fx["grads"].size(); ++i) {
    const Shape shape = test::shape_of(fx["shapes"][i]);
    Tensor p = zeros(shape).requires_grad_();
    p.set_grad(test::from_json(fx["grads"][i], shape));
    ps.push_back(p);
  }
  return ps;
}

TEST(ClipGrad, NormMatchesTorch) {
  const json fx = test::load_fixture("clip.json");
  ASSERT_EQ(fx["norm_cases"].size(), 5u);
  for (const json& c : fx["norm_cases"]) {
    std::vector<Tensor> ps = params_with_grads(fx);
    ps.push_back(zeros({2}).requires_grad_());  // no gradient: ignored
    const double norm_type = c["norm_type"].is_string() ? INFINITY : c["norm_type"].get<double>();
    SCOPED_TRACE(norm_type);
    const double total = clip_grad_norm_(ps, c["max_norm"].get<double>(), norm_type);
    EXPECT_NEAR(total, c["total_norm"].get<double>(), 1e-6 * c["total_norm"].get<double>());
    for (size_t i = 0; i < c["clipped"].size(); ++i)
      expect_close(ps[i].grad(), c["clipped"][i].get<std::vector<double>>(), 1e-6, 1e-7, "grad");
    EXPECT_FALSE(ps.back().grad().defined());
  }
}

TEST(ClipGrad, ValueMatchesTorchAndErrors) {
  const json fx = test::load_fixture("clip.json");
  std::vector<Tensor> ps = params_with_grads(fx);
  clip_grad_value_(ps, fx["value"].get<double>());
  for (size_t i = 0; i < ps.size(); ++i)
    expect_close(ps[i].grad(), fx["value_clipped"][i].get<std::vector<double>>(), 0, 0, "value");
  EXPECT_EQ(clip_grad_norm_({zeros({3}).requires_grad_()}, 1.0), 0.0);
  Tensor p = zeros({2}).requires_grad_();
  p.set_grad(from_vector(std::vector<float>{1.f, INFINITY}));
  expect_error([&] { clip_grad_norm_({p}, 1.0, 2.0, true); }, {"clip_grad_norm_", "non-finite"});
  EXPECT_TRUE(std::isinf(clip_grad_norm_({p}, 1.0)));
}

TEST(ClipGrad, AllFinite) {
  EXPECT_TRUE(all_finite(from_vector(std::vector<float>{1.f, -3e38f, 0.f})));
  EXPECT_FALSE(all_finite(from_vector(std::vector<float>{1.f, NAN})));
  EXPECT_FALSE(all_finite(from_vector(std::vector<double>{-INFINITY, 0.0})));
  EXPECT_FALSE(all_finite(from_vector(std::vector<float>{1.f, INFINITY}).to(kBFloat16)));
  EXPECT_TRUE(all_finite(full({3}, 60000.0, kFloat16)));
}

TEST(EMA, AveragesWithAndWithoutWarmup) {
  Tensor p = from_vector(std::vector<double>{1.0, 2.0}).requires_grad_();
  EMA ema({p}, {.decay = 0.9});
  {
    NoGradGuard ng;
    ops::add_(p, 1.0);  // p = [2, 3]
  }
  ema.update();  // 0.9 * [1, 2] + 0.1 * [2, 3]
  expect_close(ema.shadow()[0], {1.1, 2.1}, 1e-15, 0, "decay");
  EMA warm({p}, {.decay = 0.99, .warmup = true});
  EXPECT_DOUBLE_EQ(warm.current_decay(), 0.1);  // (1 + 0) / (10 + 0)
  EXPECT_DOUBLE_EQ(warm.decay_at(5), 6.0 / 15.0);
  EXPECT_DOUBLE_EQ(warm.decay_at(100000), 0.99);
  {
    NoGradGuard ng;
    ops::mul_(p, 0.0);
  }
  warm.update();  // 0.1 * [2, 3] + 0.9 * 0
  expect_close(warm.shadow()[0], {0.2, 0.3}, 1e-15, 0, "warmup");
  EXPECT_EQ(warm.num_updates(), 1);
}

TEST(EMA, StoreCopyRestoreAndStateDict) {
  Tensor p = from_vector(std::vector<float>{1.f, 2.f, 3.f}).to(kBFloat16).requires_grad_();
  Tensor counter = scalar_tensor(7, kInt64);
  EMA ema({p, counter}, {.decay = 0.5});
  EXPECT_EQ(ema.shadow()[0].dtype(), kFloat32);
  {
    NoGradGuard ng;
    p.fill_(3.0);
    counter.fill_(8);
  }
  ema.update();
  expect_close(ema.shadow()[0], {2, 2.5, 3}, 0, 0, "bf16 shadow");
  EXPECT_EQ(ema.shadow()[1].item<int64_t>(), 8);  // copied, not averaged
  ema.store();
  ema.copy_to();
  expect_close(p, {2, 2.5, 3}, 0, 0, "copy_to");
  ema.restore();
  expect_close(p, {3, 3, 3}, 0, 0, "restore");
  expect_error([&] { ema.restore(); }, {"store() was not called"});

  nn::StateDict sd = ema.state_dict();
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"shadow.0", "shadow.1", "num_updates"}));
  EMA other({p, counter}, {.decay = 0.5});
  other.load_state_dict(sd);
  EXPECT_EQ(other.num_updates(), 1);
  EXPECT_TRUE(test::bit_equal(other.shadow()[0], ema.shadow()[0]));
  sd.set("shadow.0", zeros({4}));
  expect_error([&] { other.load_state_dict(sd); }, {"shadow.0", "[4]", "[3]"});
}

TEST(GradScaler, SkipsOverflowBacksOffAndGrows) {
  Tensor p = ones({2}).requires_grad_();
  SGD opt({p}, {.lr = 1.0});
  GradScaler scaler({.init_scale = 8.0, .growth_interval = 2});
  Tensor loss = scaler.scale(sum(mul(p, 3.0)));
  EXPECT_DOUBLE_EQ(loss.item<double>(), 48.0);
  loss.backward();                // grad 24 = 3 * 8
  EXPECT_TRUE(scaler.step(opt));  // unscales to 3, steps
  expect_close(p, {-2, -2}, 0, 0, "stepped");
  scaler.update();
  EXPECT_EQ(scaler.growth_tracker(), 1);
  EXPECT_EQ(scaler.get_scale(), 8.0);

  opt.zero_grad();
  p.set_grad(from_vector(std::vector<float>{INFINITY, 1.f}));
  scaler.unscale_(opt);
  expect_error([&] { scaler.unscale_(opt); }, {"already called"});
  EXPECT_FALSE(scaler.step(opt));  // skipped
  expect_close(p, {-2, -2}, 0, 0, "skipped");
  expect_error([&] { scaler.step(opt); }, {"step", "already called"});
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 4.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);

  for (int i = 0; i < 2; ++i) {
    p.set_grad(ones({2}));
    EXPECT_TRUE(scaler.step(opt));
    scaler.update();
  }
  EXPECT_EQ(scaler.get_scale(), 8.0);  // grew after growth_interval clean steps
  GradScaler restored;
  restored.load_state_dict(scaler.state_dict());
  EXPECT_EQ(restored.get_scale(), 8.0);
  EXPECT_EQ(restored.growth_tracker(), 0);
  GradScaler off({.enabled = false});
  EXPECT_EQ(off.get_scale(), 1.0);
}

TEST(GradientAccumulator, MicroBatchesGiveTheFullBatchGradient) {
  manual_seed(3);
  Tensor x = randn({8, 3}), y = randn({8, 1});
  Tensor w_full = randn({1, 3}).requires_grad_();
  Tensor w_acc = w_full.detach().clone().requires_grad_();
  mse_loss(linear(x, w_full), y).backward();

  GradientAccumulator acc(4);
  std::vector<bool> when;
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(acc.is_last_micro_step(), i == 3);
    Tensor xb = x.narrow(0, 2 * i, 2), yb = y.narrow(0, 2 * i, 2);
    acc.scale(mse_loss(linear(xb, w_acc), yb)).backward();
    when.push_back(acc.step());
  }
  EXPECT_EQ(when, (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(acc.optimizer_steps(), 1);
  Tensor diff = ops::abs(ops::sub(w_acc.grad(), w_full.grad()));
  EXPECT_LT(ops::amax(diff).item<double>(), 1e-6);
  acc.set_total_micro_steps(6);
  EXPECT_EQ(acc.micro_step(), 2);
  expect_error([] { GradientAccumulator(0); }, {"steps must be >= 1"});
}

TEST(MasterWeights, AccumulatesUpdatesBelowBf16Resolution) {
  // 1 + 1e-3 rounds back to 1 in bfloat16 (8 mantissa bits); the float32 master keeps the
  // small updates and the model sees their sum once it is representable.
  Tensor p = ones({4}, kBFloat16).requires_grad_();
  MasterWeights mw({p});
  ASSERT_EQ(mw.master_params()[0].dtype(), kFloat32);
  SGD opt(mw.master_params(), {.lr = 1e-3});
  for (int i = 0; i < 20; ++i) {
    p.set_grad(full({4}, -1.0, kBFloat16));
    mw.step(opt);
    mw.zero_grad();
  }
  expect_close(mw.master_params()[0], {1.02, 1.02, 1.02, 1.02}, 1e-6, 0, "master");
  // The model holds the master rounded to bfloat16 (1.02 -> 1.0234375 = 1 + 3/128).
  expect_close(p, {1.0234375, 1.0234375, 1.0234375, 1.0234375}, 0, 0, "model");
  EXPECT_FALSE(p.grad().defined());
  Tensor f = ones({2}).requires_grad_();
  MasterWeights same({f});
  EXPECT_TRUE(same.master_params()[0].is_same(f));  // float32: its own master
}

}  // namespace
}  // namespace mica::optim
