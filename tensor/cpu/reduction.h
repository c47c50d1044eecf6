// CPU backend of the reductions: the generic strided reduction loop (reduce_loop) driven by the
// reducers of tensor/kernels/reduction.h, and the kernel entry points the front-ends call.
//
// Determinism: every output is reduced over its elements in a fixed order, and long reductions
// are cut into chunks of kReduceChunk positions whose partial states are combined in order, so
// results do not depend on the number of threads.
#pragma once

#include <algorithm>
#include <vector>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/reduction.h"

namespace mica::cpu {

// Reduced-range chunk (positions) above which one output's reduction is split across threads.
inline constexpr int64_t kReduceChunk = 16384;

namespace detail {

template <int N>
int64_t plan_offset(const StridedPlan<N>& p, int64_t flat, int k) {
  int64_t off = 0;
  for (int d = 0; d < p.ndim; ++d) {
    off += (flat % p.sizes[d]) * p.strides[k][d];
    flat /= p.sizes[d];
  }
  return off;
}

// Folds count elements q[0], q[s], ... (positions pos, pos + 1, ...) into a.
template <class T, class R>
typename R::acc_type fold_run(const R& r, typename R::acc_type a, const T* q, int64_t count,
                              int64_t s, int64_t pos) {
  using A = typename R::acc_type;
  constexpr int64_t L = 8;
  if constexpr (R::kReorderable) {
    if (s == 1 && count >= 2 * L) {
      // independent lanes: breaks the dependency chain so the compiler can vectorize
      A lane[L];
      for (int64_t j = 0; j < L; ++j) lane[j] = r.init();
      int64_t i = 0;
      for (; i + L <= count; i += L)
        for (int64_t j = 0; j < L; ++j) lane[j] = r.step(lane[j], q[i + j], pos + i + j);
      for (int64_t j = 0; j < L; ++j) a = r.combine(a, lane[j]);
      for (; i < count; ++i) a = r.step(a, q[i], pos + i);
      return a;
    }
  }
  if (s == 1) {
    for (int64_t i = 0; i < count; ++i) a = r.step(a, q[i], pos + i);
  } else {
    for (int64_t i = 0; i < count; ++i) a = r.step(a, q[i * s], pos + i);
  }
  return a;
}

}  // namespace detail

// Reduces the last n_reduced dims of x (a view, any strides; callers permute the reduced dims
// last, in their original order, so positions are row-major over them). Calls write(o, acc,
// count) once per output o, row-major over the kept dims, from any thread; count is the number
// of reduced elements. R and W must not throw.
template <class T, class R, class W>
void reduce_loop(const Tensor& x, int64_t n_reduced, const R& r, const W& write) {
  using A = typename R::acc_type;
  const int64_t nk = x.dim() - n_reduced;
  const Shape ksz(x.sizes().begin(), x.sizes().begin() + nk);
  const Shape kst(x.strides().begin(), x.strides().begin() + nk);
  const Shape rsz(x.sizes().begin() + nk, x.sizes().end());
  const Shape rst(x.strides().begin() + nk, x.strides().end());
  const int64_t outer = shape_numel(ksz), inner = shape_numel(rsz);
  if (outer == 0) return;
  if (inner == 0) {
    parallel_for(0, outer, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) write(o, r.init(), int64_t{0});
    });
    return;
  }
  const StridedPlan<1> kplan = make_plan<1>(ksz, {&kst});
  const StridedPlan<1> rplan = make_plan<1>(rsz, {&rst});
  const T* base = static_cast<const T*>(x.raw_data());
  constexpr std::array<size_t, 1> elsize{sizeof(T)};

  // One output's state over reduced positions [rb, re), from its first element p.
  auto reduce_range = [&](const T* p, int64_t rb, int64_t re) {
    A acc = r.init();
    int64_t pos = rb;
    walk_range<1>(
        rplan, {reinterpret_cast<char*>(const_cast<T*>(p))}, elsize, rb, re,
        [&](const std::array<char*, 1>& ptr, int64_t count, const std::array<int64_t, 1>& st) {
          acc = detail::fold_run(r, acc, reinterpret_cast<const T*>(ptr[0]), count, st[0], pos);
          pos += count;
        });
    return acc;
  };

  if (inner > kReduceChunk) {
    // long reductions: (output, chunk) tasks in parallel, chunks combined in order
    const int64_t nchunks = (inner + kReduceChunk - 1) / kReduceChunk;
    std::vector<A> partial(static_cast<size_t>(outer * nchunks));
    parallel_for(0, outer * nchunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t o = t / nchunks, c = t % nchunks;
        const T* p = base + detail::plan_offset(kplan, o, 0);
        partial[static_cast<size_t>(t)] =
            reduce_range(p, c * kReduceChunk, std::min(inner, (c + 1) * kReduceChunk));
      }
    });
    parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / nchunks), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        A acc = partial[static_cast<size_t>(o * nchunks)];
        for (int64_t c = 1; c < nchunks; ++c)
          acc = r.combine(acc, partial[static_cast<size_t>(o * nchunks + c)]);
        write(o, acc, inner);
      }
    });
    return;
  }

  // When the reduced elements are strided but neighbouring outputs are adjacent in memory
  // (e.g. summing [N, C] over N), reduce a tile of outputs together, row by row.
  const bool tile = rplan.strides[0][0] != 1;
  constexpr int64_t kTile = 256;
  parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / inner), [&](int64_t b, int64_t e) {
    int64_t o = b;
    walk_range<1>(
        kplan, {reinterpret_cast<char*>(const_cast<T*>(base))}, elsize, b, e,
        [&](const std::array<char*, 1>& ptr, int64_t count, const std::array<int64_t, 1>& st) {
          const T* p = reinterpret_cast<const T*>(ptr[0]);
          const int64_t ks = st[0];
          int64_t i = 0;
          if (tile && ks == 1) {
            for (; i + 1 < count; i += kTile) {
              const int64_t w = std::min(kTile, count - i);
              A acc[kTile];
              for (int64_t j = 0; j < w; ++j) acc[j] = r.init();
              int64_t pos = 0;
              walk_range<1>(rplan, {reinterpret_cast<char*>(const_cast<T*>(p + i))}, elsize, 0,
                            inner,
                            [&](const std::array<char*, 1>& rp, int64_t rcount,
                                const std::array<int64_t, 1>& rs) {
                              const T* q = reinterpret_cast<const T*>(rp[0]);
                              for (int64_t k = 0; k < rcount; ++k, ++pos) {
                                const T* row = q + k * rs[0];
                                for (int64_t j = 0; j < w; ++j)
                                  acc[j] = r.step(acc[j], row[j], pos);
                              }
                            });
              for (int64_t j = 0; j < w; ++j) write(o + i + j, acc[j], inner);
            }
          }
          for (; i < count; ++i) write(o + i, reduce_range(p + i * ks, 0, inner), inner);
          o += count;
        });
  });
}

// ---- kernel entry points: x is permuted so its last n_reduced dims are reduced; outputs are
// contiguous with x's kept sizes ----
// out dtype: int64 for integer/bool x, else x's dtype.
void sum(const Tensor& out, const Tensor& x, int64_t n_reduced);
void prod(const Tensor& out, const Tensor& x, int64_t n_reduced);
void mean(const Tensor& out, const Tensor& x, int64_t n_reduced);  // floating x
void var(const Tensor& out, const Tensor& x, int64_t n_reduced, double correction, bool take_sqrt);
// values (x's dtype) and/or indices (int64): either may be undefined (amax, argmax).
void max_min(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t n_reduced,
             bool is_max);
void norm(const Tensor& out, const Tensor& x, int64_t n_reduced, double p);        // floating x
void logsumexp(const Tensor& out, const Tensor& x, int64_t n_reduced);             // floating x
void all_any(const Tensor& out, const Tensor& x, int64_t n_reduced, bool is_all);  // bool out

}  // namespace mica::cpu
