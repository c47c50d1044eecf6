// WAV parsing with bounds-checked chunk walking, sample decoding to float32, and encoding.
#include "data/wav.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "data/text.h"
#include "tensor/ops/factory.h"

namespace mica::data {

namespace {

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;
// Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs (the first two hold the format).
constexpr unsigned char kSubformatTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                              0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

uint16_t le16(const unsigned char* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
void put16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}

struct Format {
  uint16_t tag = 0;  // kFormatPcm or kFormatFloat (extensible resolved)
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint16_t block_align = 0;
  uint16_t bits = 0;
};

Format parse_fmt(const unsigned char* p, uint32_t size, const std::string& path, uint64_t at) {
  MICA_CHECK(size >= 16, "read_wav: ", path, ": fmt chunk at byte ", at, " is ", size,
             " bytes, needs at least 16");
  Format f;
  f.tag = le16(p);
  f.channels = le16(p + 2);
  f.sample_rate = le32(p + 4);
  f.block_align = le16(p + 12);
  f.bits = le16(p + 14);
  if (f.tag == kFormatExtensible) {
    MICA_CHECK(size >= 40, "read_wav: ", path, ": WAVE_FORMAT_EXTENSIBLE fmt chunk at byte ", at,
               " is ", size, " bytes, needs 40");
    MICA_CHECK(std::memcmp(p + 26, kSubformatTail, sizeof kSubformatTail) == 0, "read_wav: ", path,
               ": unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID");
    f.tag = le16(p + 24);
  }
  MICA_CHECK(f.tag == kFormatPcm || f.tag == kFormatFloat, "read_wav: ", path,
             ": unsupported sample format 0x", std::hex, f.tag, std::dec,
             " (supported: PCM 1 and IEEE float 3, also as WAVE_FORMAT_EXTENSIBLE)");
  const bool ok_bits = f.tag == kFormatPcm
                           ? (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32)
                           : (f.bits == 32 || f.bits == 64);
  MICA_CHECK(ok_bits, "read_wav: ", path, ": unsupported ", f.bits, "-bit ",
             f.tag == kFormatPcm ? "PCM" : "float", " samples");
  MICA_CHECK(f.channels >= 1, "read_wav: ", path, ": fmt chunk declares 0 channels");
  MICA_CHECK(f.sample_rate >= 1, "read_wav: ", path, ": fmt chunk declares sample rate 0");
  MICA_CHECK(f.block_align == f.channels * (f.bits / 8), "read_wav: ", path, ": block align ",
             f.block_align, " does not match ", f.channels, " channels of ", f.bits, " bits");
  return f;
}

float decode(const unsigned char* p, const Format& f) {
  if (f.tag == kFormatFloat) {
    if (f.bits == 32) {
      const uint32_t u = le32(p);
      float v;
      std::memcpy(&v, &u, 4);
      return v;
    }
    const uint64_t u = uint64_t{le32(p)} | (uint64_t{le32(p + 4)} << 32);
    double v;
    std::memcpy(&v, &u, 8);
    return static_cast<float>(v);
  }
  switch (f.bits) {
    case 8:
      return (static_cast<float>(p[0]) - 128.0f) / 128.0f;
    case 16:
      return static_cast<float>(static_cast<int16_t>(le16(p))) / 32768.0f;
    case 24: {
      const int32_t v =
          static_cast<int32_t>((uint32_t{p[0]} << 8 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 24));
      return static_cast<float>(static_cast<double>(v >> 8) / 8388608.0);
    }
    default:
      return static_cast<float>(static_cast<double>(static_cast<int32_t>(le32(p))) / 2147483648.0);
  }
}

}  // namespace

WavAudio read_wav(const std::string& path) {
  const std::string file = read_file(path);
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  const uint64_t n = file.size();
  MICA_CHECK(n >= 12, "read_wav: ", path, ": ", n, " bytes, too short for a RIFF/WAVE header");
  const std::string_view magic(file.data(), 4);
  MICA_CHECK(magic != "RF64" && magic != "RIFX", "read_wav: ", path, ": ", magic,
             " files are not supported (only little-endian RIFF)");
  MICA_CHECK(magic == "RIFF" && std::string_view(file.data() + 8, 4) == "WAVE", "read_wav: ", path,
             " is not a WAV file (no RIFF/WAVE header)");
  const uint64_t riff_end = 8 + uint64_t{le32(bytes + 4)};
  MICA_CHECK(riff_end <= n, "read_wav: ", path, ": RIFF size ", riff_end - 8,
             " runs past the end of the file (", n, " bytes): truncated");

  bool have_fmt = false, have_data = false;
  Format fmt;
  uint64_t data_at = 0, data_size = 0;
  uint64_t pos = 12;
  while (riff_end - pos >= 8) {
    const std::string_view id(file.data() + pos, 4);
    const uint32_t size = le32(bytes + pos + 4);
    const uint64_t body = pos + 8;
    MICA_CHECK(size <= riff_end - body, "read_wav: ", path, ": chunk '", id, "' at byte ", pos,
               " declares ", size, " bytes but only ", riff_end - body,
               " remain in the file: truncated or corrupt");
    if (id == "fmt " && !have_fmt) {
      fmt = parse_fmt(bytes + body, size, path, pos);
      have_fmt = true;
    } else if (id == "data" && !have_data) {
      data_at = body;
      data_size = size;
      have_data = true;
    }
    pos = body + size + (size & 1);  // chunks are padded to even sizes
    if (pos > riff_end) break;
  }
  MICA_CHECK(have_fmt, "read_wav: ", path, ": no fmt chunk");
  MICA_CHECK(have_data, "read_wav: ", path, ": no data chunk");
  MICA_CHECK(data_size % fmt.block_align == 0, "read_wav: ", path, ": data chunk at byte ",
             data_at - 8, " holds ", data_size, " bytes, not a whole number of ", fmt.block_align,
             "-byte frames");

  const int64_t channels = fmt.channels;
  const int64_t frames = static_cast<int64_t>(data_size / fmt.block_align);
  const size_t width = fmt.bits / 8;
  Tensor out = empty({channels, frames}, kFloat32);
  float* dst = out.data_ptr<float>();
  const unsigned char* src = bytes + data_at;
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t c = 0; c < channels; ++c, src += width) dst[c * frames + t] = decode(src, fmt);
  return {out, static_cast<int64_t>(fmt.sample_rate)};
}

void write_wav(const std::string& path, const Tensor& waveform_in, int64_t sample_rate,
               WavEncoding encoding) {
  MICA_CHECK(waveform_in.defined() && (waveform_in.dim() == 1 || waveform_in.dim() == 2) &&
                 waveform_in.is_floating_point(),
             "write_wav: expected a floating [channels, frames] or [frames] waveform, got ",
             waveform_in.defined() ? dtype_name(waveform_in.dtype()) : "undefined", " ",
             waveform_in.defined() ? shape_str(waveform_in.sizes()) : "");
  MICA_CHECK(sample_rate >= 1 && sample_rate <= std::numeric_limits<uint32_t>::max(),
             "write_wav: sample rate ", sample_rate, " out of range [1, 2^32 - 1]");
  const Tensor w = (waveform_in.dim() == 1 ? waveform_in.unsqueeze(0) : waveform_in)
                       .cpu()
                       .to(kFloat32)
                       .contiguous();
  const int64_t channels = w.size(0), frames = w.size(1);
  MICA_CHECK(channels >= 1 && channels <= 65535, "write_wav: ", channels,
             " channels, expected 1 .. 65535");
  const bool pcm = encoding == WavEncoding::PCM16;
  const uint64_t width = pcm ? 2 : 4;
  const uint64_t data_bytes =
      static_cast<uint64_t>(channels) * static_cast<uint64_t>(frames) * width;
  const uint64_t header = pcm ? 44 : 58;
  MICA_CHECK(header - 8 + data_bytes <= std::numeric_limits<uint32_t>::max(),
             "write_wav: ", data_bytes, " bytes of samples do not fit a RIFF file (4 GiB)");

  std::string out;
  out.reserve(header + data_bytes);
  out += "RIFF";
  put32(out, static_cast<uint32_t>(header - 8 + data_bytes));
  out += "WAVEfmt ";
  put32(out, pcm ? 16 : 18);
  put16(out, pcm ? kFormatPcm : kFormatFloat);
  put16(out, static_cast<uint32_t>(channels));
  put32(out, static_cast<uint32_t>(sample_rate));
  put32(out, static_cast<uint32_t>(static_cast<uint64_t>(sample_rate) * channels * width));
  put16(out, static_cast<uint32_t>(channels * width));
  put16(out, static_cast<uint32_t>(width * 8));
  if (!pcm) {
    put16(out, 0);  // cbSize
    out += "fact";
    put32(out, 4);
    put32(out, static_cast<uint32_t>(frames));
  }
  out += "data";
  put32(out, static_cast<uint32_t>(data_bytes));
  const float* src = w.data_ptr<float>();
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t c = 0; c < channels; ++c) {
      const float v = src[c * frames + t];
      if (pcm) {
        MICA_CHECK(!std::isnan(v), "write_wav: NaN sample at channel ", c, ", frame ", t);
        const double s = std::nearbyint(static_cast<double>(v) * 32768.0);
        const double clamped = s < -32768.0 ? -32768.0 : s > 32767.0 ? 32767.0 : s;
        put16(out, static_cast<uint16_t>(static_cast<int16_t>(clamped)));
      } else {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        put32(out, u);
      }
    }
  }
  write_file(path, out);
}

}  // namespace mica::data
