// Optimizers against PyTorch 1.13 (tests/fixtures/optim/optimizers.json from
// scripts/gen_optim_fixtures.py): SGD, Adam, AdamW in every configuration, through the fused
// float32 kernel, the generic raw-op path (non-contiguous, float64) and param groups; plus
// zero_grad, validation and state_dict round trips.
#include <memory>

#include "optim_test_util.h"

namespace mica::optim {
namespace {

using nlohmann::json;
using test::expect_close;
using test::expect_error;

std::array<double, 2> betas_of(const json& o, std::array<double, 2> d) {
  if (!o.contains("betas")) return d;
  return {o["betas"][0].get<double>(), o["betas"][1].get<double>()};
}

std::unique_ptr<Optimizer> make(const std::string& type, const json& o,
                                const std::vector<Tensor>& params, const json& groups) {
  std::vector<ParamGroupSpec> specs;
  if (!groups.is_null()) {
    for (size_t i = 0; i < groups.size(); ++i) {
      ParamGroupSpec s{.params = {params[i]}};
      if (groups[i].contains("lr")) s.lr = groups[i]["lr"].get<double>();
      if (groups[i].contains("weight_decay"))
        s.weight_decay = groups[i]["weight_decay"].get<double>();
      specs.push_back(s);
    }
  }
  auto get = [&](const char* k, double d) { return o.contains(k) ? o[k].get<double>() : d; };
  auto flag = [&](const char* k) { return o.contains(k) && o[k].get<bool>(); };
  if (type == "SGD") {
    SGDOptions so{.lr = get("lr", 1e-3),
                  .momentum = get("momentum", 0),
                  .dampening = get("dampening", 0),
                  .weight_decay = get("weight_decay", 0),
                  .nesterov = flag("nesterov"),
                  .maximize = flag("maximize")};
    return specs.empty() ? std::make_unique<SGD>(params, so) : std::make_unique<SGD>(specs, so);
  }
  if (type == "Adam") {
    AdamOptions ao{.lr = get("lr", 1e-3),
                   .betas = betas_of(o, {0.9, 0.999}),
                   .eps = get("eps", 1e-8),
                   .weight_decay = get("weight_decay", 0),
                   .amsgrad = flag("amsgrad"),
                   .maximize = flag("maximize")};
    return specs.empty() ? std::make_unique<Adam>(params, ao) : std::make_unique<Adam>(specs, ao);
  }
  AdamWOptions wo{.lr = get("lr", 1e-3),
                  .betas = betas_of(o, {0.9, 0.999}),
                  .eps = get("eps", 1e-8),
                  .weight_decay = get("weight_decay", 1e-2),
                  .amsgrad = flag("amsgrad"),
                  .maximize = flag("maximize")};
  return specs.empty() ? std::make_unique<AdamW>(params, wo) : std::make_unique<AdamW>(specs, wo);
}

enum class Layout { Contiguous, Transposed, Float64 };

// Runs one fixture case with parameters in the given layout and checks every step.
void run_case(const json& fx, const json& c, Layout layout) {
  const std::string name = c["name"].get<std::string>();
  std::vector<Tensor> params;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < fx["initial"].size(); ++i) {
    Shape shape = test::shape_of(fx["shapes"][i]);
    shapes.push_back(shape);
    Tensor p =
        test::from_json(fx["initial"][i], shape, layout == Layout::Float64 ? kFloat64 : kFloat32);
    if (layout == Layout::Transposed && p.dim() == 2) {
      Tensor storage = p.t().contiguous();  // [4, 3]; its transpose is p, non-contiguous
      p = storage.t();
      ASSERT_FALSE(p.is_contiguous());
    }
    params.push_back(p.requires_grad_());
  }
  auto opt = make(c["type"].get<std::string>(), c["options"], params, c["groups"]);
  const json& steps = c["steps"];
  for (size_t k = 0; k < steps.size(); ++k) {
    for (size_t i = 0; i < params.size(); ++i)
      params[i].set_grad(test::from_json(fx["grads"][k][i], shapes[i], params[i].dtype()));
    opt->step();
    for (size_t i = 0; i < params.size(); ++i)
      expect_close(params[i], steps[k][i].get<std::vector<double>>(), 1e-6, 1e-7,
                   name + " step " + std::to_string(k + 1) + " param " + std::to_string(i));
  }
}

class OptimFixture : public ::testing::TestWithParam<Layout> {};

TEST_P(OptimFixture, MatchesTorch) {
  const json fx = test::load_fixture("optimizers.json");
  ASSERT_GE(fx["cases"].size(), 10u);
  for (const json& c : fx["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    run_case(fx, c, GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, OptimFixture,
                         ::testing::Values(Layout::Contiguous, Layout::Transposed,
                                           Layout::Float64));

TEST(Optimizer, SkipsParamsWithoutGradAndZeroGrad) {
  Tensor a = ones({3}).requires_grad_();
  Tensor b = ones({2}).requires_grad_();
  AdamW opt({a, b}, {.lr = 0.1, .weight_decay = 0.1});
  a.set_grad(full({3}, 0.5));
  opt.step();
  EXPECT_TRUE(test::bit_equal(b, ones({2})));  // no gradient: untouched, no state
  EXPECT_EQ(opt.find_state(b), nullptr);
  ASSERT_NE(opt.find_state(a), nullptr);
  EXPECT_EQ(opt.find_state(a)->step, 1);
  // Adam's first step moves every coordinate by about lr (sign of the gradient), after decay.
  expect_close(a, {1 * (1 - 0.01) - 0.1, 1 * (1 - 0.01) - 0.1, 1 * (1 - 0.01) - 0.1}, 1e-5, 0,
               "first step");
  opt.zero_grad(false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_TRUE(test::bit_equal(a.grad(), zeros({3})));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optimizer, Validation) {
  Tensor a = ones({3}).requires_grad_();
  expect_error([&] { SGD({a}, {.lr = -1}); }, {"SGD", "learning rate"});
  expect_error([&] { SGD({a}, {.lr = 0.1, .nesterov = true}); }, {"nesterov"});
  expect_error([&] { Adam({a}, {.betas = {1.0, 0.9}}); }, {"Adam", "beta", "index 0"});
  expect_error([&] { AdamW({a}, {.eps = -1}); }, {"AdamW", "epsilon"});
  expect_error([&] { AdamW(std::vector<Tensor>{}, {}); }, {"empty parameter list"});
  expect_error([&] { AdamW({a, a}); }, {"more than once"});
  expect_error([&] { AdamW({ones({2}, kInt64)}); }, {"int64", "floating"});
  Tensor nonleaf = mul(a, 2.0);
  expect_error([&] { AdamW({nonleaf}); }, {"not a leaf"});
  AdamW opt({a});
  expect_error([&] { opt.add_param_group(ParamGroupSpec{.params = {a}}); }, {"more than once"});
  expect_error(
      [&] {
        opt.add_param_group(ParamGroupSpec{.params = {ones({1}).requires_grad_()}, .lr = -3});
      },
      {"learning rate"});
}

TEST(Optimizer, ParamGroupsTakeDefaultsAndOverrides) {
  Tensor a = ones({3}).requires_grad_(), b = ones({2}).requires_grad_();
  AdamW opt({{.params = {a}}, {.params = {b}, .lr = 0.5, .weight_decay = 0}},
            {.lr = 0.1, .betas = {0.8, 0.9}, .weight_decay = 0.2});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].lr, 0.1);
  EXPECT_EQ(opt.param_groups()[0].weight_decay, 0.2);
  EXPECT_EQ(opt.param_groups()[1].lr, 0.5);
  EXPECT_EQ(opt.param_groups()[1].weight_decay, 0);
  EXPECT_EQ(opt.param_groups()[1].betas[0], 0.8);
  Tensor c = ones({4}).requires_grad_();
  ParamGroup g = opt.defaults();
  g.params = {c};
  g.eps = 1e-3;
  opt.add_param_group(g);
  EXPECT_EQ(opt.params().size(), 3u);
  EXPECT_EQ(opt.param_groups()[2].eps, 1e-3);
}

// Steps k with gradients that depend on k; returns the params.
void drive(Optimizer& opt, const std::vector<Tensor>& params, int from, int to) {
  for (int k = from; k < to; ++k) {
    for (size_t i = 0; i < params.size(); ++i) {
      Tensor g = ops::mul(
          ops::sin(ops::add(arange(0.0, static_cast<double>(params[i].numel()), 1.0, kFloat32),
                            0.3 * k + static_cast<double>(i))),
          1.0 + k);
      params[i].set_grad(g.view(params[i].sizes()));
    }
    opt.step();
  }
}

template <class Opt, class Options>
void check_round_trip(const Options& options) {
  auto fresh = [] {
    return std::vector<Tensor>{
        from_vector(std::vector<float>{0.5f, -1.f, 2.f, 0.25f}, {2, 2}).requires_grad_(),
        from_vector(std::vector<float>{1.f, -3.f, 0.1f}).requires_grad_()};
  };
  std::vector<Tensor> ref = fresh();
  Opt a(ref, options);
  drive(a, ref, 0, 7);  // uninterrupted
  std::vector<Tensor> p1 = fresh();
  Opt b(p1, options);
  drive(b, p1, 0, 4);
  OptimizerState st = b.state_dict();
  std::vector<Tensor> p2;
  for (const Tensor& p : p1) p2.push_back(p.detach().clone().requires_grad_());
  Opt c(p2, {});  // other hyperparameters: the state restores them
  c.load_state_dict(st);
  EXPECT_EQ(c.param_groups()[0].lr, b.param_groups()[0].lr);
  drive(c, p2, 4, 7);
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_TRUE(test::bit_equal(ref[i], p2[i])) << i;
}

TEST(Optimizer, StateDictRoundTripResumesExactly) {
  check_round_trip<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  check_round_trip<Adam>(AdamOptions{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true});
  check_round_trip<AdamW>(AdamWOptions{.lr = 0.01, .betas = {0.9, 0.95}, .weight_decay = 0.1});
}

TEST(Optimizer, LoadStateDictMismatches) {
  Tensor a = ones({2, 2}).requires_grad_(), b = ones({3}).requires_grad_();
  AdamW src({a, b});
  drive(src, {a, b}, 0, 2);
  const OptimizerState st = src.state_dict();
  EXPECT_TRUE(st.tensors.contains("state.0.exp_avg"));
  EXPECT_TRUE(st.tensors.contains("state.1.exp_avg_sq"));

  Tensor c = ones({2, 2}).requires_grad_(), d = ones({4}).requires_grad_();
  AdamW shape_mismatch({c, d});
  expect_error([&] { shape_mismatch.load_state_dict(st); },
               {"AdamW::load_state_dict", "state.1.exp_avg", "[3]", "[4]"});
  AdamW count_mismatch({c});
  expect_error([&] { count_mismatch.load_state_dict(st); }, {"group 0", "2 parameters", "has 1"});
  Adam type_mismatch({c, ones({3}).requires_grad_()});
  expect_error([&] { type_mismatch.load_state_dict(st); }, {"Adam::load_state_dict", "AdamW"});
  AdamW ok({c, ones({3}).requires_grad_()});
  OptimizerState missing = st;
  missing.tensors.erase("state.0.exp_avg_sq");
  expect_error([&] { ok.load_state_dict(missing); }, {"missing state tensor 'state.0.exp_avg_sq'"});
  OptimizerState extra = st;
  extra.tensors.insert("state.0.momentum_buffer", zeros({2, 2}));
  expect_error([&] { ok.load_state_dict(extra); },
               {"unexpected state tensor 'state.0.momentum_buffer'"});
  OptimizerState bad_json = st;
  bad_json.json = "{not json";
  expect_error([&] { ok.load_state_dict(bad_json); }, {"does not parse"});
  // A failed load leaves the optimizer as it was.
  EXPECT_EQ(ok.find_state(c), nullptr);
  ok.load_state_dict(st);
  ASSERT_NE(ok.find_state(c), nullptr);
  EXPECT_EQ(ok.find_state(c)->step, 2);
}

}  // namespace
}  // namespace mica::optim
