// WAV tests: PCM16 and float32 files written and read back bit-exactly (mono, stereo, many
// channels, odd rates), hand-built files in other encodings (8/24/32-bit PCM, float64,
// WAVE_FORMAT_EXTENSIBLE, unknown and odd-sized chunks), and malformed files rejected.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/wav.h"
#include "data_test_util.h"
#include "tensor/ops.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_wav_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void put_bytes(const fs::path& p, const std::string& b) {
  std::ofstream(p, std::ios::binary) << b;
}

std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}
std::string chunk(const std::string& id, const std::string& body) {
  std::string c = id + le(body.size(), 4) + body;
  if (body.size() % 2 == 1) c.push_back('\0');
  return c;
}
std::string fmt_body(int tag, int channels, int rate, int bits) {
  const int align = channels * bits / 8;
  return le(tag, 2) + le(channels, 2) + le(rate, 4) + le(uint64_t(rate) * align, 4) + le(align, 2) +
         le(bits, 2);
}
std::string riff(const std::string& chunks) {
  return "RIFF" + le(4 + chunks.size(), 4) + "WAVE" + chunks;
}

TEST(Wav, Float32RoundTripsBitExactly) {
  for (int64_t channels : {1, 2, 6}) {
    Tensor w = ops::sub(ops::mul(rand({channels, 37}), 2.5), 1.25);  // also outside [-1, 1]
    w.select(0, 0).select(0, 0).fill_(-0.0);
    const auto path = scratch("f32.wav");
    write_wav(path, w, 22050, WavEncoding::Float32);
    const WavAudio a = read_wav(path);
    EXPECT_EQ(a.sample_rate, 22050);
    EXPECT_TRUE(bit_equal(a.waveform, w)) << channels << " channels";
  }
}

TEST(Wav, Pcm16RoundTripsBitExactly) {
  // Every int16 value once, as a stereo file: reading gives s / 32768 and writing that back
  // reproduces the file byte for byte.
  Tensor ints = ops::sub(arange(65536, TensorOptions(kInt64)), 32768);
  Tensor w = ops::div(ints.to(kFloat32), 32768.0).view({2, 32768});
  const auto path = scratch("pcm16.wav");
  write_wav(path, w, 44100);
  const std::string bytes = bytes_of(path);
  EXPECT_EQ(bytes.size(), 44u + 65536u * 2u);
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  const WavAudio a = read_wav(path);
  EXPECT_EQ(a.sample_rate, 44100);
  EXPECT_TRUE(bit_equal(a.waveform, w));
  const auto again = scratch("pcm16_again.wav");
  write_wav(again, a.waveform, a.sample_rate);
  EXPECT_EQ(bytes_of(again), bytes);
  // Frame 0 interleaves channel 0 then channel 1: -32768 then 0.
  EXPECT_EQ(bytes.substr(44, 4), le(0x8000, 2) + le(0, 2));
}

TEST(Wav, Pcm16RoundsAndClamps) {
  Tensor w = from_vector<float>({1.0f, -1.0f, 2.0f, 0.5f / 32768, 1.5f / 32768, -3.0f}, {1, 6});
  write_wav(scratch("clamp.wav"), w, 8000);
  Tensor back = read_wav(scratch("clamp.wav")).waveform;
  const std::vector<float> want = {32767.0f / 32768, -1.0f, 32767.0f / 32768, 0.0f,
                                   2.0f / 32768,     -1.0f};  // halves round to even
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(back.data_ptr<float>()[i], want[i]) << i;
  Tensor nan = full({1, 2}, std::nan(""));
  expect_error([&] { write_wav(scratch("nan.wav"), nan, 8000); }, {"NaN"});
  expect_error([&] { write_wav(scratch("rate.wav"), w, 0); }, {"sample rate"});
  expect_error(
      [&] {
        write_wav(scratch("int.wav"), ones({1, 2}, TensorOptions(kInt32)), 8000);
      },
      {"floating"});
  // A [frames] waveform is mono; odd rates are kept.
  write_wav(scratch("mono.wav"), zeros({5}), 12345);
  const WavAudio m = read_wav(scratch("mono.wav"));
  EXPECT_EQ(m.waveform.sizes(), (Shape{1, 5}));
  EXPECT_EQ(m.sample_rate, 12345);
}

TEST(Wav, ReadsOtherEncodingsAndSkipsUnknownChunks) {
  // 8-bit unsigned PCM, mono, with a LIST chunk of odd size (padded) before fmt.
  put_bytes(scratch("u8.wav"),
            riff(chunk("LIST", "INFOabc") + chunk("fmt ", fmt_body(1, 1, 8000, 8)) +
                 chunk("data", std::string("\x00\x80\xff", 3))));
  WavAudio a = read_wav(scratch("u8.wav"));
  ASSERT_EQ(a.waveform.sizes(), (Shape{1, 3}));
  EXPECT_EQ(a.waveform.data_ptr<float>()[0], -1.0f);
  EXPECT_EQ(a.waveform.data_ptr<float>()[1], 0.0f);
  EXPECT_EQ(a.waveform.data_ptr<float>()[2], 127.0f / 128);

  // 24-bit PCM stereo: frame (0x400000, -0x800000) -> (0.5, -1).
  put_bytes(scratch("s24.wav"), riff(chunk("fmt ", fmt_body(1, 2, 48000, 24)) +
                                     chunk("data", le(0x400000, 3) + le(0x800000, 3))));
  a = read_wav(scratch("s24.wav"));
  ASSERT_EQ(a.waveform.sizes(), (Shape{2, 1}));
  EXPECT_EQ(a.waveform.data_ptr<float>()[0], 0.5f);
  EXPECT_EQ(a.waveform.data_ptr<float>()[1], -1.0f);

  // 32-bit PCM: 0x40000000 -> 0.5.
  put_bytes(scratch("s32.wav"),
            riff(chunk("fmt ", fmt_body(1, 1, 16000, 32)) + chunk("data", le(0x40000000, 4))));
  EXPECT_EQ(read_wav(scratch("s32.wav")).waveform.item<float>(), 0.5f);

  // float64, with a fact chunk and a trailing unknown chunk after data.
  double d = -0.25;
  uint64_t du;
  std::memcpy(&du, &d, 8);
  put_bytes(scratch("f64.wav"),
            riff(chunk("fmt ", fmt_body(3, 1, 96000, 64)) + chunk("fact", le(1, 4)) +
                 chunk("data", le(du, 8)) + chunk("junk", "zz")));
  a = read_wav(scratch("f64.wav"));
  EXPECT_EQ(a.sample_rate, 96000);
  EXPECT_EQ(a.waveform.item<float>(), -0.25f);

  // WAVE_FORMAT_EXTENSIBLE holding 16-bit PCM, 3 channels.
  const std::string guid_tail("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
  std::string ext =
      fmt_body(0xFFFE, 3, 32000, 16) + le(22, 2) + le(16, 2) + le(0x7, 4) + le(1, 2) + guid_tail;
  put_bytes(scratch("ext.wav"),
            riff(chunk("fmt ", ext) + chunk("data", le(16384, 2) + le(0, 2) + le(0xC000, 2))));
  a = read_wav(scratch("ext.wav"));
  ASSERT_EQ(a.waveform.sizes(), (Shape{3, 1}));
  EXPECT_EQ(a.waveform.data_ptr<float>()[0], 0.5f);
  EXPECT_EQ(a.waveform.data_ptr<float>()[2], -0.5f);
}

TEST(Wav, RejectsMalformedFiles) {
  const std::string fmt = chunk("fmt ", fmt_body(1, 2, 8000, 16));
  // A data chunk whose size runs past the end of the file.
  std::string past = riff(fmt + "data" + le(1000, 4) + std::string(8, '\0'));
  put_bytes(scratch("past.wav"), past);
  expect_error([] { read_wav(scratch("past.wav")); },
               {"read_wav", "past.wav", "chunk 'data' at byte 36", "declares 1000 bytes"});
  // A chunk size near 2^32 (no wrap-around in the bounds arithmetic).
  put_bytes(scratch("huge.wav"), riff(fmt + "LIST" + le(0xFFFFFFF0u, 4) + "abcd"));
  expect_error([] { read_wav(scratch("huge.wav")); }, {"chunk 'LIST'"});
  // The file cut short of its RIFF size.
  Tensor w = zeros({2, 100});
  write_wav(scratch("good.wav"), w, 8000);
  const std::string good = bytes_of(scratch("good.wav"));
  for (size_t n : {size_t{0}, size_t{11}, size_t{30}, size_t{44}, size_t{200}}) {
    put_bytes(scratch("cut.wav"), good.substr(0, n));
    EXPECT_THROW(read_wav(scratch("cut.wav")), Error) << n;
  }
  put_bytes(scratch("cut.wav"), good.substr(0, 200));
  expect_error([] { read_wav(scratch("cut.wav")); }, {"truncated"});
  put_bytes(scratch("nodata.wav"), riff(fmt));
  expect_error([] { read_wav(scratch("nodata.wav")); }, {"no data chunk"});
  put_bytes(scratch("nofmt.wav"), riff(chunk("data", "abcd")));
  expect_error([] { read_wav(scratch("nofmt.wav")); }, {"no fmt chunk"});
  put_bytes(scratch("partial.wav"), riff(fmt + chunk("data", "abcdef")));  // 1.5 frames
  expect_error([] { read_wav(scratch("partial.wav")); }, {"whole number"});
  std::string bad_align = fmt_body(1, 2, 8000, 16);
  bad_align[12] = 3;
  put_bytes(scratch("align.wav"), riff(chunk("fmt ", bad_align) + chunk("data", "abcd")));
  expect_error([] { read_wav(scratch("align.wav")); }, {"block align"});
  put_bytes(scratch("alaw.wav"), riff(chunk("fmt ", fmt_body(6, 1, 8000, 8)) + chunk("data", "a")));
  expect_error([] { read_wav(scratch("alaw.wav")); }, {"unsupported sample format 0x6"});
  put_bytes(scratch("short_fmt.wav"), riff(chunk("fmt ", "abcd") + chunk("data", "abcd")));
  expect_error([] { read_wav(scratch("short_fmt.wav")); }, {"fmt chunk", "at least 16"});
  put_bytes(scratch("notwav.wav"), std::string("RIFF\x04\0\0\0AVI ", 12));
  expect_error([] { read_wav(scratch("notwav.wav")); }, {"not a WAV file"});
  expect_error([] { read_wav("/nonexistent/a.wav"); }, {"not found"});
}

TEST(Wav, MutatedHeadersThrowOrRead) {
  // Each header byte (and a few past it) overwritten with several values, including chunk
  // sizes: read_wav returns audio or throws mica::Error, never reads out of bounds.
  Tensor w = ops::sub(rand({2, 8}), 0.5);
  for (WavEncoding enc : {WavEncoding::PCM16, WavEncoding::Float32}) {
    write_wav(scratch("m.wav"), w, 8000, enc);
    const std::string bytes = bytes_of(scratch("m.wav"));
    for (size_t i = 0; i < 70 && i < bytes.size(); ++i) {
      for (unsigned char v : {0x00, 0x01, 0x7F, 0xFF}) {
        std::string m = bytes;
        m[i] = static_cast<char>(v);
        put_bytes(scratch("mut.wav"), m);
        try {
          const WavAudio a = read_wav(scratch("mut.wav"));
          EXPECT_EQ(a.waveform.dim(), 2);
        } catch (const Error&) {
        }
      }
    }
  }
}

}  // namespace
}  // namespace mica::data
