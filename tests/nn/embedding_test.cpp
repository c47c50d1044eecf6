// nn::Embedding against PyTorch (tests/fixtures/nn/layers.json, case "embedding"): output and
// weight gradient of sum(y^2) with a padding row; initialization and options. Needs the
// differentiable mica::embedding (autograd/ops/shape.h).
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::to_doubles;

TEST(Embedding, MatchesPyTorchWithPaddingIdx) {
  const auto doc = test::load_fixture("layers");
  for (const auto& c : doc.at("cases")) {
    if (c.at("name") != "embedding") continue;
    const auto& a = c.at("args");
    Embedding emb(a.at("num_embeddings").get<int64_t>(), a.at("embedding_dim").get<int64_t>(),
                  {.padding_idx = a.at("padding_idx").get<int64_t>()});
    emb.load_state_dict(test::state_dict_from_json(c.at("state_dict")));
    const Tensor idx = test::tensor_from_json(c.at("input"));
    Tensor y = emb.forward(idx);
    EXPECT_TRUE(close(y, test::tensor_from_json(c.at("output"))));
    sum(y * y).backward();
    // The padding row gets no gradient even though it was looked up.
    EXPECT_TRUE(close(emb.weight.grad(), test::tensor_from_json(c.at("grads").at("weight"))));
    return;
  }
  FAIL() << "no embedding case in layers.json";
}

TEST(Embedding, InitOptionsAndShapes) {
  Embedding emb(50, 8, {.padding_idx = -1});
  EXPECT_EQ(emb.padding_idx, 49);
  EXPECT_EQ(to_doubles(emb.weight.select(0, 49)), std::vector<double>(8, 0.0));
  EXPECT_EQ(emb.repr(), "Embedding(50, 8, padding_idx=49)");
  EXPECT_EQ(emb.state_dict().keys(), (std::vector<std::string>{"weight"}));
  Embedding big(1000, 100);
  double m = 0, s = 0;
  const auto v = to_doubles(big.weight);
  for (double x : v) m += x / 1e5;
  for (double x : v) s += (x - m) * (x - m) / 1e5;
  EXPECT_NEAR(m, 0, 0.02);
  EXPECT_NEAR(std::sqrt(s), 1, 0.02);
  EXPECT_EQ(big.forward(from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3})).sizes(),
            (Shape{2, 3, 100}));
  EXPECT_THROW(Embedding(10, 3, {.padding_idx = 10}), Error);
}

}  // namespace
}  // namespace mica::nn
