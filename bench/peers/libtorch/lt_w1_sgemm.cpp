// libtorch (C++) peer of W1 (shared/WORKLOADS.md): torch::mm_out, square fp32, A, B ~ N(0, 1).
// 3 warm-up calls then 400 / 40 / 12 timed calls for n = 256 / 1024 / 2048; one JSON line per
// size. Usage: lt_w1_sgemm [--sizes 256,1024,2048] [--quick] (quick: 1/10 of the calls, >= 3)
#include "common.h"

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {256, 1024, 2048};
  if (const char* v = ltpeer::flag_value(argc, argv, "--sizes")) {
    sizes.clear();
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) sizes.push_back(std::atoll(item.c_str()));
  }
  const bool quick = ltpeer::has_flag(argc, argv, "--quick");
  ltpeer::setup();
  for (const int64_t n : sizes) {
    int64_t calls = n <= 256 ? 400 : n <= 1024 ? 40 : 12;
    if (quick) calls = std::max<int64_t>(3, calls / 10);
    auto a = torch::randn({n, n});
    auto b = torch::randn({n, n});
    auto c = torch::empty({n, n});
    for (int i = 0; i < 3; ++i) torch::mm_out(c, a, b);
    std::vector<double> times;
    for (int64_t i = 0; i < calls; ++i) {
      const double t0 = ltpeer::now_ms();
      torch::mm_out(c, a, b);
      times.push_back(ltpeer::now_ms() - t0);
    }
    const double med = ltpeer::median(times);
    ltpeer::emit("w1_n" + std::to_string(n), calls, times,
                 {{"gflops", 2.0 * static_cast<double>(n * n * n) / (med * 1e6)}});
  }
  return 0;
}
