// Golden tests against PyTorch for a sample of ops across the families (fixtures written by
// scripts/gen_fixtures.py): the same float32 inputs must give PyTorch's float32 outputs.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "golden.h"
#include "test_util.h"

namespace mica::test {
namespace {

using Run = std::function<Tensor(const GoldenCase&)>;

std::vector<int64_t> ints(const nlohmann::json& j) {
  return j.get<std::vector<int64_t>>();
}

const std::map<std::string, Run>& runners() {
  static const std::map<std::string, Run> r = {
      {"gelu", [](const GoldenCase& c) { return ops::gelu(c.inputs[0]); }},
      {"gelu_tanh", [](const GoldenCase& c) { return ops::gelu(c.inputs[0], "tanh"); }},
      {"sigmoid", [](const GoldenCase& c) { return ops::sigmoid(c.inputs[0]); }},
      {"softplus", [](const GoldenCase& c) { return ops::softplus(c.inputs[0]); }},
      {"erf", [](const GoldenCase& c) { return ops::erf(c.inputs[0]); }},
      {"silu", [](const GoldenCase& c) { return ops::silu(c.inputs[0]); }},
      {"tanh", [](const GoldenCase& c) { return ops::tanh(c.inputs[0]); }},
      {"round", [](const GoldenCase& c) { return ops::round(ops::mul(c.inputs[0], 2)); }},
      {"softmax",
       [](const GoldenCase& c) { return ops::softmax(c.inputs[0], c.args["dim"].get<int64_t>()); }},
      {"log_softmax",
       [](const GoldenCase& c) {
         return ops::log_softmax(c.inputs[0], c.args["dim"].get<int64_t>());
       }},
      {"layer_norm",
       [](const GoldenCase& c) {
         return ops::layer_norm(c.inputs[0], {c.inputs[0].size(-1)}, c.inputs[1], c.inputs[2],
                                c.args["eps"].get<double>());
       }},
      {"group_norm",
       [](const GoldenCase& c) {
         return ops::group_norm(c.inputs[0], c.args["groups"].get<int64_t>(), c.inputs[1],
                                c.inputs[2], c.args["eps"].get<double>());
       }},
      {"conv2d",
       [](const GoldenCase& c) {
         return ops::conv2d(c.inputs[0], c.inputs[1], c.inputs[2],
                            {c.args["stride"].get<int64_t>()}, {c.args["padding"].get<int64_t>()});
       }},
      {"conv_transpose2d",
       [](const GoldenCase& c) {
         return ops::conv_transpose2d(c.inputs[0], c.inputs[1], c.inputs[2],
                                      {c.args["stride"].get<int64_t>()},
                                      {c.args["padding"].get<int64_t>()});
       }},
      {"max_pool2d",
       [](const GoldenCase& c) {
         return ops::max_pool2d(c.inputs[0], {c.args["kernel"].get<int64_t>()},
                                {c.args["stride"].get<int64_t>()},
                                {c.args["padding"].get<int64_t>()});
       }},
      {"avg_pool2d",
       [](const GoldenCase& c) {
         return ops::avg_pool2d(c.inputs[0], {c.args["kernel"].get<int64_t>()});
       }},
      {"upsample_bilinear",
       [](const GoldenCase& c) {
         return ops::upsample_bilinear2d(c.inputs[0], ints(c.args["size"]),
                                         c.args["align_corners"].get<bool>());
       }},
      {"upsample_nearest",
       [](const GoldenCase& c) {
         return ops::upsample_nearest2d(c.inputs[0], ints(c.args["size"]));
       }},
      {"matmul", [](const GoldenCase& c) { return ops::matmul(c.inputs[0], c.inputs[1]); }},
      {"cross_entropy",
       [](const GoldenCase& c) {
         return ops::cross_entropy(c.inputs[0], c.inputs[1], {}, ops::Reduction::Mean,
                                   c.args["ignore_index"].get<int64_t>(),
                                   c.args["label_smoothing"].get<double>());
       }},
      {"var",
       [](const GoldenCase& c) {
         return ops::var(c.inputs[0], c.args["dim"].get<int64_t>(),
                         c.args["correction"].get<double>());
       }},
      {"std",
       [](const GoldenCase& c) {
         return ops::std(c.inputs[0], c.args["dim"].get<int64_t>(),
                         c.args["correction"].get<double>());
       }},
      {"logsumexp",
       [](const GoldenCase& c) {
         return ops::logsumexp(c.inputs[0], c.args["dim"].get<int64_t>());
       }},
      {"cumsum",
       [](const GoldenCase& c) { return ops::cumsum(c.inputs[0], c.args["dim"].get<int64_t>()); }},
      {"norm",
       [](const GoldenCase& c) {
         return ops::norm(c.inputs[0], c.args["p"].get<double>(), c.args["dim"].get<int64_t>());
       }},
  };
  return r;
}

TEST(GoldenOps, MatchPyTorchFloat32) {
  const auto cases = load_golden("ops");
  ASSERT_FALSE(cases.empty());
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.op + " " + c.args.dump());
    auto it = runners().find(c.op);
    ASSERT_NE(it, runners().end()) << "no runner for golden op " << c.op;
    const Tensor got = it->second(c);
    EXPECT_EQ(got.dtype(), c.outputs[0].dtype());
    // float32 results from different (but correct) summation orders: a few ulps.
    EXPECT_TRUE(all_close(got, c.outputs[0], {2e-6, 2e-5}));
  }
}

}  // namespace
}  // namespace mica::test
