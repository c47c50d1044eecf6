// HDF5 state-dict files: round trip of every dtype (0-d, empty, non-contiguous), attributes,
// order, atomic writes (the previous file survives a failed write, no temp file remains), and a
// reader that turns truncated, bit-flipped, mismatched or foreign files into mica::Errors.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

namespace fs = std::filesystem;

using test::error_of;
using test::has;

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

class Serialization : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mica_ser_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

StateDict sample() {
  manual_seed(5);
  StateDict sd;
  sd.insert("encoder.weight", randn({3, 4}));
  sd.insert("encoder.bias", randn({4}, kFloat64));
  sd.insert("h.0.attn.c_attn.weight", randn({2, 3}).to(kBFloat16));
  sd.insert("h.0.ln.weight", randn({5}).to(kFloat16));
  sd.insert("steps", scalar_tensor(int64_t{123456789012}, kInt64));
  sd.insert("ids", from_vector(std::vector<int32_t>{-1, 2, 3}));
  sd.insert("bytes", from_vector(std::vector<uint8_t>{0, 255, 7}));
  sd.insert("mask", from_vector(std::vector<uint8_t>{1, 0, 1, 1}).to(kBool));
  sd.insert("empty", zeros({0, 3}));
  sd.insert("a.transposed", randn({4, 2}).t());  // non-contiguous
  return sd;
}

TEST_F(Serialization, RoundTripKeepsDtypesShapesOrderAndAttributes) {
  const StateDict sd = sample();
  const std::string config = R"({"n_layer": 2, "name": "tiny \u00e9"})";
  save_state_dict(file("m.h5"), sd, {{"config", config}, {"empty_attr", ""}});
  Attributes attrs;
  const StateDict back = load_state_dict(file("m.h5"), &attrs);
  EXPECT_EQ(back.keys(), sd.keys());
  for (const auto& [name, t] : sd) EXPECT_TRUE(bit_equal(back.at(name), t)) << name;
  EXPECT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs.at("config"), config);
  EXPECT_EQ(attrs.at("empty_attr"), "");
  EXPECT_EQ(read_attributes(file("m.h5")), attrs);
  // No temporary file left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);
}

TEST_F(Serialization, LoadIntoChecksAgainstExpected) {
  const StateDict sd = sample();
  save_state_dict(file("m.h5"), sd);
  StateDict target;
  for (const auto& [name, t] : sd) target.insert(name, zeros_like(t.contiguous()));
  Tensor keep = target.at("encoder.weight");
  load_state_dict_into(file("m.h5"), target);
  EXPECT_TRUE(keep.is_same(target.at("encoder.weight")));  // loaded in place
  for (const auto& [name, t] : sd) EXPECT_TRUE(bit_equal(target.at(name), t)) << name;

  StateDict wrong_dtype = target;
  wrong_dtype.set("encoder.bias", zeros({4}));
  std::string e = error_of([&] { load_state_dict_into(file("m.h5"), wrong_dtype); });
  EXPECT_TRUE(has(e, "m.h5") && has(e, "'encoder.bias'") && has(e, "dtype float64") &&
              has(e, "expected float32"))
      << e;
  StateDict wrong_shape = target;
  Tensor before = wrong_shape.at("encoder.weight").clone();
  wrong_shape.set("h.0.ln.weight", zeros({6}, kFloat16));
  e = error_of([&] { load_state_dict_into(file("m.h5"), wrong_shape); });
  EXPECT_TRUE(has(e, "'h.0.ln.weight'") && has(e, "shape [5]") && has(e, "expected [6]")) << e;
  StateDict missing = target;
  missing.insert("extra.weight", zeros({1}));
  e = error_of([&] { load_state_dict_into(file("m.h5"), missing); });
  EXPECT_TRUE(has(e, "missing tensor 'extra.weight'")) << e;
  StateDict fewer = target;
  fewer.erase("mask");
  e = error_of([&] { load_state_dict_into(file("m.h5"), fewer); });
  EXPECT_TRUE(has(e, "unexpected tensor 'mask'")) << e;
  load_state_dict_into(file("m.h5"), missing, /*strict=*/false);  // non-strict: fine

  // A failed load writes nothing.
  StateDict partial;
  partial.insert("encoder.weight", zeros({3, 4}));
  partial.insert("encoder.bias", zeros({4}));  // wrong dtype, after a good entry
  EXPECT_TRUE(has(error_of([&] { load_state_dict_into(file("m.h5"), partial, false); }), "dtype"));
  EXPECT_TRUE(bit_equal(partial.at("encoder.weight"), zeros({3, 4})));
}

TEST_F(Serialization, RejectsBadNamesAndForeignFiles) {
  StateDict sd;
  sd.insert("a/b", zeros({1}));
  EXPECT_TRUE(
      has(error_of([&] { save_state_dict(file("x.h5"), sd); }), "invalid tensor name 'a/b'"));
  EXPECT_TRUE(has(error_of([&] {
                    save_state_dict(file("x.h5"), {}, {{"mica_format", "x"}});
                  }),
                  "invalid attribute name"));
  EXPECT_TRUE(has(error_of([&] { save_state_dict(file("nodir/x.h5"), {}); }), "does not exist"));
  EXPECT_TRUE(has(error_of([&] { load_state_dict(file("none.h5")); }), "file not found"));
  std::ofstream(file("text.h5")) << "hello";
  EXPECT_TRUE(has(error_of([&] { load_state_dict(file("text.h5")); }), "not an HDF5 file"));
  data::write_hdf5(file("plain.h5"), "x", zeros({2}));  // HDF5, but not a state dict
  EXPECT_TRUE(
      has(error_of([&] { load_state_dict(file("plain.h5")); }), "not a mica state-dict file"));
  save_state_dict(file("empty.h5"), {});
  EXPECT_TRUE(load_state_dict(file("empty.h5")).empty());
}

TEST_F(Serialization, FailedWriteKeepsThePreviousFile) {
  const StateDict good = sample();
  save_state_dict(file("ckpt.h5"), good);
  StateDict bad;
  bad.insert("first", ones({3}));
  bad.insert("second", Tensor());  // fails mid-write
  const std::string e = error_of([&] { save_state_dict(file("ckpt.h5"), bad); });
  EXPECT_TRUE(has(e, "'second'") && has(e, "undefined")) << e;
  const StateDict back = load_state_dict(file("ckpt.h5"));
  EXPECT_EQ(back.keys(), good.keys());
  EXPECT_TRUE(bit_equal(back.at("encoder.weight"), good.at("encoder.weight")));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);  // the temporary file was removed
}

std::string read_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_F(Serialization, TruncatedFilesAreRejected) {
  const StateDict sd = sample();
  save_state_dict(file("m.h5"), sd, {{"config", "{}"}});
  const std::string bytes = read_bytes(file("m.h5"));
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t len : {size_t{0}, size_t{7}, size_t{100}, bytes.size() / 3, bytes.size() / 2,
                     bytes.size() - 200, bytes.size() - 1}) {
    write_bytes(file("t.h5"), bytes.substr(0, len));
    const std::string e = error_of([&] { load_state_dict(file("t.h5")); });
    EXPECT_TRUE(has(e, "t.h5")) << "length " << len << ": " << e;
  }
}

TEST_F(Serialization, FlippedBytesAreDetectedOrHarmless) {
  // Every 5th byte of the file flipped in turn (all of them: ~14 s here, mostly file I/O): the
  // reader either throws a mica::Error or returns exactly the saved tensors and attributes (a
  // flip in unused space) -- never wrong data or a crash.
  StateDict sd;
  manual_seed(9);
  sd.insert("w", randn({4, 3}));
  sd.insert("b", randn({3}).to(kBFloat16));
  sd.insert("n", scalar_tensor(int64_t{7}, kInt64));
  const Attributes attrs{{"config", R"({"lr": 0.1})"}};
  save_state_dict(file("m.h5"), sd, attrs);
  const std::string bytes = read_bytes(file("m.h5"));
  int detected = 0, harmless = 0;
  for (size_t i = 0; i < bytes.size(); i += 5) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
    write_bytes(file("f.h5"), flipped);
    try {
      Attributes got;
      const StateDict back = load_state_dict(file("f.h5"), &got);
      ASSERT_EQ(back.keys(), sd.keys()) << "byte " << i;
      for (const auto& [name, t] : sd) ASSERT_TRUE(bit_equal(back.at(name), t)) << "byte " << i;
      ASSERT_EQ(got, attrs) << "byte " << i;
      ++harmless;
    } catch (const Error& e) {
      ASSERT_TRUE(has(e.what(), "f.h5")) << e.what();
      ++detected;
    }
  }
  EXPECT_GT(detected, static_cast<int>(bytes.size()) / 20);
  std::cout << "flipped " << bytes.size() << " bytes: " << detected << " detected, " << harmless
            << " harmless\n";
}

}  // namespace
}  // namespace mica::nn
