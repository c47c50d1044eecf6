// Golden tests against PyTorch for the core: 16-bit float rounding, conversions, ranges.
#include <gtest/gtest.h>

#include "golden.h"
#include "test_util.h"

namespace mica::test {
namespace {

// Bit-exact comparison through float64 values (NaN == NaN).
void expect_identical(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.sizes(), want.sizes());
  ASSERT_EQ(got.dtype(), want.dtype());
  const auto g = values(got), w = values(want);
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << "index " << i;
    } else {
      EXPECT_EQ(g[i], w[i]) << "index " << i;
      EXPECT_EQ(std::signbit(g[i]), std::signbit(w[i])) << "sign at index " << i;
    }
  }
}

TEST(Golden, Float32ToBFloat16RoundsLikePyTorch) {
  for (const auto& c : golden_cases("conversions", "to_bfloat16"))
    expect_identical(c.inputs[0].to(kBFloat16), c.outputs[0]);
}

TEST(Golden, Float32ToFloat16RoundsLikePyTorch) {
  for (const auto& c : golden_cases("conversions", "to_float16"))
    expect_identical(c.inputs[0].to(kFloat16), c.outputs[0]);
}

TEST(Golden, SixteenBitPatternsToFloat32) {
  for (const auto& [op, dt] :
       {std::pair{"float16_to_float32", kFloat16}, std::pair{"bfloat16_to_float32", kBFloat16}}) {
    for (const auto& c : golden_cases("conversions", op)) {
      const Tensor bits = c.inputs[0];
      std::vector<uint16_t> raw;
      for (double b : values(bits))
        raw.push_back(static_cast<uint16_t>(static_cast<int64_t>(b) & 0xffff));
      Tensor t = empty({static_cast<int64_t>(raw.size())}, dt);
      std::memcpy(t.raw_data(), raw.data(), raw.size() * 2);
      expect_identical(t.to(kFloat32), c.outputs[0]);
    }
  }
}

TEST(Golden, FloatToIntAndBool) {
  for (const auto& [op, dt] :
       {std::pair{"to_int64", kInt64}, std::pair{"to_int32", kInt32}, std::pair{"to_bool", kBool}})
    for (const auto& c : golden_cases("conversions", op))
      expect_identical(c.inputs[0].to(dt), c.outputs[0]);
}

TEST(Golden, Linspace) {
  for (const auto& c : golden_cases("factories", "linspace")) {
    Tensor t = linspace(c.args["start"].get<double>(), c.args["end"].get<double>(),
                        c.args["steps"].get<int64_t>());
    expect_identical(t, c.outputs[0]);
  }
}

TEST(Golden, Arange) {
  for (const auto& c : golden_cases("factories", "arange")) {
    const auto& a = c.args;
    Tensor t =
        a["start"].is_number_integer()
            ? arange(a["start"].get<int64_t>(), a["end"].get<int64_t>(), a["step"].get<int64_t>())
            : arange(a["start"].get<double>(), a["end"].get<double>(), a["step"].get<double>());
    // PyTorch computes float ranges in double then rounds; allow 1 float32 ulp.
    EXPECT_TRUE(all_close(t, c.outputs[0], {1e-7, 1.2e-7}));
    EXPECT_EQ(t.dtype(), c.outputs[0].dtype());
  }
}

}  // namespace
}  // namespace mica::test
