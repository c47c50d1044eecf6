// GEMM benchmark: sgemm C = A @ B for square n in {256, 1024, 2048} on 2 threads, reported in
// GFLOP/s (2 n^3 per call). One source, built once per candidate library (the CMake target
// defines MICA_BENCH_EIGEN, MICA_BENCH_OPENBLAS, MICA_BENCH_BLIS or MICA_BENCH_MICA), because
// OpenBLAS and BLIS export the same CBLAS symbols and cannot share one executable.
#include <benchmark/benchmark.h>

#include <omp.h>

#include <cstdint>
#include <random>
#include <vector>

#if defined(MICA_BENCH_EIGEN)
#include <Eigen/Core>
#elif defined(MICA_BENCH_OPENBLAS)
#include <cblas.h>
#elif defined(MICA_BENCH_BLIS)
#include <blis.h>
#elif defined(MICA_BENCH_MICA)
#include "tensor/cpu/gemm.h"
#include "tensor/parallel.h"
#else
#error "define one of MICA_BENCH_EIGEN, MICA_BENCH_OPENBLAS, MICA_BENCH_BLIS, MICA_BENCH_MICA"
#endif

namespace {

constexpr int kThreads = 2;

struct Operands {
  std::vector<float> a, b, c;
  explicit Operands(int64_t n) : a(n * n), b(n * n), c(n * n, 0.f) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (auto& x : a) x = d(rng);
    for (auto& x : b) x = d(rng);
  }
};

void set_threads() {
  omp_set_num_threads(kThreads);
#if defined(MICA_BENCH_EIGEN)
  Eigen::setNbThreads(kThreads);
#elif defined(MICA_BENCH_OPENBLAS)
  openblas_set_num_threads(kThreads);
#elif defined(MICA_BENCH_BLIS)
  bli_thread_set_num_threads(kThreads);
#elif defined(MICA_BENCH_MICA)
  mica::set_num_threads(kThreads);
#endif
}

// One call of C = A @ B, row-major, n x n.
void sgemm(int64_t n, const float* a, const float* b, float* c) {
#if defined(MICA_BENCH_EIGEN)
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> ma(a, n, n), mb(b, n, n);
  Eigen::Map<Mat> mc(c, n, n);
  mc.noalias() = ma * mb;
#elif defined(MICA_BENCH_OPENBLAS) || defined(MICA_BENCH_BLIS)
  const int ni = static_cast<int>(n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.f, a, ni, b, ni, 0.f, c, ni);
#elif defined(MICA_BENCH_MICA)
  mica::cpu::gemm(false, false, n, n, n, 1.f, a, n, b, n, 0.f, c, n);
#endif
}

void BM_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  set_threads();
  Operands ops(n);
  sgemm(n, ops.a.data(), ops.b.data(), ops.c.data());  // warm-up (thread pools, packing buffers)
  for (auto _ : state) {
    sgemm(n, ops.a.data(), ops.b.data(), ops.c.data());
    benchmark::DoNotOptimize(ops.c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * n * n) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = kThreads;
}

// Real time for the rate; the CPU column is the whole process's (all threads, spinning included).
BENCHMARK(BM_sgemm)->Arg(256)->Arg(1024)->Arg(2048)->UseRealTime()->MeasureProcessCPUTime()->Unit(
    benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
