// Reduction, scan and sorting semantics the op table cannot express: result dtypes, NaN
// propagation, ties, stability, accuracy of long sums, determinism across thread counts,
// numerically stable logsumexp, and the error messages of common mistakes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.h"

namespace mica::test {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Reduction, ResultDtypes) {
  std::mt19937_64 rng(1);
  for (DType dt : {kBool, kUInt8, kInt32, kInt64}) {
    const Tensor x = rand_tensor({3, 4}, dt, rng, 0, 3);
    EXPECT_EQ(ops::sum(x).dtype(), kInt64) << dtype_name(dt);
    EXPECT_EQ(ops::prod(x, {1}).dtype(), kInt64) << dtype_name(dt);
    EXPECT_EQ(ops::cumsum(x, 0).dtype(), kInt64) << dtype_name(dt);
    EXPECT_EQ(ops::cumprod(x, 1).dtype(), kInt64) << dtype_name(dt);
    EXPECT_EQ(ops::max(x).dtype(), dt);
    EXPECT_EQ(ops::amin(x, {0}).dtype(), dt);
    EXPECT_EQ(ops::max(x, 1).values.dtype(), dt);
    EXPECT_EQ(ops::max(x, 1).indices.dtype(), kInt64);
    EXPECT_EQ(ops::argmin(x).dtype(), kInt64);
    EXPECT_EQ(ops::all(x).dtype(), kBool);
    EXPECT_EQ(ops::any(x, {1}).dtype(), kBool);
    EXPECT_EQ(ops::sort(x).values.dtype(), dt);
  }
  for (DType dt : {kFloat16, kBFloat16, kFloat32, kFloat64}) {
    const Tensor x = rand_tensor({3, 4}, dt, rng);
    for (const Tensor& r : {ops::sum(x), ops::prod(x), ops::mean(x), ops::var(x), ops::std(x),
                            ops::norm(x), ops::logsumexp(x, {1}), ops::cumsum(x, 0)})
      EXPECT_EQ(r.dtype(), dt);
    EXPECT_EQ(ops::topk(x, 2).indices.dtype(), kInt64);
  }
  // an explicit dtype converts first
  const Tensor i = from_values({3}, {1, 2, 3}, kInt32);
  EXPECT_EQ(ops::sum(i, {}, false, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(ops::sum(i, {}, false, kInt32).dtype(), kInt32);
  EXPECT_EQ(ops::cumsum(i, 0, kFloat32).dtype(), kFloat32);
  EXPECT_EQ(ops::sum(i, {}, false, kFloat64).item<double>(), 6.0);
}

TEST(Reduction, ResultShapes) {
  const Tensor x = zeros({2, 3, 4});
  EXPECT_EQ(ops::sum(x).sizes(), Shape{});
  EXPECT_EQ(ops::sum(x, {}, true).sizes(), (Shape{1, 1, 1}));
  EXPECT_EQ(ops::sum(x, 1).sizes(), (Shape{2, 4}));
  EXPECT_EQ(ops::sum(x, {-1, 0}, true).sizes(), (Shape{1, 3, 1}));
  EXPECT_EQ(ops::sum(x, std::vector<int64_t>{0, 2}).sizes(), (Shape{3}));
  EXPECT_EQ(ops::max(x, 2, true).indices.sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(ops::argmax(x, std::nullopt, true).sizes(), (Shape{1, 1, 1}));
  EXPECT_EQ(ops::argmax(x).sizes(), Shape{});
  EXPECT_EQ(ops::topk(x, 2, 1).values.sizes(), (Shape{2, 2, 4}));
  // a 0-d tensor accepts dim 0 / -1 and reduces nothing
  const Tensor s = full({}, 3.5);
  EXPECT_EQ(ops::sum(s, 0).item<double>(), 3.5);
  EXPECT_EQ(ops::max(s, -1).indices.item<int64_t>(), 0);
  EXPECT_EQ(ops::cumsum(s, 0).sizes(), Shape{});
}

TEST(Reduction, EmptyInputs) {
  const Tensor e = zeros({0, 3});
  EXPECT_EQ(ops::sum(e).item<double>(), 0.0);
  EXPECT_EQ(ops::prod(e).item<double>(), 1.0);
  EXPECT_EQ(values(ops::sum(e, 0)), (std::vector<double>{0, 0, 0}));
  EXPECT_TRUE(std::isnan(ops::mean(e).item<double>()));
  EXPECT_EQ(ops::norm(e).item<double>(), 0.0);
  EXPECT_EQ(ops::logsumexp(e).item<double>(), -kInf);
  EXPECT_TRUE(ops::all(e).item<bool>());
  EXPECT_FALSE(ops::any(e).item<bool>());
  EXPECT_EQ(ops::amax(e, 1).sizes(), Shape{0});  // no outputs: fine
  EXPECT_MICA_ERROR(ops::max(e), "max", "[0, 3]", "no identity");
  EXPECT_MICA_ERROR(ops::amax(e, 0), "amax", "[0, 3]");
  EXPECT_MICA_ERROR(ops::min(e, 0), "min", "dim 0", "[0, 3]");
  EXPECT_MICA_ERROR(ops::argmax(e), "argmax", "[0, 3]");
  EXPECT_MICA_ERROR(ops::norm(e, kInf), "norm", "inf");
}

TEST(Reduction, NaNPropagates) {
  const Tensor x = from_values({5}, {1, kNaN, 7, kNaN, -3}).to(kFloat32);
  EXPECT_TRUE(std::isnan(ops::sum(x).item<double>()));
  EXPECT_TRUE(std::isnan(ops::max(x).item<double>()));
  EXPECT_TRUE(std::isnan(ops::min(x).item<double>()));
  EXPECT_TRUE(std::isnan(ops::amax(x, 0).item<double>()));
  const auto [v, i] = ops::max(x, 0);
  EXPECT_TRUE(std::isnan(v.item<double>()));
  EXPECT_EQ(i.item<int64_t>(), 1);  // the first NaN
  EXPECT_EQ(ops::argmin(x).item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(ops::norm(x, kInf).item<double>()));
  EXPECT_TRUE(std::isnan(ops::logsumexp(x).item<double>()));
  // also when NaN sits in a later chunk of a long (chunked) reduction
  std::vector<double> big(50000, 1.0);
  big[40000] = kNaN;
  const Tensor b = from_values({50000}, big).to(kFloat32);
  EXPECT_TRUE(std::isnan(ops::max(b).item<double>()));
  EXPECT_EQ(ops::argmax(b).item<int64_t>(), 40000);
  // sort: NaN above every number
  const auto sorted = ops::sort(x);
  const auto sv = values(sorted.values);
  EXPECT_EQ(sv[0], -3);
  EXPECT_EQ(sv[2], 7);
  EXPECT_TRUE(std::isnan(sv[3]) && std::isnan(sv[4]));
  EXPECT_EQ(values(sorted.indices), (std::vector<double>{4, 0, 2, 1, 3}));
  EXPECT_EQ(values(ops::topk(x, 2).indices), (std::vector<double>{1, 3}));
  EXPECT_EQ(values(ops::topk(x, 2, 0, false).indices), (std::vector<double>{4, 0}));
}

TEST(Reduction, TiesTakeTheFirstOccurrence) {
  const Tensor x = from_values({2, 5}, {1, 4, 2, 4, 4, 0, 0, -1, -1, 0}, kInt64);
  EXPECT_EQ(values(ops::argmax(x, 1)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(ops::argmin(x, 1)), (std::vector<double>{0, 2}));
  EXPECT_EQ(values(ops::max(x, 1).indices), (std::vector<double>{1, 0}));
  EXPECT_EQ(ops::argmax(x).item<int64_t>(), 1);
  // ties across chunk boundaries of a long reduction, and along dim 0 (tiled path)
  const Tensor big = zeros({3, 40000}, kFloat32);
  EXPECT_EQ(values(ops::argmax(big, 1)), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values(ops::argmax(zeros({40, 33}), 0)), std::vector<double>(33, 0.0));
  EXPECT_EQ(values(ops::argmin(zeros({40, 33}), 0)), std::vector<double>(33, 0.0));
}

TEST(Reduction, StableSortKeepsOrderOfDuplicates) {
  std::mt19937_64 rng(7);
  const Tensor x = rand_tensor({500}, kInt64, rng, 0, 5);  // many duplicates
  for (bool desc : {false, true}) {
    const auto [v, i] = ops::sort(x, 0, desc, true);
    const auto vv = values(v), iv = values(i), xv = values(x);
    for (size_t k = 0; k + 1 < vv.size(); ++k) {
      EXPECT_TRUE(desc ? vv[k] >= vv[k + 1] : vv[k] <= vv[k + 1]);
      if (vv[k] == vv[k + 1]) {
        EXPECT_LT(iv[k], iv[k + 1]) << "position " << k;
      }
    }
    for (size_t k = 0; k < vv.size(); ++k) EXPECT_EQ(xv[size_t(iv[k])], vv[k]);
    EXPECT_EQ(values(ops::argsort(x, 0, desc, true)), iv);
  }
}

TEST(Reduction, TopkEdgeSizes) {
  std::mt19937_64 rng(3);
  const Tensor x = rand_tensor({4, 6}, kFloat32, rng);
  const auto none = ops::topk(x, 0, 1);
  EXPECT_EQ(none.values.sizes(), (Shape{4, 0}));
  EXPECT_EQ(none.indices.sizes(), (Shape{4, 0}));
  const auto all = ops::topk(x, 6, 1);
  const auto sorted = ops::sort(x, 1, true);
  EXPECT_TRUE(all_close(all.values, sorted.values, {0, 0}));
  EXPECT_TRUE(all_close(all.indices, sorted.indices, {0, 0}));
  const auto smallest = ops::topk(x, 6, 1, false);
  EXPECT_TRUE(all_close(smallest.values, ops::sort(x, 1).values, {0, 0}));
}

TEST(Reduction, LongFloatSumIsAccurate) {
  std::mt19937_64 rng(11);
  const int64_t n = 100000;
  const Tensor x = rand_tensor({n}, kFloat32, rng, 0, 1);  // mean 0.5: naive float sums drift
  double ref = 0;
  for (double v : values(x)) ref += v;
  const double got = ops::sum(x).item<double>();
  EXPECT_NEAR(got, ref, 1e-5 * std::fabs(ref));
  EXPECT_NEAR(ops::mean(x).item<double>(), ref / n, 1e-5 * std::fabs(ref / n));
  // along a dim too (rows of 100k, strided columns of 100k)
  const Tensor rows = x.view({1, n}).expand({3, n});
  for (double v : values(ops::sum(rows, 1))) EXPECT_NEAR(v, ref, 1e-5 * std::fabs(ref));
  for (double v : values(ops::sum(rows.t(), 0))) EXPECT_NEAR(v, ref, 1e-5 * std::fabs(ref));
  // 16-bit floats accumulate in float
  const Tensor h = ops::sum(x.to(kBFloat16));
  double href = 0;
  for (double v : values(x.to(kBFloat16))) href += v;
  EXPECT_NEAR(h.item<double>(), href, 1e-2 * href);
  // variance of data far from zero (Welford, no catastrophic cancellation)
  const Tensor shifted = from_values({4}, {1e4 + 4, 1e4 + 7, 1e4 + 13, 1e4 + 16}).to(kFloat32);
  EXPECT_NEAR(ops::var(shifted).item<double>(), 30.0, 1e-4);
}

TEST(Reduction, DeterministicAcrossThreadCounts) {
  std::mt19937_64 rng(5);
  const Tensor x = rand_tensor({3, 70001}, kFloat32, rng);
  const int before = get_num_threads();
  set_num_threads(1);
  const auto one = values(ops::sum(x, 1));
  const auto one_all = ops::sum(x).item<double>();
  const auto one_var = ops::var(x).item<double>();
  set_num_threads(std::max(before, 4));
  EXPECT_EQ(values(ops::sum(x, 1)), one);
  EXPECT_EQ(ops::sum(x).item<double>(), one_all);
  EXPECT_EQ(ops::var(x).item<double>(), one_var);
  set_num_threads(before);
}

TEST(Reduction, LogSumExpIsStable) {
  const Tensor x = from_values({2, 3}, {1000, 1000, 1000, -1000, -1001, -1002}).to(kFloat32);
  const auto v = values(ops::logsumexp(x, 1));
  EXPECT_NEAR(v[0], 1000 + std::log(3.0), 1e-3);
  EXPECT_NEAR(v[1], -1000 + std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-3);
  const Tensor inf = from_values({3}, {-kInf, -kInf, -kInf});
  EXPECT_EQ(ops::logsumexp(inf).item<double>(), -kInf);
  const Tensor pinf = from_values({3}, {1, kInf, kInf});
  EXPECT_EQ(ops::logsumexp(pinf).item<double>(), kInf);
}

TEST(Reduction, VarCorrection) {
  const Tensor x = from_values({3}, {1, 2, 4});  // mean 7/3, m2 = 14/3
  EXPECT_NEAR(ops::var(x).item<double>(), 7.0 / 3, 1e-12);
  EXPECT_NEAR(ops::var(x, {}, 0).item<double>(), 14.0 / 9, 1e-12);
  EXPECT_NEAR(ops::std(x, {}, 2).item<double>(), std::sqrt(14.0 / 3), 1e-12);
  EXPECT_EQ(ops::var(x, {}, 3).item<double>(), kInf);  // N - correction <= 0, like PyTorch
  EXPECT_TRUE(std::isnan(ops::var(from_values({1}, {5})).item<double>()));
}

TEST(Reduction, SumToUndoesBroadcasting) {
  std::mt19937_64 rng(2);
  const Tensor b = rand_tensor({3, 1}, kFloat32, rng);
  const Tensor g = ones({2, 3, 4});
  const Tensor r = ops::sum_to(g, b.sizes());
  EXPECT_EQ(r.sizes(), (Shape{3, 1}));
  EXPECT_EQ(values(r), (std::vector<double>{8, 8, 8}));
  EXPECT_TRUE(ops::sum_to(g, g.sizes()).is_same(g));
  EXPECT_EQ(ops::sum_to(ones({2, 3}, kInt32), {3}).dtype(), kInt32);
  EXPECT_MICA_ERROR(ops::sum_to(g, {5}), "sum_to", "[5]", "[2, 3, 4]");
  EXPECT_MICA_ERROR(ops::sum_to(ones({3}), {2, 3}), "sum_to", "[2, 3]", "[3]");
}

TEST(Reduction, ErrorMessages) {
  const Tensor x = zeros({2, 3});
  EXPECT_MICA_ERROR(ops::sum(x, 2), "sum", "dim 2", "out of range");
  EXPECT_MICA_ERROR(ops::sum(x, -3), "sum", "dim -3");
  EXPECT_MICA_ERROR(ops::max(x, 5), "max", "dim 5");
  EXPECT_MICA_ERROR(ops::argmax(x, 2), "argmax", "dim 2");
  EXPECT_MICA_ERROR(ops::sum(x, {0, -2}), "sum", "dim 0", "more than once");
  EXPECT_MICA_ERROR(ops::amax(x, {1, 1}), "amax", "more than once");
  const Tensor i = zeros({2, 3}, kInt64);
  EXPECT_MICA_ERROR(ops::mean(i), "mean", "int64", "[2, 3]", "floating");
  EXPECT_MICA_ERROR(ops::var(i), "var", "int64");
  EXPECT_MICA_ERROR(ops::std(i, 0), "std", "int64");
  EXPECT_MICA_ERROR(ops::norm(i), "norm", "int64");
  EXPECT_MICA_ERROR(ops::logsumexp(i), "logsumexp", "int64");
  EXPECT_MICA_ERROR(ops::topk(x, 4, 1), "topk", "k = 4", "size 3");
  EXPECT_MICA_ERROR(ops::topk(x, -1), "topk", "k = -1");
  EXPECT_MICA_ERROR(ops::topk(x, 1, 2), "topk", "dim 2");
  EXPECT_MICA_ERROR(ops::sort(x, -3), "sort", "dim -3");
  EXPECT_MICA_ERROR(ops::cumsum(x, 2), "cumsum", "dim 2");
  EXPECT_MICA_ERROR(ops::sum(Tensor()), "sum", "undefined");
}

}  // namespace
}  // namespace mica::test
