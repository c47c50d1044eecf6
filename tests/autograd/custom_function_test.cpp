// Custom functions: a straight-through estimator, saved tensors (inputs and outputs), second
// order through a user backward, non-differentiable outputs, materialized zero gradients, and
// the errors of a wrong backward.
#include <gtest/gtest.h>

#include "gradcheck_util.h"
#include "mica.h"

namespace mica::autograd {
namespace {

using gradcheck_test::to_doubles;

struct RoundSTE {
  static constexpr const char* name = "RoundSTE";
  static std::vector<Tensor> forward(FunctionContext&, const std::vector<Tensor>& in) {
    return {ops::round(in[0])};
  }
  static std::vector<Tensor> backward(FunctionContext&, const std::vector<Tensor>& g) {
    return {g[0]};
  }
};

TEST(CustomFunction, StraightThroughEstimatorPassesGradient) {
  Tensor x = from_vector<double>({0.2, 1.7, -2.4}, {3});
  x.requires_grad_(true);
  Tensor y = apply_function<RoundSTE>({x})[0];
  EXPECT_EQ(to_doubles(y), (std::vector<double>{0, 2, -2}));
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(y.grad_fn_name(), "RoundSTEBackward");
  sum(mul(y, 3.0)).backward();
  EXPECT_EQ(to_doubles(x.grad()), (std::vector<double>{3, 3, 3}));
}

// y = x^3 with backward 3 x^2 g written in differentiable ops: gradcheck and gradgradcheck.
struct Cube {
  static std::vector<Tensor> forward(FunctionContext& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return {ops::mul(ops::mul(in[0], in[0]), in[0])};
  }
  static std::vector<Tensor> backward(FunctionContext& ctx, const std::vector<Tensor>& g) {
    const Tensor x = ctx.saved_tensors()[0];
    return {mul(mul(mul(x, x), 3.0), g[0])};
  }
};

TEST(CustomFunction, GradcheckAndSecondOrder) {
  Tensor x = gradcheck_test::leaf({2, 3}, 7);
  TensorFn f = [](const std::vector<Tensor>& in) { return apply_function<Cube>(in); };
  EXPECT_TRUE(gradcheck(f, {x}, gradcheck_test::kOpts).ok);
  EXPECT_TRUE(gradgradcheck(f, {x}, gradcheck_test::kOpts).ok);
}

// Saves its own output: exp with backward y * g.
struct Exp {
  static std::vector<Tensor> forward(FunctionContext& ctx, const std::vector<Tensor>& in) {
    Tensor y = ops::exp(in[0]);
    ctx.save_for_backward({y});
    return {y};
  }
  static std::vector<Tensor> backward(FunctionContext& ctx, const std::vector<Tensor>& g) {
    return {mul(ctx.saved_tensors()[0], g[0])};
  }
};

TEST(CustomFunction, SavedOutputIsVersionChecked) {
  Tensor x = gradcheck_test::leaf({4}, 3);
  TensorFn f = [](const std::vector<Tensor>& in) { return apply_function<Exp>(in); };
  EXPECT_TRUE(gradcheck(f, {x}, gradcheck_test::kOpts).ok);
  EXPECT_TRUE(gradgradcheck(f, {x}, gradcheck_test::kOpts).ok);
  Tensor y = apply_function<Exp>({x})[0];
  {
    NoGradGuard no_grad;
    ops::add_(y, 1.0);  // modifies the saved output
  }
  try {
    sum(y).backward();
    ADD_FAILURE() << "in-place change of a saved output went unnoticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("modified"), std::string::npos) << e.what();
  }
}

// Two outputs, the second non-differentiable (an argmax); backward sees zeros for an unused one.
struct MaxWithIndex {
  static std::vector<Tensor> forward(FunctionContext& ctx, const std::vector<Tensor>& in) {
    Tensor idx = ops::argmax(in[0], 0, true);
    Tensor value = ops::gather(in[0], 0, idx);
    Tensor doubled = ops::mul(in[0], 2.0);
    ctx.save_for_backward({idx});
    ctx.mark_non_differentiable({idx});
    ctx.saved_data["n"] = in[0].size(0);
    return {value, idx, doubled};
  }
  static std::vector<Tensor> backward(FunctionContext& ctx, const std::vector<Tensor>& g) {
    const Tensor idx = ctx.saved_tensors()[0];
    const int64_t n = std::any_cast<int64_t>(ctx.saved_data.at("n"));
    EXPECT_TRUE(g[2].defined());  // materialized zeros when unused
    Tensor gx = ops::scatter(zeros({n}, TensorOptions(kFloat64)), 0, idx, g[0]);
    return {add(gx, mul(g[2], 2.0))};
  }
};

TEST(CustomFunction, NonDifferentiableOutputsAndMaterializedZeros) {
  Tensor x = from_vector<double>({0.5, 3.0, -1.0}, {3});
  x.requires_grad_(true);
  auto outs = apply_function<MaxWithIndex>({x});
  EXPECT_TRUE(outs[0].requires_grad());
  EXPECT_FALSE(outs[1].requires_grad());
  sum(outs[0]).backward();
  EXPECT_EQ(to_doubles(x.grad()), (std::vector<double>{0, 1, 0}));
}

struct WrongCount {
  static std::vector<Tensor> forward(FunctionContext&, const std::vector<Tensor>& in) {
    return {ops::mul(in[0], in[1])};
  }
  static std::vector<Tensor> backward(FunctionContext&, const std::vector<Tensor>& g) {
    return {g[0]};  // one gradient for two inputs
  }
};

TEST(CustomFunction, BackwardMustReturnOneGradientPerInput) {
  Tensor a = gradcheck_test::leaf({2}, 1);
  Tensor b = gradcheck_test::leaf({2}, 2);
  Tensor y = apply_function<WrongCount>({a, b})[0];
  try {
    sum(y).backward();
    ADD_FAILURE() << "wrong gradient count accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("returned 1 gradients for 2 inputs"), std::string::npos)
        << e.what();
  }
}

TEST(CustomFunction, NotRecordedWithoutGradOrUnderNoGrad) {
  Tensor x = from_vector<double>({1.0, 2.0}, {2});
  EXPECT_FALSE(apply_function<Exp>({x})[0].requires_grad());
  x.requires_grad_(true);
  NoGradGuard no_grad;
  EXPECT_FALSE(apply_function<Exp>({x})[0].requires_grad());
}

TEST(InferenceMode, RecordsNothingAndRestores) {
  Tensor x = gradcheck_test::leaf({3}, 5);
  EXPECT_FALSE(InferenceMode::is_enabled());
  {
    InferenceMode guard;
    EXPECT_TRUE(InferenceMode::is_enabled());
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = exp(x);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn_name(), "");
  }
  EXPECT_FALSE(InferenceMode::is_enabled());
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE(exp(x).requires_grad());
}

}  // namespace
}  // namespace mica::autograd
