// Conv, pooling and upsampling layers against PyTorch (tests/fixtures/nn/layers2.json from
// scripts/gen_nn_layer_fixtures.py): torch's weights through load_state_dict, then the output
// and the gradients of sum(y * u) for the input and every parameter. Plus torch's default
// initialization bounds (ConvTranspose2d's fan_in from weight.size(1)), names and errors.
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

using Built = std::pair<std::shared_ptr<Module>, std::function<Tensor(const Tensor&)>>;

Built build(const std::string& name) {
  auto wrap = [](auto m) { return Built(m, [m](const Tensor& x) { return m->forward(x); }); };
  if (name == "conv1d")
    return wrap(std::make_shared<Conv1d>(3, 4, 3, Conv1dOptions{.stride = 2, .padding = 1}));
  if (name == "conv2d")
    return wrap(std::make_shared<Conv2d>(3, 4, 3, Conv2dOptions{.stride = 2, .padding = 1}));
  if (name == "conv2d_groups_dilation")
    return wrap(std::make_shared<Conv2d>(
        4, 6, IntArg{3, 2},
        Conv2dOptions{.padding = {2, 1}, .dilation = 2, .groups = 2, .bias = false}));
  if (name == "conv_transpose2d")
    return wrap(std::make_shared<ConvTranspose2d>(
        4, 3, 3, ConvTranspose2dOptions{.stride = 2, .padding = 1, .output_padding = 1}));
  if (name == "conv_transpose2d_groups")
    return wrap(std::make_shared<ConvTranspose2d>(
        4, 6, 4, ConvTranspose2dOptions{.stride = 2, .padding = 1, .groups = 2, .bias = false}));
  if (name == "max_pool2d")
    return wrap(std::make_shared<MaxPool2d>(3, MaxPool2dOptions{.stride = 2, .padding = 1}));
  if (name == "avg_pool2d")
    return wrap(std::make_shared<AvgPool2d>(
        3, AvgPool2dOptions{
               .stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}));
  if (name == "adaptive_avg_pool2d") return wrap(std::make_shared<AdaptiveAvgPool2d>(IntArg{3, 2}));
  if (name == "upsample_nearest_scale")
    return wrap(
        std::make_shared<Upsample>(UpsampleOptions{.scale_factor = std::vector<double>{2}}));
  if (name == "upsample_nearest_size")
    return wrap(std::make_shared<Upsample>(UpsampleOptions{.size = IntArg{5, 7}}));
  if (name == "upsample_bilinear_scale")
    return wrap(std::make_shared<Upsample>(
        UpsampleOptions{.scale_factor = std::vector<double>{2}, .mode = "bilinear"}));
  if (name == "upsample_bilinear_align")
    return wrap(std::make_shared<Upsample>(
        UpsampleOptions{.size = IntArg{5, 7}, .mode = "bilinear", .align_corners = true}));
  return {nullptr, nullptr};
}

TEST(ConvLayers, MatchPyTorchOutputsAndGradients) {
  const auto doc = load_fixture("layers2");
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    auto [module, forward] = build(name);
    if (!module) continue;  // norm and attention cases: their own tests
    SCOPED_TRACE(name);
    module->load_state_dict(state_dict_from_json(c.at("state_dict")));
    EXPECT_EQ(module->state_dict().size(), c.at("state_dict").size());
    Tensor x = tensor_from_json(c.at("input")).requires_grad_();
    Tensor y = forward(x);
    ASSERT_TRUE(close(y, tensor_from_json(c.at("output"))));
    sum(y * tensor_from_json(c.at("u"))).backward();
    EXPECT_TRUE(close(x.grad(), tensor_from_json(c.at("input_grad"))));
    const StateDict params = module->named_parameters();
    EXPECT_EQ(params.size(), c.at("grads").size());
    for (const auto& [k, g] : c.at("grads").items())
      EXPECT_TRUE(close(params.at(k).grad(), tensor_from_json(g))) << k;
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

// kaiming_uniform(a = sqrt(5)) gives bound 1/sqrt(fan_in), the same as the bias bound.
void expect_uniform_within(const Tensor& t, double bound) {
  const auto v = test::to_doubles(t);
  double mx = 0;
  for (double e : v) mx = std::max(mx, std::abs(e));
  EXPECT_LE(mx, bound * (1 + 1e-6));
  EXPECT_GT(mx, 0.7 * bound);  // enough draws to come near the bound
}

TEST(ConvLayers, DefaultInitUsesTorchFanIn) {
  Conv2d conv(8, 16, 3);
  expect_uniform_within(conv.weight, 1.0 / std::sqrt(8.0 * 9));
  expect_uniform_within(conv.bias, 1.0 / std::sqrt(8.0 * 9));
  // ConvTranspose2d: weight [in, out / groups, k, k], fan_in = weight.size(1) * k * k.
  ConvTranspose2d up(16, 8, 4, {.groups = 2});
  EXPECT_EQ(up.weight.sizes(), (Shape{16, 4, 4, 4}));
  expect_uniform_within(up.weight, 1.0 / std::sqrt(4.0 * 16));
  expect_uniform_within(up.bias, 1.0 / std::sqrt(4.0 * 16));
  Conv1d c1(4, 6, 5);
  EXPECT_EQ(c1.weight.sizes(), (Shape{6, 4, 5}));
  expect_uniform_within(c1.weight, 1.0 / std::sqrt(20.0));
}

TEST(ConvLayers, NamesShapesAndRepr) {
  Conv2d conv(3, 8, {3, 1}, {.stride = 2, .padding = {1, 0}, .bias = false});
  EXPECT_EQ(conv.weight.sizes(), (Shape{8, 3, 3, 1}));
  EXPECT_FALSE(conv.bias.defined());
  EXPECT_EQ(conv.state_dict().keys(), std::vector<std::string>{"weight"});
  EXPECT_EQ(conv.repr(),
            "Conv2d(3, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 0), bias=False)");
  Tensor y = conv.forward(randn({2, 3, 9, 9}));
  EXPECT_EQ(y.sizes(), (Shape{2, 8, 5, 5}));
  ConvTranspose2d up(8, 4, 4, {.stride = 2, .padding = 1});
  EXPECT_EQ(up.forward(randn({1, 8, 5, 5})).sizes(), (Shape{1, 4, 10, 10}));
  MaxPool2d pool(2);
  EXPECT_EQ(pool.stride, (std::vector<int64_t>{2, 2}));
  auto [vals, idx] = pool.forward_with_indices(randn({1, 2, 4, 4}));
  EXPECT_EQ(idx.dtype(), kInt64);
  EXPECT_EQ(vals.sizes(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(AdaptiveAvgPool2d(1).forward(randn({2, 3, 5, 4})).sizes(), (Shape{2, 3, 1, 1}));
}

TEST(ConvLayers, BadArgumentsThrow) {
  EXPECT_THROW(Conv2d(3, 8, 3, {.groups = 2}), Error);
  EXPECT_THROW(Conv2d(3, 8, IntArg{3, 3, 3}), Error);
  EXPECT_THROW(ConvTranspose2d(4, 4, 3, {.stride = 1, .output_padding = 1}), Error);
  EXPECT_THROW(Upsample(UpsampleOptions{}), Error);
  EXPECT_THROW(Upsample(UpsampleOptions{.size = 4, .mode = "bicubic"}), Error);
  EXPECT_THROW(Upsample(UpsampleOptions{.size = 4, .align_corners = true}), Error);
}

TEST(ConvLayers, FunctionalForwardsMatchLayers) {
  Conv2d conv(2, 3, 3, {.padding = 1});
  Tensor x = randn({1, 2, 4, 4});
  EXPECT_TRUE(close(F::conv2d(x, conv.weight, conv.bias, {1}, {1}), conv.forward(x)));
  Upsample up(UpsampleOptions{.scale_factor = std::vector<double>{2}, .mode = "bilinear"});
  EXPECT_TRUE(
      close(F::interpolate(x, std::nullopt, std::vector<double>{2}, "bilinear"), up.forward(x)));
}

}  // namespace
}  // namespace mica::nn
