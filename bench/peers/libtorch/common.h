// Shared helpers of the libtorch (C++) workload peers, the C++ twin of bench/peers/common.py.
#pragma once

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>

namespace ltpeer {

inline constexpr int kThreads = 2;
inline constexpr uint64_t kSeed = 1337;
inline constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(2);
}

inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// ---- the sample hash (shared/WORKLOADS.md) ----

inline uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline uint64_t sample_hash(uint64_t seed, uint64_t stream, uint64_t i) {
  return splitmix64(splitmix64(seed * 1000003ULL + stream) + i);
}

inline void check_hash() {
  check(splitmix64(0) == 0xE220A8397B1DCDAFULL, "splitmix64(0)");
  check(sample_hash(1337, 1, 0) == 10547887158711343952ULL, "h(1337, 1, 0)");
  check(sample_hash(1337, 1, 1) == 8022015769922315494ULL, "h(1337, 1, 1)");
}

// 0..n-1 stably sorted by h(seed, stream, epoch*n + i), as int64 tensor [n].
inline torch::Tensor perm_tensor(int64_t n, int64_t epoch = 0, uint64_t stream = 4) {
  std::vector<uint64_t> keys(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    keys[static_cast<size_t>(i)] = sample_hash(kSeed, stream, static_cast<uint64_t>(epoch * n + i));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return keys[static_cast<size_t>(a)] < keys[static_cast<size_t>(b)];
  });
  if (n == 60000) {
    const int64_t first[5] = {17733, 8906, 25108, 10086, 18464};
    check(std::equal(first, first + 5, perm.begin()), "epoch permutation check values");
  }
  return torch::tensor(perm, torch::kInt64);
}

inline void setup() {
  check_hash();
  torch::set_num_threads(kThreads);
  torch::manual_seed(kSeed);
}

// ---- data ----

inline std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail("cannot open " + path);
  std::string out;
  char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(got));
  gzclose(f);
  if (got < 0) fail("cannot read " + path);
  return out;
}

inline uint32_t be32(const std::string& s, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// float32 [N, 1, 28, 28] = pixels * scale + shift (split: "train" or "t10k").
inline torch::Tensor fashion_images(const std::string& split, double scale, double shift) {
  const std::string path = std::string(kFashionDir) + "/" + split + "-images-idx3-ubyte.gz";
  const std::string raw = read_gzip(path);
  check(raw.size() >= 16 && be32(raw, 0) == 2051, "bad IDX header: " + path);
  const int64_t n = be32(raw, 4), rows = be32(raw, 8), cols = be32(raw, 12);
  check(raw.size() == static_cast<size_t>(16 + n * rows * cols), "bad IDX size: " + path);
  auto pixels =
      torch::from_blob(const_cast<char*>(raw.data()) + 16, {n, 1, rows, cols}, torch::kUInt8);
  return pixels.to(torch::kFloat32).mul_(scale).add_(shift);
}

inline torch::Tensor batch_of(const torch::Tensor& images, const torch::Tensor& perm, int64_t s,
                              int64_t batch) {
  return images.index_select(0, perm.slice(0, s * batch, (s + 1) * batch)).contiguous();
}

// ---- timing, statistics, output ----

inline double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v) {  // the mean of the middle two when even (Python's)
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double peak_rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return -1.0;
}

inline bool has_flag(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i)
    if (flag == argv[i]) return true;
  return false;
}

// The value after `flag`, or nullptr.
inline const char* flag_value(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i + 1 < argc; ++i)
    if (flag == argv[i]) return argv[i + 1];
  return nullptr;
}

inline int64_t int_arg(int argc, char** argv, std::string_view flag, int64_t fallback) {
  const char* v = flag_value(argc, argv, flag);
  return v ? std::atoll(v) : fallback;
}

// A JSON value: a number (NaN / inf print as null), an integer or a string.
struct Value {
  std::string text;
  Value(double v) {  // NOLINT(google-explicit-constructor)
    if (!std::isfinite(v)) {
      text = "null";
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      text = buf;
      if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    }
  }
  Value(int64_t v) : text(std::to_string(v)) {}  // NOLINT(google-explicit-constructor)
  Value(int v) : text(std::to_string(v)) {}      // NOLINT(google-explicit-constructor)
};

using Extra = std::vector<std::pair<std::string, Value>>;

// One JSON line with the keys of common.emit (impl "libtorch").
inline void emit(const std::string& workload, int64_t steps, const std::vector<double>& times,
                 const Extra& extra) {
  std::ostringstream out;
  out << "{\"workload\": \"" << workload << "\", \"impl\": \"libtorch\", \"steps\": " << steps
      << ", \"median_ms\": " << Value(median(times)).text
      << ", \"min_ms\": " << Value(*std::min_element(times.begin(), times.end())).text
      << ", \"max_ms\": " << Value(*std::max_element(times.begin(), times.end())).text;
  for (const auto& [k, v] : extra) out << ", \"" << k << "\": " << v.text;
  out << ", \"peak_rss_mb\": " << Value(peak_rss_mb()).text
      << ", \"threads\": " << torch::get_num_threads() << "}\n";
  std::fputs(out.str().c_str(), stdout);
  std::fflush(stdout);
}

inline int64_t num_params(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace ltpeer
