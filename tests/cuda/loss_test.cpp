// CUDA NLL / cross-entropy kernels (tensor/cuda/loss.cu) against the CPU ops: GPT-2-sized
// [64, 50257] logits with ignore_index, class weights and label smoothing under every
// reduction, [N, C, d] layouts, probability targets, 16-bit logits, all-ignored and empty
// batches, and the out-of-range target and mixed-device errors. Every test skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mica.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops/nn.h"

namespace mica {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no GPU"

using ops::Reduction;

const Device kGpu(kCUDA);

Tensor gpu(const Tensor& t) {
  return t.defined() ? t.to(kGpu) : t;
}

// expected: a CPU result; got: the same op's CUDA result (NaN matches NaN).
void expect_close(const Tensor& expected, const Tensor& got, double atol, double rtol,
                  const std::string& what) {
  ASSERT_TRUE(got.is_cuda()) << what;
  ASSERT_EQ(expected.sizes(), got.sizes()) << what;
  ASSERT_EQ(expected.dtype(), got.dtype()) << what;
  const Tensor e = expected.contiguous().to(kFloat64);
  const Tensor g = got.cpu().contiguous().to(kFloat64);
  const double* pe = e.data_ptr<double>();
  const double* pg = g.data_ptr<double>();
  int64_t bad = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    const bool ok = (std::isnan(pe[i]) && std::isnan(pg[i])) ||
                    std::abs(pe[i] - pg[i]) <= atol + rtol * std::abs(pe[i]);
    if (!ok && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << " expected " << pe[i] << ", got " << pg[i];
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << e.numel() << " elements differ";
}

void expect_same_forward(const ops::LossForward& c, const ops::LossForward& g, double tol,
                         const std::string& what) {
  expect_close(c.loss, g.loss, tol, tol, what + " loss");
  expect_close(c.total_weight, g.total_weight, tol, tol, what + " total_weight");
  if (c.lse.defined()) expect_close(c.lse, g.lse, tol, tol, what + " lse");
}

// Class-index targets in [0, classes) with about one in eight set to ignore.
Tensor targets(const Shape& shape, int64_t classes, int64_t ignore, Generator& gen) {
  Tensor t = randint(0, classes, shape, std::nullopt, &gen).contiguous();
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); i += 8) p[i] = ignore;
  return t;
}

const char* reduction_name(Reduction r) {
  return r == Reduction::None ? "none" : r == Reduction::Mean ? "mean" : "sum";
}

TEST(CudaLoss, CrossEntropyGpt2VocabWithIgnoreWeightsAndSmoothing) {
  SKIP_WITHOUT_GPU();
  Generator gen(11);
  const int64_t n = 64, classes = 50257;
  const Tensor logits = ops::mul(randn({n, classes}, TensorOptions(kFloat32), &gen), 3.0);
  const Tensor tgt = targets({n}, classes, -100, gen);
  const Tensor w = ops::add(rand({classes}, TensorOptions(kFloat32), &gen), 0.5);
  const Tensor lg = gpu(logits), tg = gpu(tgt), wg = gpu(w);
  for (const Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (const bool weighted : {false, true})
      for (const double ls : {0.0, 0.1}) {
        const std::string what = std::string("cross_entropy ") + reduction_name(red) +
                                 (weighted ? " weighted" : "") + " smoothing " + std::to_string(ls);
        const auto c =
            ops::cross_entropy_forward(logits, tgt, weighted ? w : Tensor(), red, -100, ls);
        const auto g = ops::cross_entropy_forward(lg, tg, weighted ? wg : Tensor(), red, -100, ls);
        expect_same_forward(c, g, 1e-4, what);
      }
  // deterministic: a second run gives the same bits
  const auto a = ops::cross_entropy_forward(lg, tg, wg, Reduction::Mean, -100, 0.1);
  const auto b = ops::cross_entropy_forward(lg, tg, wg, Reduction::Mean, -100, 0.1);
  EXPECT_EQ(a.loss.cpu().item<float>(), b.loss.cpu().item<float>());
  expect_close(a.lse.cpu(), b.lse, 0, 0, "cross_entropy lse run to run");
}

TEST(CudaLoss, CrossEntropySixteenBitLogits) {
  SKIP_WITHOUT_GPU();
  Generator gen(12);
  const int64_t classes = 50257;
  for (const DType dt : {kBFloat16, kFloat16}) {
    const Tensor logits = ops::mul(randn({8, classes}, TensorOptions(kFloat32), &gen), 2.0).to(dt);
    const Tensor tgt = targets({8}, classes, 7, gen);
    const auto c = ops::cross_entropy_forward(logits, tgt, Tensor(), Reduction::Mean, 7, 0.1);
    const auto g =
        ops::cross_entropy_forward(gpu(logits), gpu(tgt), Tensor(), Reduction::Mean, 7, 0.1);
    expect_same_forward(c, g, 1e-2, std::string("cross_entropy ") + dtype_name(dt));
  }
}

TEST(CudaLoss, RowWidthsAndSpatialLayout) {
  SKIP_WITHOUT_GPU();
  Generator gen(13);
  for (const int64_t classes : {3, 64, 1000, 5000}) {
    const Tensor logits = randn({33, classes}, TensorOptions(kFloat64), &gen);
    const Tensor tgt = targets({33}, classes, -100, gen);
    const auto c = ops::cross_entropy_forward(logits, tgt, Tensor(), Reduction::None, -100, 0.2);
    const auto g =
        ops::cross_entropy_forward(gpu(logits), gpu(tgt), Tensor(), Reduction::None, -100, 0.2);
    expect_same_forward(c, g, 1e-10, "cross_entropy float64 C=" + std::to_string(classes));
  }
  // [N, C, d1, d2]: rows of stride d1 * d2
  const Tensor logits = randn({3, 7, 4, 5}, TensorOptions(kFloat32), &gen);
  const Tensor tgt = targets({3, 4, 5}, 7, 2, gen);
  const Tensor w = ops::add(rand({7}, TensorOptions(kFloat32), &gen), 0.5);
  for (const Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const auto c = ops::cross_entropy_forward(logits, tgt, w, red, 2, 0.05);
    const auto g = ops::cross_entropy_forward(gpu(logits), gpu(tgt), gpu(w), red, 2, 0.05);
    expect_same_forward(c, g, 1e-5,
                        std::string("cross_entropy [3, 7, 4, 5] ") + reduction_name(red));
    const Tensor lp = ops::log_softmax(logits, 1);
    const auto cn = ops::nll_loss_forward(lp, tgt, w, red, 2);
    const auto gn = ops::nll_loss_forward(gpu(lp), gpu(tgt), gpu(w), red, 2);
    expect_same_forward(cn, gn, 1e-5, std::string("nll_loss [3, 7, 4, 5] ") + reduction_name(red));
  }
  // a 1-d input: one row, 0-d target
  const Tensor l1 = randn({10}, TensorOptions(kFloat32), &gen);
  const Tensor t1 = from_vector(std::vector<int64_t>{4}, {});
  expect_same_forward(ops::cross_entropy_forward(l1, t1),
                      ops::cross_entropy_forward(gpu(l1), gpu(t1)), 1e-5, "cross_entropy [10]");
}

TEST(CudaLoss, ProbabilityTargets) {
  SKIP_WITHOUT_GPU();
  Generator gen(14);
  const int64_t classes = 1000;
  const Tensor logits = ops::mul(randn({16, classes}, TensorOptions(kFloat32), &gen), 2.0);
  const Tensor q = ops::softmax(randn({16, classes}, TensorOptions(kFloat32), &gen), 1);
  const Tensor w = ops::add(rand({classes}, TensorOptions(kFloat32), &gen), 0.5);
  for (const Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const auto c = ops::cross_entropy_forward(logits, q, w, red, -100, 0.1);
    const auto g = ops::cross_entropy_forward(gpu(logits), gpu(q), gpu(w), red, -100, 0.1);
    expect_same_forward(c, g, 1e-4, std::string("cross_entropy probs ") + reduction_name(red));
  }
}

TEST(CudaLoss, AllIgnoredAndEmptyBatches) {
  SKIP_WITHOUT_GPU();
  const Tensor logits = randn({3, 4});
  const Tensor ignored = from_vector(std::vector<int64_t>{-100, -100, -100}, {3});
  const auto g = ops::cross_entropy_forward(gpu(logits), gpu(ignored));
  EXPECT_TRUE(std::isnan(g.loss.cpu().item<double>()));
  EXPECT_EQ(g.total_weight.cpu().item<double>(), 0.0);
  const Tensor empty_logits = randn({0, 4});
  const Tensor empty_tgt = from_vector(std::vector<int64_t>{}, {0});
  for (const Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const auto c = ops::cross_entropy_forward(empty_logits, empty_tgt, Tensor(), red);
    const auto e = ops::cross_entropy_forward(gpu(empty_logits), gpu(empty_tgt), Tensor(), red);
    expect_same_forward(c, e, 0, std::string("cross_entropy [0, 4] ") + reduction_name(red));
  }
}

TEST(CudaLoss, ErrorsNameTheOp) {
  SKIP_WITHOUT_GPU();
  const Tensor logits = randn({4, 5}).to(kGpu);
  const Tensor bad = from_vector(std::vector<int64_t>{0, 5, 1, -100}, {4}).to(kGpu);
  try {
    ops::cross_entropy(logits, bad);
    FAIL() << "expected a mica::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cross_entropy: target value 5"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ops::nll_loss(logits, bad), Error);
  const Tensor ok = from_vector(std::vector<int64_t>{0, 1, 2, 3}, {4});
  EXPECT_THROW(ops::cross_entropy(logits, ok), Error);  // target on the CPU
}

}  // namespace
}  // namespace mica
