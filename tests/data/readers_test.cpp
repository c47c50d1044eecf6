// Reader tests: PNG read/write round trips at 8 and 16 bits in every channel layout, files made
// by libpng directly (palette, low bit depth, interlaced), malformed PNGs; IDX headers that
// overflow or promise more data than the file holds; Fashion-MNIST header values and first labels
// checked with an independent reader; MNIST helper errors; text files; the fortunes corpus.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <csetjmp>
#include <filesystem>
#include <fstream>

#include "data/idx.h"
#include "data/png.h"
#include "data/text.h"
#include "data_test_util.h"
#include "tensor/ops.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("mica_readers_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() && ops::all(ops::eq(a, b)).item<bool>();
}

// ---- PNG ----

TEST(PngRead, EightBitRoundTripsEveryLayout) {
  for (int64_t c = 1; c <= 4; ++c) {
    Tensor img = randint(0, 256, {5, 7, c}, TensorOptions(kUInt8));
    const auto path = scratch("rt8_" + std::to_string(c) + ".png");
    write_png(path, img);
    Tensor back = read_png(path);
    EXPECT_TRUE(same_values(back, img)) << c << " channels";
    EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
    // Writing what was read gives the same file, byte for byte.
    const auto again = scratch("rt8_again.png");
    write_png(again, back);
    EXPECT_EQ(bytes_of(again), bytes_of(path));
  }
  // A [H, W] gray image reads back as [H, W, 1].
  Tensor gray = randint(0, 256, {3, 4}, TensorOptions(kUInt8));
  write_png(scratch("gray2d.png"), gray);
  EXPECT_TRUE(same_values(read_png(scratch("gray2d.png")), gray.unsqueeze(2)));
}

TEST(PngRead, SixteenBitRoundTripsEveryLayout) {
  for (int64_t c = 1; c <= 4; ++c) {
    Tensor img = randint(0, 65536, {4, 6, c}, TensorOptions(kInt32));
    img.select(0, 0).select(0, 0).fill_(65535);  // the extremes survive
    img.select(0, 0).select(0, 1).fill_(0);
    img.select(0, 0).select(0, 2).fill_(256);  // both bytes matter (no endianness slip)
    const auto path = scratch("rt16_" + std::to_string(c) + ".png");
    write_png(path, img);
    EXPECT_TRUE(same_values(read_png(path), img)) << c << " channels";
  }
  // libpng's own reader sees a 16-bit file with big-endian samples.
  Tensor one = full({1, 1, 1}, 0x1234, TensorOptions(kInt32));
  write_png(scratch("one16.png"), one);
  png_image desc{};
  desc.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&desc, scratch("one16.png").c_str()));
  EXPECT_TRUE(desc.format & PNG_FORMAT_FLAG_LINEAR);  // 16-bit
  png_image_free(&desc);
  expect_error(
      [] {
        write_png(scratch("bad16.png"), full({1, 1}, 70000, TensorOptions(kInt32)));
      },
      {"write_png", "70000", "[0, 65535]"});
  expect_error(
      [] {
        write_png(scratch("bad5.png"), zeros({2, 2, 5}, TensorOptions(kUInt8)));
      },
      {"write_png", "[2, 2, 5]"});
}

TEST(PngRead, ModesConvertChannels) {
  Tensor rgba =
      from_vector<int64_t>({10, 20, 30, 128, 200, 100, 50, 255}, {1, 2, 4}, TensorOptions(kUInt8));
  const auto path = scratch("modes.png");
  write_png(path, rgba);
  Tensor rgb = read_png(path, ImageReadMode::RGB);
  EXPECT_TRUE(same_values(rgb, rgba.narrow(2, 0, 3).contiguous()));
  Tensor ga = read_png(path, ImageReadMode::GrayAlpha);
  EXPECT_EQ(ga.sizes(), (Shape{1, 2, 2}));
  EXPECT_EQ(ga.select(2, 1).select(1, 0).item<int>(), 128);  // alpha kept
  // Gray of (10, 20, 30) with luminance weights lies between the channel values.
  const int g = ga.select(2, 0).select(1, 0).item<int>();
  EXPECT_GE(g, 10);
  EXPECT_LE(g, 30);
  Tensor gray = from_vector<int64_t>({0, 255, 7}, {1, 3, 1}, TensorOptions(kUInt8));
  write_png(path, gray);
  Tensor as_rgba = read_png(path, ImageReadMode::RGBA);
  EXPECT_EQ(as_rgba.sizes(), (Shape{1, 3, 4}));
  EXPECT_TRUE(same_values(as_rgba.select(2, 2).contiguous(), gray.select(2, 0).contiguous()));
  EXPECT_EQ(ops::sum(as_rgba.select(2, 3)).item<int64_t>(), 3 * 255);  // opaque alpha added
}

// Writes a PNG with libpng directly (not mica's writer): palette + tRNS, 2-bit gray, interlaced.
struct RawPng {
  int color_type, bit_depth, interlace;
  std::vector<std::vector<unsigned char>> rows;  // packed as libpng expects
  std::vector<png_color> palette;
  std::vector<png_byte> trans;
};

// The setjmp point touches only its arguments, so nothing is clobbered by libpng's longjmp.
bool write_raw_stage(png_structp png, png_infop info, std::FILE* f, const RawPng* raw,
                     png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(raw->rows[0].size() * 8 / raw->bit_depth),
               static_cast<png_uint_32>(raw->rows.size()), raw->bit_depth, raw->color_type,
               raw->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!raw->palette.empty())
    png_set_PLTE(png, info, raw->palette.data(), static_cast<int>(raw->palette.size()));
  if (!raw->trans.empty())
    png_set_tRNS(png, info, raw->trans.data(), static_cast<int>(raw->trans.size()), nullptr);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

bool write_raw_png(const fs::path& path, RawPng* raw) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> ptrs;
  for (auto& r : raw->rows) ptrs.push_back(r.data());
  const bool ok = write_raw_stage(png, info, f, raw, ptrs.data());
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
  return ok;
}

TEST(PngRead, ExpandsPaletteLowBitDepthAndInterlacing) {
  RawPng pal{PNG_COLOR_TYPE_PALETTE,
             8,
             PNG_INTERLACE_NONE,
             {{0, 1, 2}, {2, 1, 0}},
             {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}},
             {255, 100}};
  ASSERT_TRUE(write_raw_png(scratch("pal.png"), &pal));
  Tensor p = read_png(scratch("pal.png"));
  ASSERT_EQ(p.sizes(), (Shape{2, 3, 4}));   // tRNS becomes alpha
  Tensor px = p.select(0, 0).select(0, 1);  // index 1: green, alpha 100
  EXPECT_EQ(px.select(0, 1).item<int>(), 255);
  EXPECT_EQ(px.select(0, 3).item<int>(), 100);
  EXPECT_EQ(p.select(0, 0).select(0, 2).select(0, 3).item<int>(), 255);  // no tRNS entry: opaque
  EXPECT_EQ(read_png(scratch("pal.png"), ImageReadMode::RGB).sizes(), (Shape{2, 3, 3}));

  // 2-bit gray: samples 0..3 scale to 0, 85, 170, 255. One byte holds four pixels.
  RawPng g2{PNG_COLOR_TYPE_GRAY, 2, PNG_INTERLACE_NONE, {{0b00011011}}, {}, {}};
  ASSERT_TRUE(write_raw_png(scratch("g2.png"), &g2));
  Tensor g = read_png(scratch("g2.png"));
  EXPECT_TRUE(
      same_values(g, from_vector<int64_t>({0, 85, 170, 255}, {1, 4, 1}, TensorOptions(kUInt8))));

  // A large 1-bit image compresses ~1000x; the size check still accepts it.
  RawPng big{PNG_COLOR_TYPE_GRAY,
             1,
             PNG_INTERLACE_NONE,
             std::vector<std::vector<unsigned char>>(2000, std::vector<unsigned char>(250, 0xFF)),
             {},
             {}};
  ASSERT_TRUE(write_raw_png(scratch("big1.png"), &big));
  EXPECT_LT(fs::file_size(scratch("big1.png")), 10000u);
  Tensor b = read_png(scratch("big1.png"));
  EXPECT_EQ(b.sizes(), (Shape{2000, 2000, 1}));
  EXPECT_EQ(ops::sum(b.to(kInt64)).item<int64_t>(), int64_t{255} * 2000 * 2000);

  // Adam7-interlaced 8-bit gray reads like the plain image.
  RawPng il{PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_ADAM7, {}, {}, {}};
  Tensor want = empty({9, 10, 1}, TensorOptions(kUInt8));
  for (int y = 0; y < 9; ++y) {
    il.rows.emplace_back();
    for (int x = 0; x < 10; ++x) {
      const auto v = static_cast<unsigned char>(y * 10 + x);
      il.rows.back().push_back(v);
      want.data_ptr<uint8_t>()[y * 10 + x] = v;
    }
  }
  ASSERT_TRUE(write_raw_png(scratch("interlaced.png"), &il));
  EXPECT_TRUE(same_values(read_png(scratch("interlaced.png")), want));
}

TEST(PngRead, RejectsMalformedFiles) {
  Tensor img = randint(0, 256, {16, 16, 3}, TensorOptions(kUInt8));
  const auto good = scratch("good.png");
  write_png(good, img);
  const std::string bytes = bytes_of(good);
  // Cut at every length: an error, never a crash (the header, inside IDAT, before IEND).
  for (size_t n : {size_t{0}, size_t{7}, size_t{8}, size_t{20}, size_t{40}, bytes.size() / 2,
                   bytes.size() - 13, bytes.size() - 1}) {
    const auto cut = scratch("cut.png");
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, n);
    EXPECT_THROW(read_png(cut), Error) << n << " bytes";
  }
  const auto cut = scratch("cut.png");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error([&] { read_png(cut); }, {"read_png", "cut.png", "truncated"});
  // A flipped byte inside IDAT: the chunk CRC no longer matches.
  std::string bad = bytes;
  bad[bytes.find("IDAT") + 10] ^= 0x5A;
  const auto corrupt = scratch("corrupt.png");
  std::ofstream(corrupt, std::ios::binary) << bad;
  expect_error([&] { read_png(corrupt); }, {"read_png", "malformed"});
  // A valid header (CRC fixed up) promising 2^20 x 2^20 pixels in a tiny file is refused before
  // anything is allocated for it.
  std::string huge = bytes;
  const std::string dim = {0, 0x10, 0, 0};
  huge.replace(16, 4, dim);
  huge.replace(20, 4, dim);
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(huge.data() + 12), 17);
  huge.replace(29, 4,
               std::string{static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                           static_cast<char>(crc >> 8), static_cast<char>(crc)});
  std::ofstream(scratch("huge.png"), std::ios::binary) << huge;
  expect_error([] { read_png(scratch("huge.png")); }, {"1048576x1048576", "more than its"});
  std::ofstream(scratch("text.png"), std::ios::binary) << "GIF89a not a png";
  expect_error([] { read_png(scratch("text.png")); }, {"not a PNG"});
  expect_error([] { read_png("/nonexistent/x.png"); }, {"not found", "/nonexistent/x.png"});
}

TEST(PngRead, MutatedFilesThrowOrRead) {
  // Every byte position of a small file, overwritten with a few values: read_png either returns
  // an image or throws mica::Error (run under the sanitizers, this also checks for no bad reads).
  Tensor img = randint(0, 256, {6, 5, 4}, TensorOptions(kUInt8));
  write_png(scratch("m.png"), img);
  const std::string bytes = bytes_of(scratch("m.png"));
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char v : {0x00, 0xFF, 0x7F}) {
      std::string m = bytes;
      if (static_cast<unsigned char>(m[i]) == v) continue;
      m[i] = static_cast<char>(v);
      std::ofstream(scratch("mut.png"), std::ios::binary) << m;
      try {
        Tensor t = read_png(scratch("mut.png"));
        EXPECT_EQ(t.dim(), 3);
      } catch (const Error&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

// ---- IDX ----

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

TEST(IdxRead, RejectsOverflowingAndShortData) {
  // Four dims of 2^16 floats: 2^66 bytes, the product overflows 64 bits.
  const auto overflow = scratch("overflow.idx");
  std::ofstream(overflow, std::ios::binary)
      << std::string{0, 0, 0x0D, 4} + be32(65536) + be32(65536) + be32(65536) + be32(65536);
  expect_error([&] { read_idx(overflow); }, {"read_idx", "overflows"});
  // Declares 2 x 3 int32 (24 bytes), holds 8.
  const auto short_small = scratch("short_small.idx");
  std::ofstream(short_small, std::ios::binary)
      << std::string{0, 0, 0x0C, 2} + be32(2) + be32(3) + std::string(8, '\1');
  expect_error([&] { read_idx(short_small); }, {"read_idx", "truncated", "24 bytes"});
  // Declares 4 GiB of uint8 in a tiny file: read in steps, fails on the missing bytes without
  // reserving the declared size.
  const auto short_big = scratch("short_big.idx");
  std::ofstream(short_big, std::ios::binary)
      << std::string{0, 0, 0x08, 2} + be32(65536) + be32(65536) + std::string(100, 'x');
  expect_error([&] { read_idx(short_big); }, {"read_idx", "4294967296 bytes", "got 100"});
  // A zero dim is a valid empty tensor.
  const auto empty_idx = scratch("empty.idx");
  std::ofstream(empty_idx, std::ios::binary) << std::string{0, 0, 0x08, 2} + be32(0) + be32(5);
  EXPECT_EQ(read_idx(empty_idx).sizes(), (Shape{0, 5}));
}

// Independent check of Debian's files: zlib straight into bytes, big-endian fields by hand.
std::string gunzip_prefix(const std::string& path, size_t n) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string out(n, '\0');
  const int got = f ? gzread(f, out.data(), static_cast<unsigned>(n)) : -1;
  if (f) gzclose(f);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

uint32_t be_at(const std::string& b, size_t i) {
  return uint32_t{static_cast<unsigned char>(b[i])} << 24 |
         uint32_t{static_cast<unsigned char>(b[i + 1])} << 16 |
         uint32_t{static_cast<unsigned char>(b[i + 2])} << 8 |
         uint32_t{static_cast<unsigned char>(b[i + 3])};
}

TEST(FashionMnistFiles, HeaderValuesAndFirstLabels) {
  const std::string dir = kFashionMnistDir;
  if (!fs::exists(dir + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  // Expected values were also confirmed with /usr/bin/python3's gzip module on these files.
  const std::string imgs = gunzip_prefix(dir + "/train-images-idx3-ubyte.gz", 16);
  ASSERT_EQ(imgs.size(), 16u);
  EXPECT_EQ(be_at(imgs, 0), 0x00000803u);  // uint8, 3 dims
  EXPECT_EQ(be_at(imgs, 4), 60000u);
  EXPECT_EQ(be_at(imgs, 8), 28u);
  EXPECT_EQ(be_at(imgs, 12), 28u);
  const std::vector<int64_t> train_first = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  const std::vector<int64_t> test_first = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  const std::string lab = gunzip_prefix(dir + "/train-labels-idx1-ubyte.gz", 18);
  ASSERT_EQ(lab.size(), 18u);
  EXPECT_EQ(be_at(lab, 0), 0x00000801u);
  EXPECT_EQ(be_at(lab, 4), 60000u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(lab[8 + i], train_first[i]);

  // mica's loader agrees with the independent reading.
  ImageLabelSet train = load_fashion_mnist("train");
  EXPECT_EQ(train.images.sizes(), (Shape{60000, 28, 28}));
  EXPECT_EQ(train.images.dtype(), kUInt8);
  EXPECT_EQ(train.labels.sizes(), (Shape{60000}));
  EXPECT_TRUE(same_values(train.labels.narrow(0, 0, 10), from_vector(train_first)));
  EXPECT_EQ(ops::sum(train.images.select(0, 0).to(kInt64)).item<int64_t>(),
            76247);  // python-checked
  ImageLabelSet test = load_fashion_mnist("test");
  EXPECT_TRUE(same_values(test.labels.narrow(0, 0, 10), from_vector(test_first)));
}

TEST(Mnist, HelperReadsTheSameLayoutAndExplainsMissingFiles) {
  expect_error([] { load_mnist("train", "/nonexistent"); },
               {"load_mnist", "train-images-idx3-ubyte.gz", "no Debian package"});
  expect_error([] { load_mnist("val", "/tmp"); }, {"split"});
  if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz")) GTEST_SKIP();
  // Fashion-MNIST is a drop-in replacement for MNIST, so the MNIST helper reads its files too.
  EXPECT_EQ(load_mnist("test", kFashionMnistDir).images.sizes(), (Shape{10000, 28, 28}));
}

// ---- text ----

TEST(TextFiles, ReadWriteAndLines) {
  const auto p = scratch("t.txt");
  write_text_file(p, "one\r\ntwo\n\nlast");
  EXPECT_EQ(read_text_file(p), "one\r\ntwo\n\nlast");
  EXPECT_EQ(read_lines(p), (std::vector<std::string>{"one", "two", "", "last"}));
  write_file(p, std::string("a\0b", 3));
  EXPECT_EQ(read_file(p), std::string("a\0b", 3));
  write_file(p, "");
  EXPECT_TRUE(read_lines(p).empty());
  for (const auto& e : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  expect_error([] { read_text_file("/nonexistent/notes.txt"); },
               {"not found", "/nonexistent/notes.txt"});
  expect_error([&] { read_file(p.parent_path()); }, {"not a regular file"});
  expect_error([] { write_file("/nonexistent/dir/x.txt", "x"); }, {"write_file", "cannot create"});
}

// ---- fortunes ----

TEST(Fortunes, ParsesEntriesAndRoundTrips) {
  EXPECT_EQ(parse_fortunes("first\nline two\n%\nsecond\n%\n%\n\n%\nthird"),
            (std::vector<std::string>{"first\nline two", "second", "third"}));
  const std::vector<std::string> entries = {"A saying.", "Two\n  lines\n\t-- Author", "100% sure"};
  const fs::path dir = scratch("fortunes");
  fs::create_directories(dir);
  write_text_file((dir / "wisdom").string(), format_fortunes(entries));
  write_text_file((dir / "wisdom.dat").string(), "index");
  fs::create_symlink("wisdom", dir / "wisdom.u8");
  fs::create_symlink("wisdom", dir / "alias");
  fs::create_directories(dir / "off");
  EXPECT_EQ(fortune_categories(dir.string()), (std::vector<std::string>{"wisdom"}));
  const std::vector<Fortune> got = load_fortunes(dir.string());
  ASSERT_EQ(got.size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(got[i].text, entries[i]);
    EXPECT_EQ(got[i].category, "wisdom");
  }
  expect_error([&] { load_fortunes(dir.string(), {"nope"}); }, {"category 'nope'"});
  expect_error([] { load_fortunes("/nonexistent/fortunes"); }, {"fortunes", "apt-get install"});
  const fs::path empty_dir = scratch("no_fortunes");
  fs::create_directories(empty_dir);
  expect_error([&] { load_fortunes(empty_dir.string()); }, {"no fortune files", "fortunes"});
}

TEST(Fortunes, DebianCorpus) {
  if (!fs::exists(std::string(kFortunesDir) + "/fortunes"))
    GTEST_SKIP() << "Debian package fortunes not installed";
  const std::vector<std::string> cats = fortune_categories();
  ASSERT_FALSE(cats.empty());
  for (const std::string& c : cats) {
    EXPECT_EQ(c.find('.'), std::string::npos) << c;  // no .dat / .u8
    EXPECT_GT(load_fortunes(kFortunesDir, {c}).size(), 0u) << c;
  }
  const std::vector<Fortune> all = load_fortunes();
  EXPECT_GT(all.size(), 1000u);
  // An entry is the text between two "%" lines of its file, verbatim.
  const Fortune& f = all[all.size() / 2];
  const std::string file = read_file(std::string(kFortunesDir) + "/" + f.category);
  EXPECT_NE(("%\n" + file + "\n%").find("%\n" + f.text + "\n%"), std::string::npos);
  for (const Fortune& e : all) {
    ASSERT_FALSE(e.text.empty());
    ASSERT_NE(e.text.back(), '\n');
  }
}

}  // namespace
}  // namespace mica::data
