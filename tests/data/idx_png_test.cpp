// Data-layer tests: IDX reading (plain, gzip, corrupt, missing), Fashion-MNIST from Debian's
// package, PNG writing read back through libpng, and image grids.
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "mica.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_data_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string idx_bytes() {  // int32 IDX, shape [2, 3], values 1..6 (big-endian)
  std::string b = {0, 0, 0x0C, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (int v = 1; v <= 6; ++v) b += std::string{0, 0, 0, static_cast<char>(v)};
  return b;
}

TEST(Idx, ReadsPlainAndGzip) {
  const auto plain = scratch("a.idx");
  std::ofstream(plain, std::ios::binary) << idx_bytes();
  const auto gz = scratch("a.idx.gz");
  gzFile f = gzopen(gz.c_str(), "wb");
  const std::string bytes = idx_bytes();
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  for (const auto& p : {plain, gz}) {
    Tensor t = read_idx(p);
    EXPECT_EQ(t.dtype(), kInt32);
    EXPECT_EQ(t.sizes(), (Shape{2, 3}));
    EXPECT_EQ(t.data_ptr<int32_t>()[5], 6);
    EXPECT_EQ(t.data_ptr<int32_t>()[0], 1);
  }
}

TEST(Idx, RejectsMissingTruncatedAndForeignFiles) {
  try {
    read_idx("/nonexistent/x.idx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
  }
  const auto cut = scratch("cut.idx");
  std::ofstream(cut, std::ios::binary) << idx_bytes().substr(0, 20);
  EXPECT_THROW(read_idx(cut), Error);
  const auto foreign = scratch("foreign.idx");
  std::ofstream(foreign, std::ios::binary) << "PK\x03\x04 not an idx file";
  EXPECT_THROW(read_idx(foreign), Error);
}

TEST(FashionMnist, LoadsDebianPackage) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  ImageLabelSet test = load_fashion_mnist("test");
  EXPECT_EQ(test.images.sizes(), (Shape{10000, 28, 28}));
  EXPECT_EQ(test.labels.sizes(), (Shape{10000}));
  const int64_t* l = test.labels.data_ptr<int64_t>();
  std::vector<int> counts(10, 0);
  for (int64_t i = 0; i < 10000; ++i) {
    ASSERT_GE(l[i], 0);
    ASSERT_LT(l[i], 10);
    ++counts[static_cast<size_t>(l[i])];
  }
  for (int c : counts) EXPECT_EQ(c, 1000);  // the test split is balanced
}

TEST(FashionMnist, MissingFilesNameThePackage) {
  try {
    load_fashion_mnist("train", "/nonexistent");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
  EXPECT_THROW(load_fashion_mnist("validation"), Error);
}

TEST(Png, WritesWhatLibpngReadsBack) {
  Tensor img = empty({5, 7, 3}, kUInt8);
  for (int64_t i = 0; i < img.numel(); ++i)
    img.data_ptr<uint8_t>()[i] = static_cast<uint8_t>(i * 7);
  const auto path = scratch("img.png");
  write_png(path, img);
  png_image desc{};
  desc.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&desc, path.c_str()));
  EXPECT_EQ(desc.width, 7u);
  EXPECT_EQ(desc.height, 5u);
  desc.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> back(PNG_IMAGE_SIZE(desc));
  ASSERT_TRUE(png_image_finish_read(&desc, nullptr, back.data(), 0, nullptr));
  for (size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i], img.data_ptr<uint8_t>()[i]);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  EXPECT_THROW(write_png(path, zeros({2, 2})), Error);  // float image
}

TEST(Png, GridPlacesImages) {
  Tensor imgs = full({3, 2, 2}, 200, kUInt8);
  Tensor grid = make_grid(imgs, 2, 1, 0);
  EXPECT_EQ(grid.sizes(), (Shape{2 * 3 + 1, 2 * 3 + 1}));
  EXPECT_EQ(grid.select(0, 1).select(0, 1).item<int>(), 200);
  EXPECT_EQ(grid.select(0, 0).select(0, 0).item<int>(), 0);
  EXPECT_EQ(grid.select(0, 5).select(0, 5).item<int>(), 0);  // 4th slot empty
}

}  // namespace
}  // namespace mica::data
