// The op table's autograd column: every differentiable row is gradchecked in float64 through its
// grad_run on all of its samples (contiguous, non-contiguous, broadcast, zero-size), and rows
// marked gradgrad are also gradgradchecked. Coverage: a differentiable row without grad_run, or a
// required second-order op without the gradgrad flag, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "autograd/gradcheck.h"
#include "op_table.h"

namespace mica::test {
namespace {

const autograd::GradcheckOptions kOpts{.eps = 1e-6, .atol = 1e-5, .rtol = 1e-3};

std::vector<const OpInfo*> differentiable_rows() {
  std::vector<const OpInfo*> rows;
  for (const OpInfo& op : all_op_infos())
    if (op.differentiable && op.grad_run) rows.push_back(&op);
  return rows;
}

bool checked_input(const OpInfo& op, const Sample& s, size_t i) {
  const Tensor& t = s.inputs[i];
  if (!t.defined() || !is_floating(t.dtype())) return false;
  if (op.grad_inputs.empty()) return true;
  return std::find(op.grad_inputs.begin(), op.grad_inputs.end(), i) != op.grad_inputs.end();
}

// Samples of NaN/inf edge values test the forward only: derivatives are undefined there.
bool all_finite(const Sample& s) {
  for (const Tensor& t : s.inputs) {
    if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) continue;
    for (double v : values(t))
      if (!std::isfinite(v)) return false;
  }
  return true;
}

// Samples whose forward gives NaN/inf (e.g. a mean loss over only ignored targets, a variance
// with N - correction <= 0) have no derivative to compare either.
bool outputs_finite(const OpInfo& op, const Sample& s) {
  for (const Tensor& t : op.run(s)) {
    if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) continue;
    for (double v : values(t))
      if (!std::isfinite(v)) return false;
  }
  return true;
}

// The sample's checked inputs as float64 leaves that keep their strides (non-contiguous samples
// stay non-contiguous), and grad_run as a function of all inputs.
struct Prepared {
  std::vector<Tensor> inputs;
  autograd::TensorFn fn;
  bool any_checked = false;
};

Prepared prepare(const OpInfo& op, const Sample& sample) {
  Prepared p;
  for (size_t i = 0; i < sample.inputs.size(); ++i) {
    Tensor t = sample.inputs[i];
    if (checked_input(op, sample, i)) {
      MICA_CHECK(t.dtype() == kFloat64, op.name, ": float64 sample has a ", dtype_name(t.dtype()),
                 " input ", i);
      t = t.detach();
      t.requires_grad_(true);
      p.any_checked = true;
    }
    p.inputs.push_back(t);
  }
  p.fn = [&op, sample](const std::vector<Tensor>& xs) {
    Sample s = sample;
    s.inputs = xs;
    return op.grad_run(s);
  };
  return p;
}

class OpTableGrad : public ::testing::TestWithParam<const OpInfo*> {};

void run_checks(const OpInfo& op, bool second_order) {
  std::mt19937_64 rng(std::hash<std::string>{}(op.name) ^ static_cast<uint64_t>(kFloat64));
  const auto samples = op.samples(kFloat64, rng);
  ASSERT_FALSE(samples.empty()) << op.name;
  int checked = 0;
  for (Sample s : samples) {
    s.dtype = kFloat64;
    if (!s.gradcheck || !all_finite(s) || !outputs_finite(op, s)) continue;
    SCOPED_TRACE(op.name + " sample " + s.desc);
    Prepared p = prepare(op, s);
    if (!p.any_checked) continue;
    const auto result = second_order ? autograd::gradgradcheck(p.fn, p.inputs, kOpts)
                                     : autograd::gradcheck(p.fn, p.inputs, kOpts);
    EXPECT_TRUE(result.ok) << result.message;
    ++checked;
  }
  EXPECT_GT(checked, 0) << op.name << ": no sample has an input to check";
}

TEST_P(OpTableGrad, Gradcheck) {
  run_checks(*GetParam(), false);
}

TEST_P(OpTableGrad, Gradgradcheck) {
  if (!GetParam()->gradgrad) GTEST_SKIP() << "first order only";
  run_checks(*GetParam(), true);
}

std::string row_name(const ::testing::TestParamInfo<const OpInfo*>& info) {
  return info.param->name;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTableGrad, ::testing::ValuesIn(differentiable_rows()), row_name);

TEST(OpTableGradCoverage, EveryDifferentiableRowHasABackward) {
  for (const OpInfo& op : all_op_infos()) {
    if (!op.differentiable) continue;
    EXPECT_TRUE(static_cast<bool>(op.grad_run))
        << op.name << " is differentiable but has no grad_run";
    EXPECT_TRUE(std::count(op.dtypes.begin(), op.dtypes.end(), kFloat64))
        << op.name << " is differentiable but not sampled in float64";
  }
}

// The ops a gradient penalty or guidance needs to second order.
TEST(OpTableGradCoverage, SecondOrderOps) {
  const std::set<std::string> required = {
      "add",  "sub",    "mul",        "div",         "exp",        "log",       "tanh",   "sigmoid",
      "gelu", "silu",   "pow_scalar", "matmul",      "mm",         "bmm",       "linear", "sum",
      "mean", "conv2d", "softmax",    "log_softmax", "layer_norm", "group_norm"};
  std::map<std::string, const OpInfo*> by_name;
  for (const OpInfo& op : all_op_infos()) by_name[op.name] = &op;
  for (const std::string& name : required) {
    auto it = by_name.find(name);
    ASSERT_NE(it, by_name.end()) << "no row " << name;
    EXPECT_TRUE(it->second->gradgrad) << name << " needs the gradgrad flag";
  }
}

}  // namespace
}  // namespace mica::test
