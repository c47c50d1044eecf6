// Layers against PyTorch (tests/fixtures/nn/layers.json from scripts/gen_nn_fixtures.py): load
// torch's weights through load_state_dict, then match the output and the gradients of
// sum(y^2) with respect to the input and every parameter. Plus Linear's default
// initialization, options and errors, and Flatten/Identity.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::load_fixture;
using test::state_dict_from_json;
using test::tensor_from_json;

// A Tensor -> Tensor module built from a fixture case (null for cases tested elsewhere).
std::pair<std::shared_ptr<Module>, std::function<Tensor(const Tensor&)>> build(
    const nlohmann::json& c) {
  const std::string name = c.at("name").get<std::string>();
  const auto& a = c.at("args");
  auto wrap = [](auto m) {
    return std::pair<std::shared_ptr<Module>, std::function<Tensor(const Tensor&)>>(
        m, [m](const Tensor& x) { return m->forward(x); });
  };
  if (name == "linear" || name == "linear_nobias_batched")
    return wrap(std::make_shared<Linear>(a.at("in_features").get<int64_t>(),
                                         a.at("out_features").get<int64_t>(),
                                         LinearOptions{.bias = a.at("bias").get<bool>()}));
  if (name == "relu") return wrap(std::make_shared<ReLU>());
  if (name == "leaky_relu")
    return wrap(std::make_shared<LeakyReLU>(a.at("negative_slope").get<double>()));
  if (name == "gelu" || name == "gelu_tanh")
    return wrap(std::make_shared<GELU>(a.at("approximate").get<std::string>()));
  if (name == "silu") return wrap(std::make_shared<SiLU>());
  if (name == "sigmoid") return wrap(std::make_shared<Sigmoid>());
  if (name == "tanh") return wrap(std::make_shared<Tanh>());
  if (name == "softplus")
    return wrap(
        std::make_shared<Softplus>(a.at("beta").get<double>(), a.at("threshold").get<double>()));
  if (name == "flatten")
    return wrap(std::make_shared<Flatten>(a.at("start_dim").get<int64_t>(),
                                          a.at("end_dim").get<int64_t>()));
  if (name == "sequential_mlp")
    return wrap(std::make_shared<Sequential>(
        std::make_shared<Linear>(4, 8), std::make_shared<Tanh>(), std::make_shared<Linear>(8, 2)));
  return {nullptr, nullptr};
}

TEST(Layers, MatchPyTorchOutputsAndGradients) {
  const auto doc = load_fixture("layers");
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    auto [module, forward] = build(c);
    if (!module) continue;  // embedding: tests/nn/embedding_test.cpp
    SCOPED_TRACE(name);
    module->load_state_dict(state_dict_from_json(c.at("state_dict")));
    Tensor x = tensor_from_json(c.at("input")).requires_grad_();
    Tensor y = forward(x);
    EXPECT_TRUE(close(y, tensor_from_json(c.at("output"))));
    sum(y * y).backward();
    EXPECT_TRUE(close(x.grad(), tensor_from_json(c.at("input_grad"))));
    const StateDict params = module->named_parameters();
    EXPECT_EQ(params.size(), c.at("grads").size());
    for (const auto& [k, g] : c.at("grads").items())
      EXPECT_TRUE(close(params.at(k).grad(), tensor_from_json(g))) << k;
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST(Layers, LinearDefaultInitUsesTorchBounds) {
  const auto doc = load_fixture("init");
  const double wb = doc.at("linear_weight_bound").get<double>();
  const double bb = doc.at("linear_bias_bound").get<double>();
  // Same draws as uniform_(-bound, bound) with torch's bounds on a same-seeded generator.
  Generator g1(123), g2(123);
  Linear fc(20, 7);
  fc.reset_parameters(&g1);
  Tensor w = empty({7, 20}), b = empty({7});
  ops::uniform_(w, -wb, wb, &g2);
  ops::uniform_(b, -bb, bb, &g2);
  EXPECT_TRUE(close(fc.weight, w, 1e-6, 1e-7));
  EXPECT_TRUE(close(fc.bias, b, 1e-6, 1e-7));
  EXPECT_EQ(fc.weight.sizes(), (Shape{7, 20}));
  EXPECT_TRUE(fc.weight.requires_grad());
  EXPECT_EQ(fc.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  Linear nb(3, 2, {.bias = false});
  EXPECT_FALSE(nb.bias.defined());
  EXPECT_EQ(nb.state_dict().keys(), (std::vector<std::string>{"weight"}));
}

TEST(Layers, LinearShapesAndErrors) {
  Linear fc(4, 3);
  EXPECT_EQ(fc.forward(ones({2, 5, 4})).sizes(), (Shape{2, 5, 3}));
  EXPECT_EQ(fc.forward(ones({4})).sizes(), (Shape{3}));
  EXPECT_THROW(fc.forward(ones({2, 5})), Error);
  EXPECT_THROW(Linear(-1, 3), Error);
}

TEST(Layers, IdentityFlattenAndActivationOptions) {
  Identity id;
  Tensor x = randn({2, 3, 4, 5});
  EXPECT_TRUE(id.forward(x).is_same(x));
  EXPECT_EQ(Flatten().forward(x).sizes(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 2).forward(x).sizes(), (Shape{24, 5}));
  EXPECT_EQ(Flatten(1, 2).extra_repr(), "start_dim=1, end_dim=2");
  EXPECT_THROW(GELU("fast"), Error);
  EXPECT_EQ(LeakyReLU().negative_slope, 0.01);
  EXPECT_EQ(LeakyReLU(0.2).repr(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(Softplus().repr(), "Softplus(beta=1, threshold=20)");
  EXPECT_EQ(GELU().repr(), "GELU(approximate='none')");
  // Activations have no parameters and no state.
  EXPECT_TRUE(ReLU().state_dict().empty());
}

TEST(Layers, ModelToFloat64KeepsForwardConsistent) {
  auto seq = std::make_shared<Sequential>(std::make_shared<Linear>(3, 5), std::make_shared<SiLU>(),
                                          std::make_shared<Linear>(5, 2));
  Tensor x = randn({4, 3});
  Tensor y32 = seq->forward(x);
  seq->to(kFloat64);
  Tensor y64 = seq->forward(x.to(kFloat64));
  EXPECT_EQ(y64.dtype(), kFloat64);
  EXPECT_TRUE(close(y64, y32, 1e-5, 1e-6));
}

}  // namespace
}  // namespace mica::nn
