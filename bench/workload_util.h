// Shared helpers of the workload drivers (shared/WORKLOADS.md, mirrored in docs/WORKLOADS.md):
// argument parsing, step timing with the median over the post-warm-up steps, peak RSS from
// /proc/self/status (VmHWM), Fashion-MNIST batches from the hash epoch permutation, and the
// one-line JSON result that bench/run_workloads.py reads (the PyTorch peers print the same keys).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mica.h"

namespace mica::bench {

inline constexpr int kThreads = 2;
inline constexpr uint64_t kSeed = 1337;

// "--name value" options and "--flag" flags; anything else is an error.
struct Args {
  std::vector<std::pair<std::string, std::string>> kv;
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      MICA_CHECK(a.rfind("--", 0) == 0, argv[0], ": unexpected argument '", a, "'");
      if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0)
        kv.emplace_back(a, argv[++i]);
      else
        kv.emplace_back(a, "");
    }
  }
  bool has(const std::string& k) const {
    return std::any_of(kv.begin(), kv.end(), [&](const auto& p) { return p.first == k; });
  }
  int64_t get_int(const std::string& k, int64_t def) const {
    for (const auto& p : kv)
      if (p.first == k) return std::stoll(p.second);
    return def;
  }
};

inline double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Median, min and max of xs (non-empty).
struct Stats {
  double median = 0, min = 0, max = 0;
};
inline Stats stats_of(std::vector<double> xs) {
  MICA_CHECK(!xs.empty(), "bench: no timed steps (ask for more steps than the warm-up)");
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  const double med = n % 2 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
  return {med, xs.front(), xs.back()};
}

// Peak resident set size of this process in MB (VmHWM), or -1 if unreadable.
inline double peak_rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream is(line.substr(6));
      double kb = 0;
      is >> kb;
      return kb / 1024.0;
    }
  }
  return -1;
}

// JSON line builder: {"k": v, ...}; non-finite numbers become null.
class JsonLine {
 public:
  JsonLine& str(const std::string& k, const std::string& v) { return raw(k, "\"" + v + "\""); }
  JsonLine& num(const std::string& k, double v) {
    if (!std::isfinite(v)) return raw(k, "null");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return raw(k, buf);
  }
  JsonLine& null(const std::string& k) { return raw(k, "null"); }
  JsonLine& integer(const std::string& k, int64_t v) { return raw(k, std::to_string(v)); }
  // Appends other's keys (in their order) after this line's.
  JsonLine& append(const JsonLine& other) {
    if (!other.body_.empty()) body_ += (body_.empty() ? "" : ", ") + other.body_;
    return *this;
  }
  void print() const {
    std::printf("{%s}\n", body_.c_str());
    std::fflush(stdout);
  }

 private:
  JsonLine& raw(const std::string& k, const std::string& v) {
    if (!body_.empty()) body_ += ", ";
    body_ += "\"" + k + "\": " + v;
    return *this;
  }
  std::string body_;
};

// Sets mica's intra-op threads (OpenMP and the BLAS) and the framework seed.
inline void setup() {
  mica::set_num_threads(kThreads);
  mica::manual_seed(kSeed);
}

// Fashion-MNIST images as float32 [N, 1, 28, 28] = pixels * scale + shift.
inline Tensor fashion_images(const std::string& split, double scale, double shift) {
  const data::ImageLabelSet set = data::load_fashion_mnist(split);
  const int64_t n = set.images.size(0);
  Tensor x = set.images.to(kFloat32).reshape({n, 1, 28, 28});  // in place from here on
  ops::mul_(x, scale);
  ops::add_(x, shift);
  return x;
}

// Batch s of the epoch-0 permutation: images[perm[s*B : (s+1)*B]] (contiguous copy).
inline Tensor batch_of(const Tensor& images, const Tensor& perm, int64_t s, int64_t batch) {
  return ops::index_select(images, 0, perm.narrow(0, s * batch, batch)).contiguous();
}

inline Tensor perm_tensor(int64_t n) {
  return from_vector(data::hash_permutation(n, 0), {n}, TensorOptions(kInt64));
}

// A leaf parameter of the given shape, filled by U(-bound, bound) (PyTorch default init).
inline Tensor uniform_param(const Shape& shape, double bound) {
  Tensor p = empty(shape);
  nn::init::uniform_(p, -bound, bound);
  p.requires_grad_(true);
  return p;
}

inline Tensor normal_param(const Shape& shape, double mean, double std) {
  Tensor p = empty(shape);
  nn::init::normal_(p, mean, std);
  p.requires_grad_(true);
  return p;
}

inline int64_t param_count(const std::vector<Tensor>& ps) {
  int64_t n = 0;
  for (const auto& p : ps) n += p.numel();
  return n;
}

}  // namespace mica::bench
