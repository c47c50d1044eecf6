// Coverage of the op table: every op the tensor layer promises (issue 2's list) has at least
// one row, so an op cannot ship without a reference test, and every row has a CUDA kernel. (The
// "has a backward" check lives with the gradcheck driver in tests/autograd.)
#include <gtest/gtest.h>

#include <set>

#include "op_table.h"

namespace mica::test {
namespace {

const std::vector<std::string> kRequiredOps = {
    // pointwise
    "add",
    "sub",
    "mul",
    "div",
    "add_scalar",
    "sub_scalar",
    "mul_scalar",
    "div_scalar",
    "neg",
    "abs",
    "sign",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "pow",
    "pow_scalar",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "erf",
    "relu",
    "gelu",
    "gelu_tanh",
    "silu",
    "softplus",
    "leaky_relu",
    "clamp",
    "floor",
    "ceil",
    "round",
    "minimum",
    "maximum",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_not",
    "where",
    "masked_fill",
    "lerp",
    "addcmul",
    "addcdiv",
    // reductions, scans, sorting
    "sum",
    "mean",
    "prod",
    "var",
    "std",
    "max_all",
    "max_dim",
    "min_all",
    "min_dim",
    "argmax",
    "argmin",
    "norm_p1",
    "norm_p2",
    "norm_pinf",
    "logsumexp",
    "all",
    "any",
    "cumsum",
    "cumprod",
    "topk",
    "sort",
    "argsort",
    // linear algebra
    "matmul",
    "mm",
    "bmm",
    "addmm",
    "linear",
    "outer",
    "einsum",
    // indexing and shape
    "index_select",
    "gather",
    "scatter",
    "scatter_add",
    "index_put_",
    "nonzero",
    "cat",
    "stack",
    "split",
    "chunk",
    "repeat",
    "repeat_interleave",
    "flip",
    "roll",
    "tril",
    "triu",
    "pad_constant",
    "pad_reflect",
    "pad_replicate",
    "one_hot",
    "embedding",
    // views and copies
    "view",
    "reshape",
    "permute",
    "transpose",
    "t",
    "expand",
    "squeeze",
    "unsqueeze",
    "flatten",
    "unflatten",
    "slice",
    "narrow",
    "select",
    "diagonal",
    "as_strided",
    "contiguous",
    "clone",
    "copy_",
    // nn kernels
    "softmax",
    "log_softmax",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d_with_indices",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "upsample_nearest2d",
    "upsample_bilinear2d",
    "layer_norm",
    "group_norm",
    "batch_norm_train",
    "batch_norm_eval",
    "dropout",
    "cross_entropy",
    "nll_loss",
    // random
    "rand",
    "randn",
    "randint",
    "bernoulli",
    "normal_",
    "uniform_",
    "multinomial",
    "randperm",
};

TEST(OpCoverage, EveryPromisedOpHasARow) {
  std::set<std::string> have;
  for (const OpInfo& op : all_op_infos()) have.insert(op.name);
  for (const std::string& name : kRequiredOps)
    EXPECT_TRUE(have.count(name)) << "no op-table row for " << name;
}

TEST(OpCoverage, RowsAreWellFormed) {
  std::set<std::string> names;
  for (const OpInfo& op : all_op_infos()) {
    EXPECT_TRUE(names.insert(op.name).second) << "duplicate row " << op.name;
    EXPECT_FALSE(op.dtypes.empty()) << op.name;
    EXPECT_TRUE(op.samples && op.run && op.reference) << op.name;
  }
}

// The CUDA column: a row says whether its op has a CUDA kernel; tests/cuda/op_parity_test.cpp
// compares every such row with the CPU on a GPU.
TEST(OpCoverage, EveryRowHasACudaKernel) {
  for (const OpInfo& op : all_op_infos())
    EXPECT_TRUE(op.cuda) << op.name << " has no CUDA kernel (its op-table row says cuda = false)";
}

}  // namespace
}  // namespace mica::test
