// Runs one composite fixture case: builds float32 leaves from the fixture's inputs, evaluates
// the mica composite, backpropagates sum(out * u) (or the scalar output itself), and compares
// the output and every gradient with PyTorch's (rtol 1e-5, atol 1e-6).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "golden.h"
#include "mica.h"
#include "test_util.h"

namespace mica::test {

using CompositeFn = std::function<Tensor(const std::vector<Tensor>&)>;

inline void expect_close_to_torch(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what << " is undefined";
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const std::vector<double> g = values(got), w = values(want);
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double excess = std::fabs(g[i] - w[i]) - (1e-6 + 1e-5 * std::fabs(w[i]));
    if (excess > worst) {
      worst = excess;
      worst_at = i;
    }
  }
  EXPECT_EQ(worst, 0.0) << what << ": element " << worst_at << " is " << g[worst_at] << ", PyTorch "
                        << w[worst_at];
}

// upstream: the fixture's last input is u and the loss is sum(out * u); else out is the loss.
// Inputs before first_param are data (no gradient); the rest are leaves that require grad.
inline void check_composite(const std::string& name, const CompositeFn& fn, bool upstream,
                            size_t first_param = 0) {
  const auto cases = golden_cases("composite", name);
  ASSERT_EQ(cases.size(), 1u) << name;
  const GoldenCase& c = cases[0];
  std::vector<Tensor> inputs(c.inputs.begin(), c.inputs.end() - (upstream ? 1 : 0));
  for (size_t i = first_param; i < inputs.size(); ++i) inputs[i].requires_grad_(true);
  const Tensor out = fn(inputs);
  expect_close_to_torch(out, c.outputs[0], name + " output");
  const Tensor loss = upstream ? sum(mul(out, c.inputs.back())) : out;
  loss.backward();
  size_t k = 1;
  for (size_t i = first_param; i < inputs.size(); ++i, ++k) {
    ASSERT_LT(k, c.outputs.size()) << name << ": fixture has fewer gradients than inputs";
    expect_close_to_torch(inputs[i].grad(), c.outputs[k],
                          name + " gradient of input " + std::to_string(i));
  }
  EXPECT_EQ(k, c.outputs.size()) << name << ": fixture has more gradients than inputs";
}

}  // namespace mica::test
