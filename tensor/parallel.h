// CPU threading: OpenMP parallel_for with a grain size (small ranges stay on one thread) and
// mica::set_num_threads / get_num_threads.
#pragma once

#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace mica {

void set_num_threads(int n);
int get_num_threads();

// Elements per thread below which a loop stays single-threaded (pointwise-sized work).
inline constexpr int64_t kGrainSize = 32768;

// Calls f(chunk_begin, chunk_end) over [begin, end) split into contiguous chunks, one per
// thread, using at most (end - begin) / grain threads. f must not throw.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int64_t max_threads = get_num_threads();
  const int64_t want = std::min<int64_t>(
      max_threads, (n + std::max<int64_t>(grain, 1) - 1) / std::max<int64_t>(grain, 1));
  if (want <= 1 || omp_in_parallel()) {
    f(begin, end);
    return;
  }
#pragma omp parallel num_threads(static_cast <int>(want))
  {
    const int64_t nt = omp_get_num_threads();
    const int64_t tid = omp_get_thread_num();
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t b = begin + tid * chunk;
    const int64_t e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  }
}

}  // namespace mica
