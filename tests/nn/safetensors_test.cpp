// safetensors: the fixture written by scripts/gen_safetensors_fixture.py (an independent
// writer), round trips of every dtype through files and memory, the writer's layout, and
// rejection of malformed headers, bad offsets (out of range, overlapping, gaps, trailing bytes),
// unknown dtypes, size mismatches, duplicate names and truncation.
#include <gtest/gtest.h>

#include <cmath>
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

template <class T>
std::vector<T> values(const Tensor& t) {
  Tensor c = t.contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

TEST(Safetensors, ReadsTheIndependentFixture) {
  SafetensorsMetadata meta;
  const StateDict sd =
      load_safetensors(std::string(MICA_TEST_FIXTURE_DIR) + "/nn/sample.safetensors", &meta);
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"f32", "f64", "bf16", "f16", "i64", "i32", "u8",
                                                 "mask", "empty"}));
  EXPECT_EQ(meta.at("format"), "pt");
  EXPECT_EQ(sd.at("f32").sizes(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(sd.at("f32")), (std::vector<float>{-1, -0.5, 0, 0.5, 1, 1.5}));
  EXPECT_EQ(values<double>(sd.at("f64")), (std::vector<double>{1.0 / 3, -2.5, 1e300}));
  EXPECT_EQ(sd.at("bf16").dtype(), kBFloat16);
  EXPECT_EQ(values<float>(sd.at("bf16").to(kFloat32)),
            (std::vector<float>{1.0f, -2.0f, 0.5f, 3.140625f}));
  EXPECT_EQ(sd.at("f16").dtype(), kFloat16);
  EXPECT_EQ(values<float>(sd.at("f16").to(kFloat32)),
            (std::vector<float>{1.0f, -0.5f, 65504.0f, std::ldexp(1.0f, -14)}));
  EXPECT_EQ(sd.at("i64").dim(), 0);
  EXPECT_EQ(sd.at("i64").item<int64_t>(), -123456789012345);
  EXPECT_EQ(values<int32_t>(sd.at("i32")), (std::vector<int32_t>{-7, 0, 2147483647}));
  EXPECT_EQ(values<uint8_t>(sd.at("u8")), (std::vector<uint8_t>{0, 1, 128, 255}));
  EXPECT_EQ(sd.at("mask").dtype(), kBool);
  EXPECT_EQ(values<bool>(sd.at("mask")), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(sd.at("empty").sizes(), (Shape{0, 4}));
}

StateDict sample() {
  manual_seed(11);
  StateDict sd;
  sd.insert("transformer.h.0.attn.c_attn.weight", randn({4, 6}));
  sd.insert("lm_head.weight", randn({3, 2}).t());  // non-contiguous
  sd.insert("bias64", randn({5}, kFloat64));
  sd.insert("emb.bf16", randn({2, 2}).to(kBFloat16));
  sd.insert("emb.f16", randn({3}).to(kFloat16));
  sd.insert("position_ids", arange(7, kInt64));
  sd.insert("i32", from_vector(std::vector<int32_t>{1, -2}));
  sd.insert("u8", from_vector(std::vector<uint8_t>{9}));
  sd.insert("mask", from_vector(std::vector<uint8_t>{0, 1}).to(kBool));
  sd.insert("scalar", scalar_tensor(2.5));
  sd.insert("none", zeros({2, 0}));
  return sd;
}

TEST(Safetensors, RoundTripThroughFileAndMemory) {
  const fs::path p = fs::temp_directory_path() / ("mica_st_" + std::to_string(::getpid()) + ".st");
  const StateDict sd = sample();
  save_safetensors(p.string(), sd, {{"format", "pt"}, {"note", "x\"y"}});
  SafetensorsMetadata meta;
  const StateDict back = load_safetensors(p.string(), &meta);
  EXPECT_EQ(meta, (SafetensorsMetadata{{"format", "pt"}, {"note", "x\"y"}}));
  EXPECT_EQ(back.size(), sd.size());
  for (const auto& [name, t] : sd) EXPECT_TRUE(bit_equal(back.at(name), t)) << name;
  // Layout: the 8 + N header is padded to 8 bytes; the largest elements come first.
  std::ifstream f(p, std::ios::binary);
  uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(back.keys().front(), "bias64");
  EXPECT_EQ(fs::file_size(p), serialize_safetensors(sd, meta).size());
  fs::remove(p);

  const std::string bytes = serialize_safetensors(sd);
  const StateDict mem = deserialize_safetensors(bytes);
  for (const auto& [name, t] : sd) EXPECT_TRUE(bit_equal(mem.at(name), t)) << name;
}

// A file from a header (JSON text, unpadded) and data bytes.
std::string build(const std::string& header, const std::string& data) {
  const uint64_t n = header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string load_error(const std::string& bytes) {
  return error_of([&] { deserialize_safetensors(bytes, nullptr, "bad.safetensors"); });
}

TEST(Safetensors, RejectsMalformedFiles) {
  const std::string d8(8, '\0');
  auto one = [](const std::string& entry) { return "{\"t\": " + entry + "}"; };
  struct Case {
    std::string bytes;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {std::string(5, '\0'), {"too short"}},
      {build("", "") + "", {"does not start with '{'"}},
      {std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", {"limit"}},
      {std::string("\x40\x00\x00\x00\x00\x00\x00\x00", 8) + "{}", {"exceeds", "truncated"}},
      {build("{\"t\": ", ""), {"not valid JSON"}},
      {build("[1, 2]", ""), {"does not start with '{'"}},
      {build(one("3"), ""), {"tensor 't'", "dtype, shape and data_offsets"}},
      {build(one(R"({"dtype": "I8", "shape": [1], "data_offsets": [0, 1]})"), "x"),
       {"tensor 't'", "unsupported dtype 'I8'"}},
      {build(one(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]})"), "abcd"),
       {"not a non-negative integer"}},
      {build(one(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 4]})"), "abcd"),
       {"tensor 't'", "needs 8 bytes", "hold 4"}},
      {build(one(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})"), "abcd"),
       {"tensor 't'", "run past the end"}},
      {build(one(R"({"dtype": "F32", "shape": [1], "data_offsets": [4, 0]})"), "abcd"),
       {"reversed"}},
      {build(one(R"({"dtype": "F32", "shape": [1], "data_offsets": [0]})"), "abcd"),
       {"data_offsets must be two"}},
      {build(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
             d8),
       {"tensor 'b'", "overlaps"}},
      {build(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", d8),
       {"gap", "tensor 'a'"}},
      {build(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", d8),
       {"4 trailing bytes"}},
      {build(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                 "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
             "xy"),
       {"'a' appears twice"}},
      {build(R"({"__metadata__": {"k": 1}})", ""), {"__metadata__ value 'k'"}},
      {build(R"({"m": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}})",
             std::string("\x01\x02", 2)),
       {"BOOL tensor 'm'", "byte 2"}},
  };
  for (const Case& c : cases) {
    const std::string e = load_error(c.bytes);
    EXPECT_TRUE(has(e, "bad.safetensors")) << e;
    for (const std::string& f : c.fragments)
      EXPECT_TRUE(has(e, f)) << "'" << f << "' not in: " << e;
  }
}

TEST(Safetensors, TruncatedFilesAndWriterErrors) {
  const std::string bytes = serialize_safetensors(sample());
  for (size_t len = 0; len < bytes.size(); len += 13)
    EXPECT_NE(load_error(bytes.substr(0, len)), "<no error>") << "length " << len;
  const fs::path p = fs::temp_directory_path() / ("mica_st_t_" + std::to_string(::getpid()));
  {
    std::ofstream f(p, std::ios::binary);
    f << bytes.substr(0, bytes.size() - 3);
  }
  EXPECT_TRUE(has(error_of([&] { load_safetensors(p.string()); }), p.string()));
  fs::remove(p);
  EXPECT_TRUE(has(error_of([] { load_safetensors("/nonexistent/x.safetensors"); }), "not found"));
  StateDict bad;
  bad.insert("__metadata__", zeros({1}));
  EXPECT_TRUE(has(error_of([&] { serialize_safetensors(bad); }), "invalid tensor name"));
}

}  // namespace
}  // namespace mica::nn
