// LR schedulers against torch 1.13 (tests/fixtures/optim/schedulers.json): every scheduler's
// lrs step by step on two groups, OneCycleLR's cycled momentum / beta1, and state_dict resume.
#include <memory>

#include "optim_test_util.h"

namespace mica::optim {
namespace {

using nlohmann::json;
using test::expect_error;

struct TwoGroups {
  Tensor a = ones({2}).requires_grad_();
  Tensor b = ones({3}).requires_grad_();
  std::unique_ptr<Optimizer> opt;
  explicit TwoGroups(const std::string& kind) {
    // The fixture's optimizers: groups with lr 0.1 and 0.01.
    if (kind == "SGD")
      opt = std::make_unique<SGD>(
          std::vector<ParamGroupSpec>{{.params = {a}}, {.params = {b}, .lr = 0.01}},
          SGDOptions{.lr = 0.1, .momentum = 0.9});
    else
      opt = std::make_unique<Adam>(
          std::vector<ParamGroupSpec>{{.params = {a}}, {.params = {b}, .lr = 0.01}},
          AdamOptions{.lr = 0.1});
  }
};

int64_t i64(const json& o, const char* k) {
  return o[k].get<int64_t>();
}

std::unique_ptr<LRScheduler> make(const std::string& name, const json& o, Optimizer& opt) {
  if (name == "constant")
    return std::make_unique<ConstantLR>(opt,
                                        ConstantLROptions{.factor = o["factor"].get<double>(),
                                                          .total_iters = i64(o, "total_iters")});
  if (name == "linear" || name == "linear_decay")
    return std::make_unique<LinearLR>(
        opt, LinearLROptions{.start_factor = o["start_factor"].get<double>(),
                             .end_factor = o["end_factor"].get<double>(),
                             .total_iters = i64(o, "total_iters")});
  if (name == "step")
    return std::make_unique<StepLR>(
        opt, StepLROptions{.step_size = i64(o, "step_size"), .gamma = o["gamma"].get<double>()});
  if (name == "multistep")
    return std::make_unique<MultiStepLR>(
        opt, MultiStepLROptions{.milestones = o["milestones"].get<std::vector<int64_t>>(),
                                .gamma = o["gamma"].get<double>()});
  if (name == "lambda_exp")
    return std::make_unique<LambdaLR>(
        opt, [](int64_t e) { return std::pow(0.95, static_cast<double>(e)); });
  WarmupOptions w{.warmup_steps = i64(o, "warmup_steps")};
  if (o.contains("total_steps")) w.total_steps = i64(o, "total_steps");
  if (o.contains("num_cycles")) w.num_cycles = o["num_cycles"].get<double>();
  if (name == "constant_with_warmup") return std::make_unique<ConstantWithWarmup>(opt, w);
  if (name == "linear_with_warmup") return std::make_unique<LinearWithWarmup>(opt, w);
  return std::make_unique<CosineWithWarmup>(opt, w);
}

std::unique_ptr<LRScheduler> make_one_cycle(const json& o, Optimizer& opt) {
  OneCycleLROptions oc{.max_lr = o["max_lr"].get<std::vector<double>>(),
                       .total_steps = i64(o, "total_steps")};
  if (o.contains("pct_start")) oc.pct_start = o["pct_start"].get<double>();
  if (o.contains("anneal_strategy")) oc.anneal_strategy = o["anneal_strategy"].get<std::string>();
  if (o.contains("three_phase")) oc.three_phase = o["three_phase"].get<bool>();
  if (o.contains("cycle_momentum")) oc.cycle_momentum = o["cycle_momentum"].get<bool>();
  if (o.contains("div_factor")) oc.div_factor = o["div_factor"].get<double>();
  if (o.contains("final_div_factor")) oc.final_div_factor = o["final_div_factor"].get<double>();
  return std::make_unique<OneCycleLR>(opt, oc);
}

void expect_near_rel(double actual, double expected, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), 1e-12 * std::abs(expected) + 1e-15)
      << what << ": " << actual << " vs " << expected;
}

TEST(LRScheduler, MatchesTorch) {
  const json fx = test::load_fixture("schedulers.json");
  ASSERT_GE(fx["cases"].size(), 14u);
  for (const json& c : fx["cases"]) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    TwoGroups s(c["optimizer"].get<std::string>());
    const bool one_cycle = name.rfind("onecycle", 0) == 0;
    auto sched =
        one_cycle ? make_one_cycle(c["options"], *s.opt) : make(name, c["options"], *s.opt);
    const json& lrs = c["lr"];
    for (size_t k = 0; k < lrs.size(); ++k) {
      if (k > 0) sched->step();
      for (size_t g = 0; g < 2; ++g) {
        const std::string what = "step " + std::to_string(k) + " group " + std::to_string(g);
        expect_near_rel(sched->get_last_lr()[g], lrs[k][g].get<double>(), what);
        expect_near_rel(s.opt->param_groups()[g].lr, lrs[k][g].get<double>(), what);
        if (c.contains("momentum")) {
          const ParamGroup& pg = s.opt->param_groups()[g];
          const double m = c["optimizer"] == "SGD" ? pg.momentum : pg.betas[0];
          expect_near_rel(m, c["momentum"][k][g].get<double>(), "momentum " + what);
        }
      }
    }
    if (one_cycle)
      expect_error([&] { sched->step(), sched->step(); }, {"OneCycleLR", "total steps"});
  }
}

TEST(LRScheduler, StateDictResumes) {
  TwoGroups a("SGD"), b("SGD");
  CosineWithWarmup full(*a.opt, {.warmup_steps = 3, .total_steps = 20});
  for (int i = 0; i < 11; ++i) full.step();
  CosineWithWarmup part(*b.opt, {.warmup_steps = 3, .total_steps = 20});
  for (int i = 0; i < 6; ++i) part.step();
  const std::string st = part.state_dict();

  TwoGroups c("SGD");
  CosineWithWarmup resumed(*c.opt, {.warmup_steps = 3, .total_steps = 20});
  resumed.load_state_dict(st);
  EXPECT_EQ(resumed.last_epoch(), 6);
  EXPECT_EQ(c.opt->param_groups()[0].lr, b.opt->param_groups()[0].lr);
  for (int i = 0; i < 5; ++i) resumed.step();
  EXPECT_EQ(resumed.get_last_lr(), full.get_last_lr());
  EXPECT_EQ(c.opt->param_groups()[1].lr, a.opt->param_groups()[1].lr);

  StepLR other(*c.opt, {.step_size = 2});
  expect_error([&] { other.load_state_dict(st); }, {"StepLR::load_state_dict", "CosineWithWarmup"});
  expect_error([&] { other.load_state_dict("[1,"); }, {"does not parse"});
}

TEST(LRScheduler, SecondSchedulerKeepsInitialLr) {
  // Like torch: the first scheduler records initial_lr; a later one starts from it.
  TwoGroups s("SGD");
  StepLR first(*s.opt, {.step_size = 1, .gamma = 0.5});
  first.step();
  EXPECT_DOUBLE_EQ(s.opt->param_groups()[0].lr, 0.05);
  LinearLR second(*s.opt, {.start_factor = 0.5, .end_factor = 1.0, .total_iters = 2});
  EXPECT_EQ(second.base_lrs()[0], 0.1);
  EXPECT_DOUBLE_EQ(s.opt->param_groups()[0].lr, 0.05);
}

TEST(LRScheduler, Validation) {
  TwoGroups s("SGD");
  expect_error([&] { StepLR(*s.opt, {.step_size = 0}); }, {"StepLR", "step_size"});
  expect_error(
      [&] {
        OneCycleLR(*s.opt, {.max_lr = {0.1, 0.2, 0.3}, .total_steps = 10});
      },
      {"OneCycleLR", "max_lr"});
  expect_error(
      [&] { OneCycleLR(*s.opt, {.max_lr = {0.1}, .total_steps = 10, .anneal_strategy = "exp"}); },
      {"anneal_strategy"});
  expect_error([&] { CosineWithWarmup(*s.opt, {.warmup_steps = 2}); }, {"total_steps"});
  expect_error([&] { LinearLR(*s.opt, {.start_factor = 0}); }, {"start_factor"});
}

}  // namespace
}  // namespace mica::optim
