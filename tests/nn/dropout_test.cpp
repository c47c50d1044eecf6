// nn::Dropout: the identity in eval mode; in training, zeros with probability p, survivors
// scaled by 1 / (1 - p), gradient through the same mask; reproducible with a seeded generator.
// Needs the differentiable mica::dropout (autograd/ops/norm.h).
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::to_doubles;

TEST(Dropout, TrainingMasksAndScalesEvalIsIdentity) {
  Dropout drop(0.25);
  Tensor x = full({100, 100}, 2.0).requires_grad_();
  Tensor y = drop.forward(x);
  const auto v = to_doubles(y);
  int64_t zeros = 0;
  for (double e : v) {
    if (e == 0) {
      ++zeros;
    } else {
      EXPECT_NEAR(e, 2.0 / 0.75, 1e-6);
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros) / 1e4, 0.25, 0.02);
  sum(y).backward();
  const auto g = to_doubles(x.grad());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(g[i], v[i] == 0 ? 0.0 : 1 / 0.75, 1e-6);

  drop.eval();
  Tensor z = drop.forward(x);
  EXPECT_EQ(to_doubles(z), std::vector<double>(10000, 2.0));
  EXPECT_EQ(drop.repr(), "Dropout(p=0.25)");
  EXPECT_THROW(Dropout(1.5), Error);
}

TEST(Dropout, SeededGeneratorReproduces) {
  Generator g1(3), g2(3);
  Dropout a(0.5), b(0.5);
  a.generator = &g1;
  b.generator = &g2;
  Tensor x = randn({64});
  EXPECT_EQ(to_doubles(a.forward(x)), to_doubles(b.forward(x)));
}

}  // namespace
}  // namespace mica::nn
