// Image transform tests against small hand-computed cases (to_tensor, normalize, pad, crops,
// flips, nearest/bilinear resize, Compose) and reproducibility of the seeded random transforms.
#include <gtest/gtest.h>

#include "data/transforms.h"
#include "data_test_util.h"
#include "tensor/ops.h"

namespace mica::data::transforms {
namespace {

std::vector<float> values(const Tensor& t) {
  const Tensor c = t.to(kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

Tensor image(std::vector<float> v, const Shape& shape) {
  return from_vector(v, shape);
}

TEST(Transforms, ToTensorScalesAndMovesChannelsFirst) {
  // 1 x 2 pixels, RGB: (0, 51, 255), (255, 102, 0).
  Tensor hwc = from_vector<int64_t>({0, 51, 255, 255, 102, 0}, {1, 2, 3}, TensorOptions(kUInt8));
  Tensor chw = to_tensor(hwc);
  EXPECT_EQ(chw.sizes(), (Shape{3, 1, 2}));
  EXPECT_EQ(chw.dtype(), kFloat32);
  const std::vector<float> v = values(chw);
  const std::vector<float> want = {0, 1, 0.2f, 0.4f, 1, 0};  // channel-major
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(v[i], want[i]) << i;
  // [H, W] gray gets one channel; 16-bit samples scale by 1/65535.
  EXPECT_EQ(to_tensor(zeros({4, 5}, TensorOptions(kUInt8))).sizes(), (Shape{1, 4, 5}));
  EXPECT_FLOAT_EQ(to_tensor(full({1, 1, 1}, 65535, TensorOptions(kInt32))).item<float>(), 1.0f);
  expect_error([] { to_tensor(zeros({2, 2, 3})); }, "to_tensor");
}

TEST(Transforms, NormalizePerChannel) {
  Tensor x = image({1, 3, 2, 4}, {2, 1, 2});  // channel 0: 1, 3; channel 1: 2, 4
  EXPECT_EQ(values(normalize(x, {1, 2}, {2, 0.5})), (std::vector<float>{0, 1, 0, 4}));
  EXPECT_EQ(values(normalize(x, {1}, {1})), (std::vector<float>{0, 2, 1, 3}));
  // Batches normalize each image's channels.
  Tensor batch = ops::stack({x, x});
  EXPECT_EQ(values(normalize(batch, {1, 2}, {2, 0.5})),
            (std::vector<float>{0, 1, 0, 4, 0, 1, 0, 4}));
  expect_error([&] { normalize(x, {0, 0, 0}, {1, 1, 1}); }, "3 values for 2 channels");
  expect_error([&] { normalize(x, {0}, {0}); }, "zero");
}

TEST(Transforms, PadModes) {
  Tensor x = image({1, 2, 3, 4}, {1, 2, 2});
  Tensor p = transforms::pad(x, {1});
  EXPECT_EQ(p.sizes(), (Shape{1, 4, 4}));
  EXPECT_EQ(values(p), (std::vector<float>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}));
  // {left, top, right, bottom}
  EXPECT_EQ(values(transforms::pad(x, {1, 0, 0, 1}, PaddingMode::Constant, 9)),
            (std::vector<float>{9, 1, 2, 9, 3, 4, 9, 9, 9}));
  Tensor row = image({1, 2, 3}, {1, 1, 3});
  EXPECT_EQ(values(transforms::pad(row, {1, 0}, PaddingMode::Reflect)),
            (std::vector<float>{2, 1, 2, 3, 2}));
  EXPECT_EQ(values(transforms::pad(row, {2, 0}, PaddingMode::Edge)),
            (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  expect_error([&] { transforms::pad(x, {1, 2, 3}); }, "1, 2 or 4");
}

TEST(Transforms, CenterCrop) {
  Tensor x = arange(16, TensorOptions(kFloat32)).view({1, 4, 4});
  EXPECT_EQ(values(center_crop(x, {2})), (std::vector<float>{5, 6, 9, 10}));
  // 5x5 -> 2x2: offset round(1.5) = 2 (half to even, as Python's round).
  Tensor y = arange(25, TensorOptions(kFloat32)).view({1, 5, 5});
  EXPECT_EQ(values(center_crop(y, {2, 2})), (std::vector<float>{12, 13, 17, 18}));
  // 5x5 -> 3x1: rows 1..3, column 2.
  EXPECT_EQ(values(center_crop(y, {3, 1})), (std::vector<float>{7, 12, 17}));
  // Larger than the image: zero-padded around it (the extra pixel goes right/bottom).
  Tensor s = image({1, 2, 3, 4}, {1, 2, 2});
  EXPECT_EQ(values(center_crop(s, {3})), (std::vector<float>{1, 2, 0, 3, 4, 0, 0, 0, 0}));
  EXPECT_EQ(values(center_crop(s, {4})),
            (std::vector<float>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}));
  expect_error([&] { crop(s, 1, 1, 2, 2); }, "does not fit");
}

TEST(Transforms, RandomCropIsSeededAndInBounds) {
  Tensor x = arange(3 * 8 * 10, TensorOptions(kFloat32)).view({3, 8, 10});
  Generator a(42), b(42);
  for (int i = 0; i < 20; ++i) {
    Tensor ca = random_crop(x, {3, 4}, {}, &a);
    Tensor cb = random_crop(x, {3, 4}, {}, &b);
    EXPECT_EQ(values(ca), values(cb));
    ASSERT_EQ(ca.sizes(), (Shape{3, 3, 4}));
    // The crop is a window of x: element [0, 0, 0] tells where.
    const auto v = static_cast<int64_t>(ca.select(0, 0).select(0, 0).select(0, 0).item<float>());
    const int64_t top = v / 10, left = v % 10;
    ASSERT_LE(top + 3, 8);
    ASSERT_LE(left + 4, 10);
    EXPECT_EQ(values(ca), values(crop(x, top, left, 3, 4)));
  }
  // The position is randint(0, H - h + 1) then randint(0, W - w + 1) from the generator.
  Generator c(7), d(7);
  Tensor got = random_crop(x, {3, 4}, {}, &c);
  const int64_t top = randint(0, 6, {1}, std::nullopt, &d).item<int64_t>();
  const int64_t left = randint(0, 7, {1}, std::nullopt, &d).item<int64_t>();
  EXPECT_EQ(values(got), values(crop(x, top, left, 3, 4)));
  // Different seeds pick different windows somewhere along 20 draws.
  Generator e(1), f(2);
  bool differ = false;
  for (int i = 0; i < 20; ++i)
    differ =
        differ || values(random_crop(x, {3, 4}, {}, &e)) != values(random_crop(x, {3, 4}, {}, &f));
  EXPECT_TRUE(differ);
  // Padding first, and pad_if_needed for a crop larger than the image.
  Tensor one = ones({1, 2, 2});
  EXPECT_EQ(random_crop(one, {4, 4}, {.padding = {1}}, &a).sizes(), (Shape{1, 4, 4}));
  Tensor grown = random_crop(one, {2, 5}, {.pad_if_needed = true, .fill = 0}, &a);
  EXPECT_EQ(grown.sizes(), (Shape{1, 2, 5}));
  EXPECT_EQ(ops::sum(grown).item<float>(), 4.0f);  // the image is inside the window
  expect_error([&] { random_crop(one, {3, 3}, {}, &a); }, "larger than the image");
}

TEST(Transforms, HorizontalFlips) {
  Tensor x = image({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  EXPECT_EQ(values(horizontal_flip(x)), (std::vector<float>{3, 2, 1, 6, 5, 4}));
  Generator g(3);
  EXPECT_EQ(values(random_horizontal_flip(x, 1.0, &g)), values(horizontal_flip(x)));
  EXPECT_EQ(values(random_horizontal_flip(x, 0.0, &g)), values(x));
  // Seeded: the same sequence of decisions; p = 0.5 flips about half the time.
  Generator a(123), b(123);
  int flips = 0;
  for (int i = 0; i < 200; ++i) {
    Tensor fa = random_horizontal_flip(x, 0.5, &a);
    EXPECT_EQ(values(fa), values(random_horizontal_flip(x, 0.5, &b)));
    flips += values(fa) != values(x);
  }
  EXPECT_GT(flips, 60);
  EXPECT_LT(flips, 140);
}

TEST(Transforms, ResizeNearestAndBilinear) {
  Tensor x = image({1, 2, 3, 4}, {1, 2, 2});
  EXPECT_EQ(values(resize(x, {4, 4}, InterpolationMode::Nearest)),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  Tensor y = arange(16, TensorOptions(kFloat32)).view({1, 4, 4});
  EXPECT_EQ(values(resize(y, {2, 2}, InterpolationMode::Nearest)),
            (std::vector<float>{0, 2, 8, 10}));
  // Bilinear with half-pixel centers: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge).
  Tensor r = image({0, 1}, {1, 1, 2});
  EXPECT_EQ(values(resize(r, {1, 4})), (std::vector<float>{0, 0.25f, 0.75f, 1}));
  // {s}: the smaller edge becomes s, the other keeps the aspect ratio; batches work too.
  EXPECT_EQ(resize(zeros({3, 4, 8}), {2}).sizes(), (Shape{3, 2, 4}));
  EXPECT_EQ(resize(zeros({2, 3, 9, 6}), {4}).sizes(), (Shape{2, 3, 6, 4}));
  expect_error([] { resize(zeros({4, 4}), {2}); }, "resize");
}

TEST(Transforms, ComposeChains) {
  const Compose pipeline(
      {to_tensor, [](const Tensor& t) { return normalize(t, {0.5}, {0.5}); }, horizontal_flip});
  Tensor img = from_vector<int64_t>({0, 255}, {1, 2, 1}, TensorOptions(kUInt8));
  EXPECT_EQ(values(pipeline(img)), (std::vector<float>{1, -1}));
}

}  // namespace
}  // namespace mica::data::transforms
