// Random ops beyond the op table: Philox known-answer vectors, the documented mapping
// reproduced by an independent reference, generator semantics (offsets, state round trips,
// independence, thread safety), thread-count independence of the parallel fills, sample
// statistics, dtypes, dropout edge cases and error messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "random_ref.h"
#include "tensor/cuda/runtime.h"
#include "tensor/kernels/philox.h"
#include "test_util.h"

namespace mica::test {
namespace {

// ---- Philox4x32-10 known-answer vectors (Random123 kat_vectors) ----
struct Kat {
  ref::Words4 ctr;
  std::array<uint32_t, 2> key;
  ref::Words4 expected;
};
const Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(Random, PhiloxKnownAnswers) {
  for (const Kat& k : kKats) {
    const kernels::PhiloxBlock b =
        kernels::philox4x32_10(k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3], k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(b.w[i], k.expected[i]) << "word " << i;
    EXPECT_EQ(ref::philox(k.ctr, k.key), k.expected);  // the test's own implementation too
  }
}

TEST(Random, BlockMappingMatchesReference) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{42}, ~uint64_t{0}, uint64_t{0x0123456789abcdef}})
    for (uint64_t block : {uint64_t{0}, uint64_t{1}, uint64_t{0xffffffff}, uint64_t{1} << 40})
      for (uint64_t w = 0; w < 4; ++w)
        EXPECT_EQ(kernels::philox_word(seed, block, w), ref::word(seed, block, w));
  // counter word 1 and key word 1 take the high halves
  const auto b = kernels::philox_block(0xa4093822'00000001ull, 0x85a308d3'243f6a88ull);
  const auto r = ref::philox({0x243f6a88, 0x85a308d3, 0, 0}, {0x00000001, 0xa4093822});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.w[i], r[i]);
}

// ---- the mapping reproduced by the reference on large draws, for any thread count ----
template <class F>
void for_thread_counts(const F& f) {
  const int saved = get_num_threads();
  for (int t : {1, 2, 3}) {
    set_num_threads(t);
    f(t);
  }
  set_num_threads(saved);
}

TEST(Random, LargeDrawsMatchReferenceForAnyThreadCount) {
  const int64_t n = 100003;  // several parallel chunks, an odd tail
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor u_ref = from_values({n}, ref::uniform(dt, 7, 5, n, 0, 1));
    const Tensor z_ref = from_values({n}, ref::normal(dt, 7, 5, n, 0, 1));
    for_thread_counts([&](int t) {
      SCOPED_TRACE("threads " + std::to_string(t));
      Generator g;
      g.set_state({7, 5});
      EXPECT_TRUE(all_close(rand({n}, dt, &g), u_ref, {0, 0}));
      g.set_state({7, 5});
      EXPECT_TRUE(all_close(randn({n}, dt, &g), z_ref, {0, 0}));
    });
  }
  const Tensor i_ref = from_values({n}, ref::randint(9, 0, n, -100, 1000));
  const Tensor p_ref = from_values({n}, ref::randperm(9, 0, n));
  const Tensor x = arange(n, kFloat32);
  auto [o_ref, m_ref] = ref::dropout(kFloat32, 9, 0, values(x), 0.3);
  for_thread_counts([&](int) {
    Generator g(9);
    EXPECT_TRUE(all_close(randint(-100, 1000, {n}, std::nullopt, &g), i_ref, {0, 0}));
    g.manual_seed(9);
    EXPECT_TRUE(all_close(randperm(n, std::nullopt, &g), p_ref, {0, 0}));
    g.manual_seed(9);
    auto r = ops::dropout(x, 0.3, true, &g);
    EXPECT_TRUE(all_close(r.output, from_values({n}, o_ref), {0, 0}));
    EXPECT_TRUE(all_close(r.mask, from_values({n}, m_ref), {0, 0}));
  });
  // multinomial parallelizes over rows
  const Tensor probs = rand({64, 50}, kFloat64, nullptr);
  Tensor first;
  for_thread_counts([&](int) {
    for (bool repl : {true, false}) {
      Generator g(3);
      Tensor m = multinomial(probs, 20, repl, &g);
      EXPECT_TRUE(all_close(
          m, from_values({64, 20}, ref::multinomial(3, 0, values(probs), 64, 50, 20, repl)),
          {0, 0}));
    }
  });
}

// ---- generator semantics ----
TEST(Random, OffsetAdvancesByBlocksPerDraw) {
  Generator g(1);
  EXPECT_EQ(g.offset(), 0u);
  rand({10}, kFloat32, &g);  // 10 words -> 3 blocks
  EXPECT_EQ(g.offset(), 3u);
  rand({10}, kFloat64, &g);  // 20 words -> 5 blocks
  EXPECT_EQ(g.offset(), 8u);
  randn({5}, kFloat32, &g);  // 3 pairs -> 6 words -> 2 blocks
  EXPECT_EQ(g.offset(), 10u);
  randn({5}, kFloat64, &g);  // 3 pairs -> 3 blocks
  EXPECT_EQ(g.offset(), 13u);
  randint(0, 10, {9}, std::nullopt, &g);  // 9 words -> 3 blocks
  EXPECT_EQ(g.offset(), 16u);
  randint(0, int64_t{1} << 40, {9}, std::nullopt, &g);  // 18 words -> 5 blocks
  EXPECT_EQ(g.offset(), 21u);
  randperm(3, std::nullopt, &g);  // 6 words -> 2 blocks
  EXPECT_EQ(g.offset(), 23u);
  rand({0}, kFloat32, &g);  // empty draws consume nothing
  EXPECT_EQ(g.offset(), 23u);
  // a draw of whole blocks continues exactly where the previous one ended
  g.manual_seed(5);
  const Tensor a = rand({8}, kFloat32, &g), b = rand({8}, kFloat32, &g);
  g.manual_seed(5);
  const auto both = values(rand({16}, kFloat32, &g));
  const auto va = values(a), vb = values(b);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(va[i], both[i]);
    EXPECT_EQ(vb[i], both[8 + i]);
  }
}

TEST(Random, SameSeedSameValuesAndStateRoundTrip) {
  Generator g1(123), g2(123), g3(124);
  const auto a = values(randn({50}, kFloat32, &g1));
  EXPECT_EQ(a, values(randn({50}, kFloat32, &g2)));
  EXPECT_NE(a, values(randn({50}, kFloat32, &g3)));
  // a checkpointed state reproduces the continuation
  const GeneratorState st = g1.get_state();
  EXPECT_EQ(st.seed, 123u);
  EXPECT_EQ(st.offset, g1.offset());
  const auto cont = values(rand({33}, kFloat64, &g1));
  const auto cont2 = values(randint(0, 1000, {7}, std::nullopt, &g1));
  Generator h;
  h.set_state(st);
  EXPECT_EQ(values(rand({33}, kFloat64, &h)), cont);
  EXPECT_EQ(values(randint(0, 1000, {7}, std::nullopt, &h)), cont2);
  EXPECT_EQ(h.get_state(), g1.get_state());
  // manual_seed restarts the stream
  g1.manual_seed(123);
  EXPECT_EQ(values(randn({50}, kFloat32, &g1)), a);
  EXPECT_EQ(g1.initial_seed(), 123u);
}

TEST(Random, GeneratorsAreIndependent) {
  Generator a(77), b(77);
  const auto ref_a = values(rand({20}, kFloat32, &a));
  a.manual_seed(77);
  rand({1000}, kFloat32, &b);  // drawing from b does not move a
  EXPECT_EQ(values(rand({20}, kFloat32, &a)), ref_a);
  EXPECT_EQ(a.offset(), 5u);
  EXPECT_EQ(b.offset(), 250u);
}

TEST(Random, DefaultGeneratorAndManualSeed) {
  manual_seed(2024);
  const auto a = values(rand({16}));
  const auto an = values(randn({16}));
  Generator g(2024);
  EXPECT_EQ(values(rand({16}, kFloat32, &g)), a);
  EXPECT_EQ(values(randn({16}, kFloat32, &g)), an);
  manual_seed(2024);
  EXPECT_EQ(values(rand({16})), a);
  EXPECT_EQ(default_generator().initial_seed(), 2024u);
  // each device has its own default generator, seeded alike
  EXPECT_EQ(default_generator(Device(kCUDA, 0)).initial_seed(), 2024u);
  EXPECT_NE(&default_generator(Device(kCUDA, 0)), &default_generator());
  manual_seed(7);
  EXPECT_EQ(default_generator(Device(kCUDA, 0)).get_state(), (GeneratorState{7, 0}));
  EXPECT_EQ(default_generator(Device(kCUDA, 3)).get_state(), (GeneratorState{7, 0}));
}

TEST(Random, ConcurrentDrawsGetDisjointRanges) {
  Generator g(11);
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> offsets(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 500; ++k) offsets[t].push_back(g.reserve(3).offset);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(g.offset(), 4u * 500u * 3u);
  std::set<uint64_t> all;
  for (const auto& v : offsets) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 2000u);
  for (uint64_t o : all) EXPECT_EQ(o % 3, 0u);
}

// ---- statistics (1e6 samples; bounds are several standard errors) ----
struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

TEST(Random, UniformStatistics) {
  const int64_t n = 1000000;
  Generator g(31);
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    const auto v = values(rand({n}, dt, &g));
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.5, 5 * std::sqrt(1.0 / 12 / n) + (dt == kBFloat16 ? 2e-3 : 0));
    EXPECT_NEAR(m.var, 1.0 / 12, 3e-4 + (dt == kBFloat16 ? 1e-3 : 0));
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0);
  }
  Tensor t = empty({n}, kBFloat16);
  ops::uniform_(t, -2, 6, &g);  // bfloat16 rounding never reaches `to`
  const auto v = values(t);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 6.0);
  EXPECT_NEAR(moments(v).mean, 2.0, 0.05);
}

TEST(Random, NormalStatisticsAndTails) {
  const int64_t n = 1000000;
  Generator g(99);
  for (DType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const auto v = values(randn({n}, dt, &g));
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0, 5 * std::sqrt(1.0 / n));
    EXPECT_NEAR(m.var, 1, 5 * std::sqrt(2.0 / n));
    // tail masses P(|z| > k) against erfc(k / sqrt 2), within 5 binomial standard errors
    for (double k : {1.0, 2.0, 3.0, 4.0}) {
      const double p = std::erfc(k / std::sqrt(2.0));
      const double got = static_cast<double>(std::count_if(
                             v.begin(), v.end(), [k](double x) { return std::fabs(x) > k; })) /
                         n;
      EXPECT_NEAR(got, p, 5 * std::sqrt(p * (1 - p) / n) + 1e-6) << "k = " << k;
    }
    // the cos and sin halves of each pair are uncorrelated
    double cross = 0;
    for (int64_t j = 0; j + 1 < n; j += 2) cross += v[j] * v[j + 1];
    EXPECT_NEAR(cross / (n / 2), 0, 5 * std::sqrt(2.0 / n));
  }
  const auto w = values(normal(3, 0.5, {n}, kFloat32, &g));
  EXPECT_NEAR(moments(w).mean, 3, 5 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(moments(w).var, 0.25, 5 * 0.25 * std::sqrt(2.0 / n));
}

TEST(Random, RandintBoundsAndCoverage) {
  Generator g(5);
  const int64_t n = 1000000;
  const auto v = values(randint(-3, 7, {n}, std::nullopt, &g));
  std::vector<int64_t> count(10);
  for (double x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 7);
    ASSERT_EQ(x, std::floor(x));
    ++count[static_cast<size_t>(x + 3)];
  }
  for (int64_t c : count) EXPECT_NEAR(c / double(n), 0.1, 5 * std::sqrt(0.09 / n));
  // a range wider than 2^32 stays in bounds and reaches both halves
  const auto w = values(randint(-(int64_t{1} << 50), int64_t{1} << 50, {10000}, std::nullopt, &g));
  int64_t neg = 0;
  for (double x : w) {
    ASSERT_GE(x, -std::ldexp(1, 50));
    ASSERT_LT(x, std::ldexp(1, 50));
    neg += x < 0;
  }
  EXPECT_NEAR(neg / 10000.0, 0.5, 0.03);
  // randint(high) is [0, high); uint8 and bool
  const auto u8 = values(randint(256, {5000}, kUInt8, &g));
  EXPECT_EQ(*std::max_element(u8.begin(), u8.end()), 255);
  EXPECT_EQ(*std::min_element(u8.begin(), u8.end()), 0);
  const auto b = values(randint(0, 2, {5000}, kBool, &g));
  EXPECT_NEAR(moments(b).mean, 0.5, 0.05);
}

TEST(Random, BernoulliRates) {
  Generator g(8);
  const int64_t n = 1000000;
  for (double p : {0.0, 0.1, 0.5, 0.97, 1.0}) {
    Tensor t = empty({n}, kFloat32);
    ops::bernoulli_(t, p, &g);
    const double rate = moments(values(t)).mean;
    EXPECT_NEAR(rate, p, 5 * std::sqrt(p * (1 - p) / n) + 1e-9) << "p = " << p;
  }
  // per-element probabilities: alternating 0.2 / 0.8
  std::vector<double> pv(n);
  for (int64_t i = 0; i < n; ++i) pv[i] = i % 2 ? 0.8 : 0.2;
  const auto r = values(bernoulli(from_values({n}, pv, kFloat32), &g));
  double even = 0, odd = 0;
  for (int64_t i = 0; i < n; ++i) (i % 2 ? odd : even) += r[i];
  EXPECT_NEAR(even / (n / 2), 0.2, 5 * std::sqrt(0.16 / (n / 2)));
  EXPECT_NEAR(odd / (n / 2), 0.8, 5 * std::sqrt(0.16 / (n / 2)));
  // bernoulli(self, p) is shaped like self, its dtype
  const Tensor s = bernoulli(zeros({3, 4}, kInt32), 0.5, &g);
  EXPECT_EQ(s.dtype(), kInt32);
  EXPECT_EQ(s.sizes(), (Shape{3, 4}));
  // broadcast p into an in-place fill
  Tensor t = empty({4, 3}, kFloat64);
  ops::bernoulli_(t, from_values({3}, {0, 1, 0}), &g);
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0}));
}

TEST(Random, MultinomialFrequencies) {
  Generator g(13);
  const std::vector<double> p{0.1, 0.0, 0.2, 0.3, 0.4};
  const Tensor probs = from_values({5}, {1, 0, 2, 3, 4}, kFloat32);  // unnormalized
  const int64_t n = 500000;
  const auto s = values(multinomial(probs, n, true, &g));
  std::vector<double> freq(5);
  for (double x : s) freq[static_cast<size_t>(x)] += 1.0 / n;
  for (int c = 0; c < 5; ++c)
    EXPECT_NEAR(freq[c], p[c], 5 * std::sqrt(p[c] * (1 - p[c]) / n)) << "category " << c;
  // without replacement: no repeats, the first draw is proportional to p, the second follows
  // the conditional law (P(second = 0) = sum_j p_j * p_0 / (1 - p_j)).
  const int64_t rows = 200000;
  const Tensor many = probs.unsqueeze(0).expand({rows, 5}).contiguous();
  const Tensor m = multinomial(many, 4, false, &g);
  EXPECT_EQ(m.sizes(), (Shape{rows, 4}));
  const auto mv = values(m);
  std::vector<double> first(5), second0(1);
  for (int64_t r = 0; r < rows; ++r) {
    std::set<double> seen(mv.begin() + r * 4, mv.begin() + r * 4 + 4);
    ASSERT_EQ(seen.size(), 4u) << "row " << r;
    ASSERT_EQ(seen.count(1.0), 0u) << "a zero-probability category was drawn";
    first[static_cast<size_t>(mv[r * 4])] += 1.0 / rows;
    second0[0] += mv[r * 4 + 1] == 0 ? 1.0 / rows : 0;
  }
  for (int c = 0; c < 5; ++c)
    EXPECT_NEAR(first[c], p[c], 5 * std::sqrt(p[c] * (1 - p[c]) / rows)) << "category " << c;
  double want0 = 0;
  for (int j = 2; j < 5; ++j) want0 += p[j] * p[0] / (1 - p[j]);
  EXPECT_NEAR(second0[0], want0, 5 * std::sqrt(want0 * (1 - want0) / rows));
  // exactly as many samples as nonzero categories: a permutation of them
  const auto all = values(multinomial(probs, 4, false, &g));
  EXPECT_EQ(std::set<double>(all.begin(), all.end()), (std::set<double>{0, 2, 3, 4}));
  EXPECT_EQ(multinomial(probs, 2, false, &g).dtype(), kInt64);
}

TEST(Random, RandpermIsAUniformPermutation) {
  Generator g(21);
  for (int64_t n : {1, 2, 10, 1000}) {
    const Tensor p = randperm(n, std::nullopt, &g);
    EXPECT_EQ(p.dtype(), kInt64);
    auto v = values(p);
    std::sort(v.begin(), v.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v[i], i);
  }
  EXPECT_EQ(randperm(0, std::nullopt, &g).numel(), 0);
  // all 6 permutations of 3 equally likely
  std::map<std::vector<double>, int> count;
  const int trials = 60000;
  for (int t = 0; t < trials; ++t) ++count[values(randperm(3, std::nullopt, &g))];
  EXPECT_EQ(count.size(), 6u);
  for (const auto& [perm, c] : count) EXPECT_NEAR(c / double(trials), 1.0 / 6, 0.01);
  EXPECT_EQ(randperm(5, kInt32, &g).dtype(), kInt32);
}

// ---- dtypes and options ----
TEST(Random, DTypesAndOptions) {
  Generator g(4);
  EXPECT_EQ(rand({2}).dtype(), kFloat32);
  EXPECT_EQ(randn({2}, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(randint(0, 5, {2}).dtype(), kInt64);
  EXPECT_EQ(randint(0, 5, {2}, kFloat32).dtype(), kFloat32);
  EXPECT_EQ(bernoulli(rand({3}, kFloat16)).dtype(), kFloat16);
  EXPECT_EQ(rand({2}, TensorOptions(kFloat32).requires_grad(true)).requires_grad(), true);
  const Tensor x = zeros({2, 3}, kBFloat16);
  EXPECT_EQ(rand_like(x).dtype(), kBFloat16);
  EXPECT_EQ(randn_like(x).sizes(), (Shape{2, 3}));
  EXPECT_EQ(randn_like(x, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(randint_like(x, 0, 3).dtype(), kBFloat16);
  // rand_like draws the same numbers as rand with the same state
  Generator a(6), b(6);
  EXPECT_EQ(values(rand_like(x, std::nullopt, &a)), values(rand({2, 3}, kBFloat16, &b)));
  // in-place fills bump the version and keep the layout
  Tensor t = zeros({4, 5}).t();
  const uint64_t v0 = t.version();
  ops::normal_(t, 0, 1, &g);
  EXPECT_GT(t.version(), v0);
  EXPECT_EQ(t.sizes(), (Shape{5, 4}));
}

// ---- dropout ----
TEST(Random, DropoutScalesKeptAndCountsEdgeCases) {
  Generator g(17);
  const Tensor x = rand({100000}, kFloat32, &g);
  auto r = ops::dropout(x, 0.25, true, &g);
  EXPECT_EQ(r.mask.dtype(), kBool);
  const auto xv = values(x), ov = values(r.output), mv = values(r.mask);
  double kept = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    kept += mv[i];
    ASSERT_NEAR(ov[i], xv[i] * mv[i] / 0.75, 1e-6) << "element " << i;
  }
  EXPECT_NEAR(kept / xv.size(), 0.75, 5 * std::sqrt(0.75 * 0.25 / xv.size()));
  // p = 0 and evaluation: a copy of x, mask all true, nothing drawn
  const uint64_t off = g.offset();
  for (auto res : {ops::dropout(x, 0, true, &g), ops::dropout(x, 0.5, false, &g)}) {
    EXPECT_EQ(values(res.output), xv);
    EXPECT_FALSE(res.output.is_same(x));
    EXPECT_EQ(moments(values(res.mask)).mean, 1.0);
  }
  // p = 1: all zero, mask all false
  auto one = ops::dropout(x, 1, true, &g);
  EXPECT_EQ(moments(values(one.output)).var, 0.0);
  EXPECT_EQ(values(one.output)[0], 0.0);
  EXPECT_EQ(moments(values(one.mask)).mean, 0.0);
  EXPECT_EQ(g.offset(), off);
  // non-contiguous input
  const Tensor xt = rand({30, 40}, kFloat64, &g).t();
  auto rt = ops::dropout(xt, 0.5, true, &g);
  EXPECT_EQ(rt.output.sizes(), (Shape{40, 30}));
}

// ---- error messages ----
TEST(Random, Errors) {
  EXPECT_MICA_ERROR(randint(3, 3, {2}), "randint", "low=3", "high=3");
  EXPECT_MICA_ERROR(randint(5, 1, {2}), "randint", "low=5");
  EXPECT_MICA_ERROR(randint(0, 300, {2}, kUInt8), "randint", "uint8");
  EXPECT_MICA_ERROR(multinomial(from_values({3}, {0.5, -0.1, 0.2}), 1), "multinomial",
                    "non-negative", "-0.1");
  EXPECT_MICA_ERROR(multinomial(from_values({2}, {0, 0}), 1), "multinomial", "sum");
  EXPECT_MICA_ERROR(multinomial(from_values({3}, {0.5, 0, 0.5}), 3, false), "multinomial",
                    "without replacement", "2 nonzero");
  EXPECT_MICA_ERROR(multinomial(from_values({3}, {0.5, 0, 0.5}), 0), "multinomial", "num_samples");
  EXPECT_MICA_ERROR(multinomial(zeros({2, 2, 2}), 1), "multinomial", "[2, 2, 2]");
  EXPECT_MICA_ERROR(multinomial(ones({3}, kInt64), 1), "multinomial", "int64");
  EXPECT_MICA_ERROR(bernoulli(from_values({2}, {0.5, 1.5}, kFloat32)), "bernoulli", "[0, 1]",
                    "1.5");
  EXPECT_MICA_ERROR(bernoulli(from_values({1}, {-0.5})), "bernoulli", "-0.5");
  Tensor t = zeros({3});
  EXPECT_MICA_ERROR(ops::bernoulli_(t, 1.5), "bernoulli_", "[0, 1]", "1.5");
  EXPECT_MICA_ERROR(ops::bernoulli_(t, from_values({2}, {0.5, 0.5})), "bernoulli_", "[2]", "[3]");
  EXPECT_MICA_ERROR(ops::dropout(t, 1.5, true), "dropout", "between 0 and 1", "1.5");
  EXPECT_MICA_ERROR(ops::dropout(t, -0.1, true), "dropout", "-0.1");
  EXPECT_MICA_ERROR(ops::dropout(zeros({2}, kInt64), 0.5, true), "dropout", "int64");
  EXPECT_MICA_ERROR(ops::uniform_(t, 2, 1), "uniform_", "from=2", "to=1");
  EXPECT_MICA_ERROR(ops::normal_(t, 0, -1), "normal_", "std=-1");
  EXPECT_MICA_ERROR(rand({2}, kInt64), "rand", "int64");
  EXPECT_MICA_ERROR(randn({2}, kInt32), "randn", "int32");
  EXPECT_MICA_ERROR(randperm(-1), "randperm", "-1");
  EXPECT_MICA_ERROR(randperm(3000, kFloat16), "randperm", "float16");
  Tensor expanded = zeros({1, 3}).expand({4, 3});
  EXPECT_MICA_ERROR(ops::uniform_(expanded), "uniform_", "share memory");
  if (cuda::device_count() == 0)  // no GPU: the factory names itself and the missing device
    EXPECT_MICA_ERROR(rand({2}, TensorOptions(kFloat32).device(Device(kCUDA))), "rand", "cuda");
}

}  // namespace
}  // namespace mica::test
