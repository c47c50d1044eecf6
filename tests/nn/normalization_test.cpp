// nn::LayerNorm and nn::RMSNorm: parameter names and init, forward against hand-computed
// values, no-affine variants, gradients reach the parameters, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"

namespace mica::nn {
namespace {

std::vector<double> vals(const Tensor& t) {
  const Tensor c = t.detach().to(kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

TEST(LayerNormModule, NormalizesLastDimsWithAffine) {
  LayerNorm ln({4}, {.eps = 1e-5});
  EXPECT_EQ(ln.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(vals(ln.weight), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(vals(ln.bias), (std::vector<double>{0, 0, 0, 0}));
  {
    NoGradGuard no_grad;
    ln.weight.copy_(from_vector<float>({1, 2, 3, 4}, {4}));
    ln.bias.fill_(0.5);
  }
  const Tensor x = from_vector<float>({1, 2, 3, 4, -2, 0, 2, 4}, {2, 4});
  const auto y = vals(ln.forward(x));
  for (int r = 0; r < 2; ++r) {
    double mean = 0, var = 0;
    const auto xv = vals(x);
    for (int i = 0; i < 4; ++i) mean += xv[static_cast<size_t>(r * 4 + i)] / 4;
    for (int i = 0; i < 4; ++i) var += std::pow(xv[static_cast<size_t>(r * 4 + i)] - mean, 2) / 4;
    for (int i = 0; i < 4; ++i) {
      const double want =
          (xv[static_cast<size_t>(r * 4 + i)] - mean) / std::sqrt(var + 1e-5) * (i + 1) + 0.5;
      EXPECT_NEAR(y[static_cast<size_t>(r * 4 + i)], want, 1e-5);
    }
  }
  sum(ln.forward(x)).backward();
  EXPECT_TRUE(ln.weight.grad().defined());
  EXPECT_EQ(vals(ln.bias.grad()), (std::vector<double>{2, 2, 2, 2}));
}

TEST(LayerNormModule, WithoutAffineOrBias) {
  LayerNorm plain({3}, {.elementwise_affine = false});
  EXPECT_EQ(plain.num_parameters(), 0);
  LayerNorm no_bias({3}, {.bias = false});
  EXPECT_EQ(no_bias.state_dict().keys(), (std::vector<std::string>{"weight"}));
  const Tensor x = from_vector<float>({1, 2, 6}, {1, 3});
  EXPECT_EQ(vals(plain.forward(x)), vals(no_bias.forward(x)));
}

TEST(RMSNormModule, ScalesByRootMeanSquare) {
  RMSNorm norm({2}, {.eps = 1e-6});
  EXPECT_EQ(norm.state_dict().keys(), (std::vector<std::string>{"weight"}));
  const Tensor x = from_vector<float>({3, 4}, {1, 2});
  const double rms = std::sqrt((9.0 + 16.0) / 2 + 1e-6);
  const auto y = vals(norm.forward(x));
  EXPECT_NEAR(y[0], 3 / rms, 1e-6);
  EXPECT_NEAR(y[1], 4 / rms, 1e-6);
}

TEST(NormModules, RejectEmptyShapeAndMismatchedInput) {
  EXPECT_THROW(LayerNorm({}), Error);
  EXPECT_THROW(RMSNorm({}), Error);
  LayerNorm ln({4});
  try {
    ln.forward(zeros({2, 3}));
    ADD_FAILURE() << "mismatched input accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer_norm"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mica::nn
