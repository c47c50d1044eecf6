// CPU indexing kernels: index range scans, offset-based gather/scatter over the generic strided
// walker of loops.h, nonzero, masked_select and the tril/triu triangle mask. Pure data movement
// dispatches on the element size only; accumulation dispatches on the dtype.
#include "tensor/cpu/indexing.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/element_bits.h"
#include "tensor/ops/factory.h"

namespace mica::cpu {

namespace {
using kernels::wrapped;

char* bytes_of(const Tensor& t) {
  return static_cast<char*>(t.raw_data());
}
}  // namespace

std::pair<int64_t, int64_t> index_min_max(const Tensor& index) {
  if (index.numel() == 0) return {0, -1};
  const std::array<const Shape*, 1> strides{&index.strides()};
  const StridedPlan<1> plan = make_plan<1>(index.sizes(), strides);
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  dispatch_index(index.dtype(), "index", [&]<class I>() {
    const std::array<char*, 1> base{bytes_of(index)};
    const std::array<size_t, 1> es{sizeof(I)};
    parallel_for(0, plan.numel, kGrainSize, [&](int64_t b, int64_t e) {
      int64_t l = std::numeric_limits<int64_t>::max(), h = std::numeric_limits<int64_t>::min();
      walk_range<1>(
          plan, base, es, b, e,
          [&](const std::array<char*, 1>& p, int64_t n, const std::array<int64_t, 1>& st) {
            const I* ix = reinterpret_cast<const I*>(p[0]);
            for (int64_t i = 0; i < n; ++i) {
              const int64_t v = static_cast<int64_t>(ix[i * st[0]]);
              l = std::min(l, v);
              h = std::max(h, v);
            }
          });
#pragma omp critical(mica_index_min_max)
      {
        lo = std::min(lo, l);
        hi = std::max(hi, h);
      }
    });
  });
  return {lo, hi};
}

void gather_offsets(const Tensor& out, const Tensor& src_base, const Tensor& index, int64_t mult,
                    int64_t wrap) {
  const std::array<const Shape*, 3> strides{&out.strides(), &src_base.strides(), &index.strides()};
  const StridedPlan<3> plan = make_plan<3>(out.sizes(), strides);
  if (plan.numel == 0) return;
  kernels::dispatch_bytes(out.element_size(), "indexing", [&]<class E>() {
    dispatch_index(index.dtype(), "gather", [&]<class I>() {
      const std::array<char*, 3> base{bytes_of(out), bytes_of(src_base), bytes_of(index)};
      const std::array<size_t, 3> es{sizeof(E), sizeof(E), sizeof(I)};
      parallel_for(0, plan.numel, kGrainSize, [&](int64_t b, int64_t e) {
        walk_range<3>(
            plan, base, es, b, e,
            [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& st) {
              E* o = reinterpret_cast<E*>(p[0]);
              const E* s = reinterpret_cast<const E*>(p[1]);
              const I* ix = reinterpret_cast<const I*>(p[2]);
              for (int64_t i = 0; i < n; ++i)
                o[i * st[0]] = s[i * st[1] + wrapped(ix[i * st[2]], wrap) * mult];
            });
      });
    });
  });
}

void scatter_offsets(const Tensor& dst_base, const Tensor& src, const Tensor& index, int64_t mult,
                     bool accumulate, int64_t wrap) {
  const std::array<const Shape*, 3> strides{&dst_base.strides(), &src.strides(), &index.strides()};
  const StridedPlan<3> plan = make_plan<3>(index.sizes(), strides);
  if (plan.numel == 0) return;
  const std::array<char*, 3> base{bytes_of(dst_base), bytes_of(src), bytes_of(index)};
  if (!accumulate) {
    kernels::dispatch_bytes(dst_base.element_size(), "indexing", [&]<class E>() {
      dispatch_index(index.dtype(), "scatter", [&]<class I>() {
        const std::array<size_t, 3> es{sizeof(E), sizeof(E), sizeof(I)};
        parallel_for(0, plan.numel, kGrainSize, [&](int64_t b, int64_t e) {
          walk_range<3>(
              plan, base, es, b, e,
              [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& st) {
                E* d = reinterpret_cast<E*>(p[0]);
                const E* s = reinterpret_cast<const E*>(p[1]);
                const I* ix = reinterpret_cast<const I*>(p[2]);
                for (int64_t i = 0; i < n; ++i)
                  d[i * st[0] + wrapped(ix[i * st[2]], wrap) * mult] = s[i * st[1]];
              });
        });
      });
    });
    return;
  }
  // Accumulation runs on one thread: indices may repeat, and the sum order stays fixed.
  dispatch_all(dst_base.dtype(), "scatter_add", [&]<class T>() {
    using C = compute_t<T>;
    dispatch_index(index.dtype(), "scatter_add", [&]<class I>() {
      const std::array<size_t, 3> es{sizeof(T), sizeof(T), sizeof(I)};
      walk_range<3>(
          plan, base, es, 0, plan.numel,
          [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& st) {
            T* d = reinterpret_cast<T*>(p[0]);
            const T* s = reinterpret_cast<const T*>(p[1]);
            const I* ix = reinterpret_cast<const I*>(p[2]);
            for (int64_t i = 0; i < n; ++i) {
              T& slot = d[i * st[0] + wrapped(ix[i * st[2]], wrap) * mult];
              slot = convert<T>(convert<C>(slot) + convert<C>(s[i * st[1]]));
            }
          });
    });
  });
}

Tensor nonzero(const Tensor& t_in) {
  const Tensor t = t_in.contiguous();
  const int64_t nd = t.dim();
  const int64_t numel = t.numel();
  return dispatch_all(t.dtype(), "nonzero", [&]<class T>() {
    const T* p = static_cast<const T*>(t.raw_data());
    int64_t count = 0;
    for (int64_t i = 0; i < numel; ++i) count += convert<bool>(p[i]) ? 1 : 0;
    Tensor out = empty({count, nd}, TensorOptions(kInt64));
    int64_t* o = out.data_ptr<int64_t>();
    std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
    for (int64_t i = 0; i < numel; ++i) {
      if (convert<bool>(p[i])) {
        std::copy(idx.begin(), idx.end(), o);
        o += nd;
      }
      for (int64_t d = nd - 1; d >= 0; --d) {  // advance the row-major counter
        if (++idx[d] < t.sizes()[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  });
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  const std::array<const Shape*, 2> strides{&t.strides(), &mask.strides()};
  const StridedPlan<2> plan = make_plan<2>(t.sizes(), strides);
  const std::array<char*, 2> base{bytes_of(t), bytes_of(mask)};
  int64_t count = 0;
  const std::array<size_t, 2> mes{t.element_size(), 1};
  if (plan.numel > 0)
    walk_range<2>(plan, base, mes, 0, plan.numel,
                  [&](const std::array<char*, 2>& p, int64_t n, const std::array<int64_t, 2>& st) {
                    const uint8_t* m = reinterpret_cast<const uint8_t*>(p[1]);
                    for (int64_t i = 0; i < n; ++i) count += m[i * st[1]] != 0;
                  });
  Tensor out = empty({count}, t.options());
  if (count == 0) return out;
  kernels::dispatch_bytes(t.element_size(), "indexing", [&]<class E>() {
    E* o = static_cast<E*>(out.raw_data());
    const std::array<size_t, 2> es{sizeof(E), 1};
    walk_range<2>(plan, base, es, 0, plan.numel,
                  [&](const std::array<char*, 2>& p, int64_t n, const std::array<int64_t, 2>& st) {
                    const E* s = reinterpret_cast<const E*>(p[0]);
                    const uint8_t* m = reinterpret_cast<const uint8_t*>(p[1]);
                    for (int64_t i = 0; i < n; ++i)
                      if (m[i * st[1]]) *o++ = s[i * st[0]];
                  });
  });
  return out;
}

void zero_triangle(const Tensor& t, int64_t diagonal, bool upper) {
  const int64_t rows = t.size(-2), cols = t.size(-1);
  if (t.numel() == 0) return;
  const int64_t nrows = t.numel() / cols;
  const size_t es = t.element_size();
  char* base = bytes_of(t);
  parallel_for(0, nrows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t i = r % rows;
                   // tril keeps j <= i + diagonal; triu keeps j >= i + diagonal
                   const int64_t lo = upper ? 0 : std::clamp<int64_t>(i + diagonal + 1, 0, cols);
                   const int64_t hi = upper ? std::clamp<int64_t>(i + diagonal, 0, cols) : cols;
                   if (hi > lo)
                     std::memset(base + (r * cols + lo) * static_cast<int64_t>(es), 0,
                                 static_cast<size_t>(hi - lo) * es);
                 }
               });
}

}  // namespace mica::cpu
