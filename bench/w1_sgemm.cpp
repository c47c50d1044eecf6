// Workload W1 (shared/WORKLOADS.md): sgemm C = A @ B, square fp32, A, B ~ N(0, 1), 3 warm-up
// calls then 400 / 40 / 12 timed calls for n = 256 / 1024 / 2048; one JSON line per size with
// the median ms per call and GFLOP/s = 2 n^3 / median.
// Like the peer's torch.mm(a, b, out=c), each call writes into a preallocated C (ops::mm_out).
//
// Usage: w1_sgemm [--sizes 256,1024,2048] [--quick] (quick: 1/10 of the calls, at least 3)
#include "bench/workload_util.h"

using namespace mica;
using namespace mica::bench;

int main(int argc, char** argv) {
  const Args args(argc, argv);
  std::vector<int64_t> sizes = {256, 1024, 2048};
  for (const auto& [k, v] : args.kv) {
    if (k != "--sizes") continue;
    sizes.clear();
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) sizes.push_back(std::stoll(item));
  }
  const bool quick = args.has("--quick");
  setup();
  for (const int64_t n : sizes) {
    int64_t calls = n <= 256 ? 400 : n <= 1024 ? 40 : 12;
    if (quick) calls = std::max<int64_t>(3, calls / 10);
    const Tensor a = randn({n, n}), b = randn({n, n});
    const Tensor c = empty({n, n});
    for (int i = 0; i < 3; ++i) ops::mm_out(c, a, b);
    std::vector<double> times;
    for (int64_t i = 0; i < calls; ++i) {
      const double t0 = now_ms();
      ops::mm_out(c, a, b);
      times.push_back(now_ms() - t0);
    }
    const Stats st = stats_of(times);
    const double gflops = 2.0 * static_cast<double>(n) * n * n / (st.median * 1e6);
    JsonLine()
        .str("workload", "w1_n" + std::to_string(n))
        .str("impl", "mica")
        .num("steps", static_cast<double>(calls))
        .num("median_ms", st.median)
        .num("min_ms", st.min)
        .num("max_ms", st.max)
        .num("gflops", gflops)
        .num("peak_rss_mb", peak_rss_mb())
        .num("threads", kThreads)
        .print();
  }
  return 0;
}
