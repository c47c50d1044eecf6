// View semantics the op table cannot express: views share storage and the version counter,
// reshape copies only when it must, copy_ converts and broadcasts, and the error messages of
// common mistakes.
#include <gtest/gtest.h>

#include "test_util.h"

namespace mica::test {
namespace {

Tensor base34() {
  return arange(12, TensorOptions(kFloat32)).view({3, 4});  // values 0..11, row-major
}

bool shares(const Tensor& a, const Tensor& b) {
  return a.impl()->storage() == b.impl()->storage();
}

// Fills `view` of a fresh [3, 4] base with -1 and returns the base's values.
std::vector<double> write_through(const std::function<Tensor(const Tensor&)>& make_view) {
  Tensor b = base34();
  Tensor v = make_view(b);
  EXPECT_TRUE(shares(v, b));
  v.fill_(-1);
  return values(b);
}

// The values 0..11 with the listed flat positions set to -1.
std::vector<double> expected_with(std::vector<int> positions) {
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[i] = i;
  for (int p : positions) v[p] = -1;
  return v;
}

TEST(Views, WritingThroughEachViewChangesTheBase) {
  EXPECT_EQ(write_through([](const Tensor& b) { return b.select(1, 2); }),
            expected_with({2, 6, 10}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b[1]; }), expected_with({4, 5, 6, 7}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.slice(1, 1, 4, 2); }),
            expected_with({1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.narrow(0, 2, 1); }),
            expected_with({8, 9, 10, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.diagonal(1); }),
            expected_with({1, 6, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.t().select(0, 0); }),
            expected_with({0, 4, 8}));
  EXPECT_EQ(write_through([](const Tensor& b) {
              return b.permute({1, 0}).narrow(0, 3, 1);
            }),
            expected_with({3, 7, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.view({12}).slice(0, 0, 12, 5); }),
            expected_with({0, 5, 10}));
  EXPECT_EQ(write_through([](const Tensor& b) {
              return b.reshape({2, 6})[1];
            }),
            expected_with({6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.unsqueeze(0).squeeze(0)[0]; }),
            expected_with({0, 1, 2, 3}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.flatten().narrow(0, 10, 2); }),
            expected_with({10, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) {
              return b.unflatten(1, {2, 2}).select(2, 1);
            }),
            expected_with({1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.as_strided({2}, {5}, 1); }),
            expected_with({1, 6}));
  EXPECT_EQ(write_through([](const Tensor& b) { return b.transpose(0, 1)[2]; }),
            expected_with({2, 6, 10}));
}

TEST(Views, BaseWritesShowThroughViews) {
  Tensor b = base34();
  Tensor v = b.select(0, 1);
  b.fill_(7);
  EXPECT_EQ(values(v), std::vector<double>(4, 7));
  // an expanded view reads the same element many times
  Tensor col = b.select(1, 0).unsqueeze(1).expand({3, 5});
  b.select(1, 0).copy_(from_values({3}, {1, 2, 3}));
  EXPECT_EQ(values(col.select(0, 2)), std::vector<double>(5, 3));
}

TEST(Views, VersionCounterIsSharedAndBumpedByCopyAndFill) {
  Tensor b = base34();
  Tensor v = b.transpose(0, 1).select(0, 1);
  const uint64_t v0 = b.version();
  EXPECT_EQ(v.version(), v0);
  v.fill_(3);
  EXPECT_EQ(b.version(), v0 + 1);
  EXPECT_EQ(v.version(), v0 + 1);
  b.copy_(zeros({3, 4}));
  EXPECT_EQ(v.version(), v0 + 2);
  Tensor r = b.reshape({12});  // a view: same counter
  r.zero_();
  EXPECT_EQ(b.version(), v0 + 3);
  Tensor c = b.clone();  // a copy: its own counter
  c.fill_(1);
  EXPECT_EQ(b.version(), v0 + 3);
}

TEST(Views, ReshapeCopiesOnlyWhenNeeded) {
  Tensor b = base34();
  EXPECT_TRUE(shares(b.reshape({2, 6}), b));
  EXPECT_TRUE(shares(b.reshape({-1}), b));
  EXPECT_TRUE(shares(b.slice(0, 0, 3, 2).reshape({8}), b) == false);  // rows 0 and 2: a gap
  EXPECT_TRUE(shares(b.slice(1, 0, 4, 2).reshape({3, 2, 1}), b));     // only splits/keeps dims
  EXPECT_FALSE(shares(b.t().reshape({12}), b));
  EXPECT_EQ(values(b.t().reshape({12})),
            (std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_TRUE(shares(b.t().reshape({2, 2, 3}), b));  // splitting the transposed outer dim is a view
  EXPECT_FALSE(shares(b.t().flatten(), b));
}

TEST(Views, ContiguousAndClone) {
  Tensor b = base34();
  EXPECT_TRUE(b.contiguous().is_same(b));
  Tensor c = b.t().contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(shares(c, b));
  Tensor k = b.clone();
  EXPECT_FALSE(shares(k, b));
  EXPECT_EQ(values(k), values(b));
  Tensor tk = b.t().clone();
  EXPECT_TRUE(tk.is_contiguous());
  EXPECT_EQ(values(tk), values(b.t()));
}

TEST(Views, ViewMetadata) {
  Tensor b = base34();
  EXPECT_EQ(b.t().strides(), (Shape{1, 4}));
  EXPECT_EQ(b.expand({2, 3, 4}).strides(), (Shape{0, 4, 1}));
  EXPECT_EQ(b.select(1, 3).storage_offset(), 3);
  EXPECT_EQ(b.slice(1, 1, 4, 2).strides(), (Shape{4, 2}));
  EXPECT_EQ(b.diagonal().strides(), (Shape{5}));
  EXPECT_EQ(b.unsqueeze(1).sizes(), (Shape{3, 1, 4}));
  EXPECT_EQ(b.slice(0, -2, 100).sizes(), (Shape{2, 4}));
  EXPECT_EQ(b.slice(0, 2, 1).sizes(), (Shape{0, 4}));
}

TEST(Views, CopyConvertsAndBroadcasts) {
  Tensor dst = zeros({2, 3}, kInt32);
  dst.copy_(from_values({3}, {1.7, -2.7, 3.2}, kFloat64));
  EXPECT_EQ(dst.dtype(), kInt32);
  EXPECT_EQ(values(dst), (std::vector<double>{1, -2, 3, 1, -2, 3}));
  Tensor h = zeros({2, 2}, kFloat16);
  h.copy_(from_values({2, 1}, {1, 0}, kBool));
  EXPECT_EQ(values(h), (std::vector<double>{1, 1, 0, 0}));
  // overlapping source and destination: the source is read before anything is written
  Tensor a = arange(5, TensorOptions(kFloat32));
  a.slice(0, 1, 5).copy_(a.slice(0, 0, 4));
  EXPECT_EQ(values(a), (std::vector<double>{0, 0, 1, 2, 3}));
}

TEST(Views, ErrorMessages) {
  Tensor b = base34();
  EXPECT_MICA_ERROR(b.t().view({12}), "view", "[4, 3]", "strides", "reshape");
  EXPECT_MICA_ERROR(b.view({5, -1}), "view", "[5, -1]", "12");
  EXPECT_MICA_ERROR(b.view({-1, -1}), "view", "only one dimension can be -1");
  EXPECT_MICA_ERROR(b.reshape({7}), "reshape", "[7]", "12");
  EXPECT_MICA_ERROR(b.expand({3, 5}), "expand", "[3, 4]", "[3, 5]");
  EXPECT_MICA_ERROR(b.expand({4}), "expand", "fewer dims");
  EXPECT_MICA_ERROR(b.permute({0, 0}), "permute", "repeats", "[0, 0]");
  EXPECT_MICA_ERROR(b.permute({0}), "permute", "[3, 4]");
  EXPECT_MICA_ERROR(b.transpose(0, 2), "transpose", "dim 2");
  EXPECT_MICA_ERROR(b.unsqueeze(2).t(), "t", "[3, 4, 1]");
  EXPECT_MICA_ERROR(b.unsqueeze(3), "unsqueeze", "dim 3", "with 2 dims", "[-3, 2]");
  EXPECT_MICA_ERROR(b.select(0, 3), "select", "index 3", "size 3");
  EXPECT_MICA_ERROR(b.select(1, -5), "select", "index -5", "size 4");
  EXPECT_MICA_ERROR(b.narrow(1, 2, 3), "narrow", "size 4");
  EXPECT_MICA_ERROR(b.slice(0, 0, 3, 0), "slice", "step");
  EXPECT_MICA_ERROR(b.diagonal(0, 1, 1), "diagonal", "differ");
  EXPECT_MICA_ERROR(b.unflatten(1, {3, 2}), "unflatten", "[3, 2]");
  EXPECT_MICA_ERROR(b.flatten(1, 0), "flatten", "start_dim");
  EXPECT_MICA_ERROR(b.as_strided({3, 4}, {4, 2}), "as_strided", "storage holds 12");
  EXPECT_MICA_ERROR(b.copy_(zeros({2, 4})), "copy_", "[2, 4]", "[3, 4]");
  EXPECT_MICA_ERROR(scalar_tensor(1.0).select(0, 0), "select", "0-d");
}

}  // namespace
}  // namespace mica::test
