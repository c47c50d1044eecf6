// Thread-count setting shared by every CPU kernel.
#include "tensor/parallel.h"

#include <atomic>

#include "tensor/cpu/gemm.h"
#include "tensor/error.h"

namespace mica {

namespace {
std::atomic<int> g_num_threads{0};  // 0: not set yet, use OpenMP's default
}

void set_num_threads(int n) {
  MICA_CHECK(n >= 1, "set_num_threads: expected a positive thread count, got ", n);
  g_num_threads.store(n);
  omp_set_num_threads(n);
  cpu::set_blas_num_threads(n);
}

int get_num_threads() {
  const int n = g_num_threads.load();
  return n > 0 ? n : omp_get_max_threads();
}

}  // namespace mica
