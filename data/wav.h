// WAV (RIFF/WAVE) audio reading and writing: PCM and IEEE float samples, any channel count and
// sample rate, as float32 waveforms [channels, frames] in [-1, 1] (torchaudio's layout).
#pragma once

#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace mica::data {

enum class WavEncoding {
  PCM16,    // 16-bit signed integers; sample s reads as s / 32768
  Float32,  // IEEE float (format 3), written and read unchanged
};

struct WavAudio {
  Tensor waveform;          // [channels, frames] float32
  int64_t sample_rate = 0;  // frames per second
};

// Reads PCM (format 1: 8-bit unsigned, 16/24/32-bit signed, scaled by 1/128, 1/32768, 1/2^23,
// 1/2^31) and IEEE float (format 3: 32 or 64 bit) files, also when the fmt chunk is
// WAVE_FORMAT_EXTENSIBLE with one of those sub-formats. Unknown chunks (LIST, fact, cue, ...)
// are skipped. Malformed files (no RIFF/WAVE header, a chunk size past the end of the file, a
// missing fmt or data chunk, a block size that does not match the format, a data size that is
// not whole frames) throw mica::Error naming the path and the byte offset.
WavAudio read_wav(const std::string& path);

// waveform: [channels, frames] (or [frames], mono) floating. PCM16 rounds s * 32768 to the
// nearest integer and clamps it to [-32768, 32767] (so reading a PCM16 file and writing it back
// gives the same bytes); NaN samples are rejected. Float32 stores the values as they are. The
// file has a canonical header (fmt, then data; float files also carry a fact chunk) and is
// written atomically (temporary file, then rename). sample_rate: 1 .. 2^32 - 1.
void write_wav(const std::string& path, const Tensor& waveform, int64_t sample_rate,
               WavEncoding encoding = WavEncoding::PCM16);

}  // namespace mica::data
