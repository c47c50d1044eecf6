// Training checkpoints: exact resume (N + M steps straight vs N steps, save, load into fresh
// objects, M steps: bitwise equal parameters), metadata round trip and load errors.
#include <filesystem>

#include "optim_test_util.h"

namespace mica::optim {
namespace {

namespace fs = std::filesystem;
using test::bit_equal;

// A two-layer MLP trained with AdamW + cosine warmup, gradient clipping, EMA and input noise
// from the default generator (so the RNG state matters).
struct Trainer {
  Tensor w1, b1, w2, b2;
  std::unique_ptr<AdamW> opt;
  std::unique_ptr<CosineWithWarmup> sched;
  std::unique_ptr<EMA> ema;
  Tensor x, y;
  int64_t step = 0;

  explicit Trainer(uint64_t init_seed) {
    manual_seed(init_seed);
    w1 = ops::mul(randn({8, 4}), 0.5).requires_grad_();
    b1 = zeros({8}).requires_grad_();
    w2 = ops::mul(randn({1, 8}), 0.5).requires_grad_();
    b2 = zeros({1}).requires_grad_();
    manual_seed(100);  // the same data for every trainer
    x = randn({16, 4});
    y = randn({16, 1});
    // Hyperparameters that differ from the saved ones when init_seed != 1: load restores them.
    const double lr = init_seed == 1 ? 1e-2 : 0.5;
    opt = std::make_unique<AdamW>(params(), AdamWOptions{.lr = lr, .weight_decay = 0.1});
    sched = std::make_unique<CosineWithWarmup>(*opt,
                                               WarmupOptions{.warmup_steps = 2, .total_steps = 9});
    ema = std::make_unique<EMA>(params(), EMAOptions{.decay = 0.9, .warmup = true});
  }
  std::vector<Tensor> params() const { return {w1, b1, w2, b2}; }
  nn::StateDict model() const {
    nn::StateDict sd;
    sd.insert("fc1.weight", w1);
    sd.insert("fc1.bias", b1);
    sd.insert("fc2.weight", w2);
    sd.insert("fc2.bias", b2);
    return sd;
  }
  void train(int steps) {
    for (int i = 0; i < steps; ++i) {
      Tensor noisy = add(x, mul(randn({16, 4}), 0.01));
      Tensor loss = mse_loss(linear(relu(linear(noisy, w1, b1)), w2, b2), y);
      loss.backward();
      clip_grad_norm_(params(), 1.0);
      opt->step();
      sched->step();
      ema->update();
      opt->zero_grad();
      ++step;
    }
  }
};

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mica_ckpt_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& n) const { return (dir_ / n).string(); }
  fs::path dir_;
};

TEST_F(CheckpointTest, ExactResume) {
  constexpr int N = 5, M = 4;
  Trainer straight(1);
  straight.train(N + M);

  Trainer first(1);
  first.train(N);
  Checkpoint out{.model = first.model(),
                 .optimizer = first.opt.get(),
                 .scheduler = first.sched.get(),
                 .step = first.step,
                 .epoch = 2,
                 .rng = default_generator().get_state(),
                 .config = R"({"d_model": 8, "lr": 0.01})",
                 .data_position = loader_position({.epoch = 2, .batches_consumed = 17, .seed = 42}),
                 .extra = first.ema->state_dict()};
  save_checkpoint(file("ckpt.h5"), out);
  manual_seed(999);  // the RNG moves on; the checkpoint must restore it

  Trainer resumed(2);  // different initial weights and lr
  ASSERT_FALSE(bit_equal(resumed.w1, first.w1));
  Checkpoint in{.model = resumed.model(),
                .optimizer = resumed.opt.get(),
                .scheduler = resumed.sched.get(),
                .extra = resumed.ema->state_dict()};
  load_checkpoint(file("ckpt.h5"), in);
  EXPECT_TRUE(bit_equal(resumed.w1, first.w1));  // loaded in place
  EXPECT_EQ(in.step, N);
  EXPECT_EQ(in.epoch, 2);
  EXPECT_EQ(in.config, out.config);
  EXPECT_EQ(loader_state(in.data_position),
            (data::LoaderState{.epoch = 2, .batches_consumed = 17, .seed = 42}));
  ASSERT_TRUE(in.rng.has_value());
  EXPECT_EQ(*in.rng, *out.rng);
  default_generator().set_state(*in.rng);
  resumed.ema->load_state_dict(in.extra);
  resumed.step = in.step;
  EXPECT_EQ(resumed.opt->param_groups()[0].lr, first.opt->param_groups()[0].lr);

  resumed.train(M);
  const std::vector<Tensor> a = straight.params(), b = resumed.params();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bit_equal(a[i], b[i])) << "param " << i;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(bit_equal(straight.ema->shadow()[i], resumed.ema->shadow()[i])) << "ema " << i;
  EXPECT_EQ(straight.sched->get_last_lr(), resumed.sched->get_last_lr());
  // And training actually moved the weights since the checkpoint.
  EXPECT_FALSE(bit_equal(resumed.w1, first.w1));
}

TEST_F(CheckpointTest, FillsEmptyModelAndReportsMismatches) {
  Trainer t(1);
  t.train(2);
  save_checkpoint(file("c.h5"), {.model = t.model(), .optimizer = t.opt.get(), .step = 2});
  Checkpoint plain;
  load_checkpoint(file("c.h5"), plain);
  EXPECT_EQ(plain.model.keys(), t.model().keys());
  EXPECT_TRUE(bit_equal(plain.model.at("fc2.bias"), t.b2));
  EXPECT_FALSE(plain.rng.has_value());
  EXPECT_EQ(plain.step, 2);

  Trainer other(1);
  Checkpoint sched_missing{.model = other.model(), .scheduler = other.sched.get()};
  test::expect_error([&] { load_checkpoint(file("c.h5"), sched_missing); },
                     {"load_checkpoint", "c.h5", "no scheduler state"});
  nn::StateDict wrong = other.model();
  wrong.set("fc1.bias", zeros({9}));
  Checkpoint shape{.model = wrong};
  test::expect_error([&] { load_checkpoint(file("c.h5"), shape); },
                     {"c.h5", "model tensor 'fc1.bias'", "[8]", "[9]"});
  SGD sgd(other.params());
  Checkpoint wrong_opt{.optimizer = &sgd};
  test::expect_error([&] { load_checkpoint(file("c.h5"), wrong_opt); },
                     {"c.h5", "SGD::load_state_dict", "AdamW"});
  nn::save_state_dict(file("plain.h5"), t.model());
  Checkpoint any;
  test::expect_error([&] { load_checkpoint(file("plain.h5"), any); },
                     {"plain.h5", "without checkpoint metadata"});
}

}  // namespace
}  // namespace mica::optim
