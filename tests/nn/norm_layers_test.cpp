// GroupNorm and BatchNorm1d/2d against PyTorch (tests/fixtures/nn/layers2.json): output and
// gradients of a training forward, torch's buffers (running_mean, running_var,
// num_batches_tracked) after one and two training steps (momentum 0.1, 0.3 and the cumulative
// average), and the eval-mode output. Plus defaults, names and errors.
#include <gtest/gtest.h>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::load_fixture;
using test::state_dict_from_json;
using test::tensor_from_json;

std::shared_ptr<Module> build(const std::string& name) {
  if (name == "group_norm") return std::make_shared<GroupNorm>(2, 6);
  if (name == "batch_norm2d") return std::make_shared<BatchNorm2d>(3);
  if (name == "batch_norm2d_cumulative")
    return std::make_shared<BatchNorm2d>(3, BatchNormOptions{.momentum = std::nullopt});
  if (name == "batch_norm1d") return std::make_shared<BatchNorm1d>(4);
  if (name == "batch_norm1d_3d_noaffine")
    return std::make_shared<BatchNorm1d>(4, BatchNormOptions{.momentum = 0.3, .affine = false});
  return nullptr;
}

Tensor run(Module& m, const Tensor& x) {
  if (auto* gn = dynamic_cast<GroupNorm*>(&m)) return gn->forward(x);
  return dynamic_cast<BatchNormBase&>(m).forward(x);
}

void expect_buffers(const Module& m, const nlohmann::json& expected) {
  const StateDict bufs = m.named_buffers();
  EXPECT_EQ(bufs.size(), expected.size());
  for (const auto& [k, v] : expected.items()) {
    Tensor e = tensor_from_json(v);
    if (e.dtype() == kInt64)
      EXPECT_EQ(bufs.at(k).item<int64_t>(), e.item<int64_t>()) << k;
    else
      EXPECT_TRUE(close(bufs.at(k), e)) << k;
  }
}

TEST(NormLayers, MatchPyTorchTrainingEvalAndRunningStats) {
  const auto doc = load_fixture("layers2");
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    auto module = build(name);
    if (!module) continue;
    SCOPED_TRACE(name);
    module->load_state_dict(state_dict_from_json(c.at("state_dict")));
    EXPECT_EQ(module->state_dict().keys().size(), c.at("state_dict").size());
    Tensor x = tensor_from_json(c.at("input")).requires_grad_();
    Tensor y = run(*module, x);
    ASSERT_TRUE(close(y, tensor_from_json(c.at("output"))));
    sum(y * tensor_from_json(c.at("u"))).backward();
    EXPECT_TRUE(close(x.grad(), tensor_from_json(c.at("input_grad")), 1e-5, 1e-5));
    const StateDict params = module->named_parameters();
    EXPECT_EQ(params.size(), c.at("grads").size());
    for (const auto& [k, g] : c.at("grads").items())
      EXPECT_TRUE(close(params.at(k).grad(), tensor_from_json(g))) << k;
    if (c.contains("buffers_after")) {
      expect_buffers(*module, c.at("buffers_after"));
      run(*module, add(mul(x.detach(), 0.5), 1.0));
      expect_buffers(*module, c.at("buffers_after2"));
      module->eval();
      EXPECT_TRUE(close(run(*module, tensor_from_json(c.at("eval_input"))),
                        tensor_from_json(c.at("eval_output"))));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(NormLayers, TorchNamesAndDefaults) {
  BatchNorm2d bn(4);
  EXPECT_EQ(bn.state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                      "num_batches_tracked"}));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn.repr(),
            "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  BatchNorm1d plain(3, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(plain.state_dict().empty());
  // Without running stats eval mode still normalizes with the batch statistics.
  plain.eval();
  Tensor y = plain.forward(randn({6, 3}) * 3.0 + 2.0);
  EXPECT_NEAR(mean(y).item<double>(), 0.0, 1e-5);
  GroupNorm gn(4, 8, {.affine = false});
  EXPECT_TRUE(gn.named_parameters().empty());
  EXPECT_EQ(GroupNorm(2, 4).repr(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
}

TEST(NormLayers, EvalModeLeavesRunningStatsAlone) {
  BatchNorm2d bn(2);
  bn.eval();
  bn.forward(randn({3, 2, 2, 2}));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(close(bn.running_mean, zeros({2})));
  EXPECT_TRUE(close(bn.running_var, ones({2})));
}

TEST(NormLayers, BadShapesThrow) {
  EXPECT_THROW(GroupNorm(3, 8), Error);
  GroupNorm gn(2, 8);
  EXPECT_THROW(gn.forward(randn({2, 6, 3})), Error);
  BatchNorm2d bn(3);
  EXPECT_THROW(bn.forward(randn({2, 3, 4})), Error);
  EXPECT_THROW(bn.forward(randn({2, 4, 2, 2})), Error);
  BatchNorm1d bn1(3);
  EXPECT_THROW(bn1.forward(randn({2, 3, 2, 2})), Error);
}

}  // namespace
}  // namespace mica::nn
