// CPU softmax/log_softmax along any dim of a contiguous tensor viewed as [outer, dim, inner]:
// contiguous rows (inner == 1) use a blocked running log-sum-exp (one read of the row for the
// statistics, one for the output); other dims process a slab of inner positions at once so the
// innermost loops stay unit-stride. float32 rows of softmax and its backward use the
// multi-versioned loops of vec_kernels.h.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cpu/nn.h"
#include "tensor/cpu/vec_kernels.h"
#include "tensor/kernels/nn.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {
constexpr int64_t kSlab = 64;  // inner positions handled together for non-last dims

template <class T>
void softmax_rows(T* out, const T* x, int64_t rows, int64_t dim, bool log) {
  using A = compute_t<T>;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(dim, 1));
  parallel_for(0, rows, grain, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const T* p = x + r * dim;
      T* o = out + r * dim;
      const kernels::LseState<A> st = row_lse<T, A>(p, dim, 1);
      if (log) {
        const A lse = st.lse();
#pragma omp simd
        for (int64_t i = 0; i < dim; ++i) o[i] = convert<T>(convert<A>(p[i]) - lse);
      } else {
        const A m = st.m, inv = A(1) / st.s;
#pragma omp simd
        for (int64_t i = 0; i < dim; ++i)
          o[i] = convert<T>(kernels::exp_c<A>(convert<A>(p[i]) - m) * inv);
      }
    }
  });
}

template <class T>
void softmax_strided(T* out, const T* x, int64_t outer, int64_t dim, int64_t inner, bool log) {
  using A = compute_t<T>;
  const int64_t slabs = (inner + kSlab - 1) / kSlab;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(dim * kSlab, 1));
  parallel_for(0, outer * slabs, grain, [&](int64_t tb, int64_t te) {
    A m[kSlab], s[kSlab];
    for (int64_t t = tb; t < te; ++t) {
      const int64_t o = t / slabs;
      const int64_t i0 = (t % slabs) * kSlab;
      const int64_t w = std::min(kSlab, inner - i0);
      const T* p = x + o * dim * inner + i0;
      T* q = out + o * dim * inner + i0;
      for (int64_t j = 0; j < w; ++j) {
        m[j] = -std::numeric_limits<A>::infinity();
        s[j] = 0;
      }
      for (int64_t k = 0; k < dim; ++k)
        for (int64_t j = 0; j < w; ++j) m[j] = std::max(m[j], convert<A>(p[k * inner + j]));
      for (int64_t k = 0; k < dim; ++k)
        for (int64_t j = 0; j < w; ++j)
          s[j] += kernels::exp_c<A>(convert<A>(p[k * inner + j]) - m[j]);
      if (log) {
        for (int64_t j = 0; j < w; ++j) m[j] += std::log(s[j]);  // m now holds the lse
        for (int64_t k = 0; k < dim; ++k)
          for (int64_t j = 0; j < w; ++j)
            q[k * inner + j] = convert<T>(convert<A>(p[k * inner + j]) - m[j]);
      } else {
        for (int64_t j = 0; j < w; ++j) s[j] = A(1) / s[j];
        for (int64_t k = 0; k < dim; ++k)
          for (int64_t j = 0; j < w; ++j)
            q[k * inner + j] =
                convert<T>(kernels::exp_c<A>(convert<A>(p[k * inner + j]) - m[j]) * s[j]);
      }
    }
  });
}
template <class T>
void softmax_backward_generic(T* out, const T* g, const T* y, int64_t outer, int64_t dim,
                              int64_t inner, bool log) {
  using A = compute_t<T>;
  const int64_t slabs = (inner + kSlab - 1) / kSlab;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(dim * kSlab, 1));
  parallel_for(0, outer * slabs, grain, [&](int64_t tb, int64_t te) {
    A s[kSlab];
    for (int64_t t = tb; t < te; ++t) {
      const int64_t o = t / slabs;
      const int64_t i0 = (t % slabs) * kSlab;
      const int64_t w = std::min(kSlab, inner - i0);
      const int64_t base = o * dim * inner + i0;
      for (int64_t j = 0; j < w; ++j) s[j] = 0;
      for (int64_t k = 0; k < dim; ++k)
        for (int64_t j = 0; j < w; ++j) {
          const int64_t i = base + k * inner + j;
          s[j] += log ? convert<A>(g[i]) : convert<A>(g[i]) * convert<A>(y[i]);
        }
      for (int64_t k = 0; k < dim; ++k)
        for (int64_t j = 0; j < w; ++j) {
          const int64_t i = base + k * inner + j;
          const A gi = convert<A>(g[i]), yi = convert<A>(y[i]);
          out[i] = convert<T>(log ? gi - kernels::exp_c<A>(yi) * s[j] : yi * (gi - s[j]));
        }
    }
  });
}
}  // namespace

void softmax_backward(const Tensor& out, const Tensor& grad, const Tensor& y, int64_t outer,
                      int64_t dim, int64_t inner, bool log) {
  if (outer * dim * inner == 0) return;
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&]<class T>() {
    if constexpr (std::is_same_v<T, float>) {
      if (inner == 1) {
        float* o = out.data_ptr<float>();
        const float* g = grad.data_ptr<float>();
        const float* yp = y.data_ptr<float>();
        const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(dim, 1));
        parallel_for(0, outer, grain, [&](int64_t rb, int64_t re) {
          vec::softmax_backward_rows_f32(o + rb * dim, g + rb * dim, yp + rb * dim, re - rb, dim,
                                         log);
        });
        return;
      }
    }
    softmax_backward_generic<T>(out.data_ptr<T>(), grad.data_ptr<T>(), y.data_ptr<T>(), outer, dim,
                                inner, log);
  });
}

void softmax(const Tensor& out, const Tensor& x, int64_t outer, int64_t dim, int64_t inner,
             bool log) {
  if (outer * dim * inner == 0) return;
  dispatch_floating(x.dtype(), log ? "log_softmax" : "softmax", [&]<class T>() {
    if constexpr (std::is_same_v<T, float>) {
      if (inner == 1 && !log) {
        float* o = out.data_ptr<float>();
        const float* p = x.data_ptr<float>();
        const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(dim, 1));
        parallel_for(0, outer, grain, [&](int64_t rb, int64_t re) {
          vec::softmax_rows_f32(o + rb * dim, p + rb * dim, re - rb, dim);
        });
        return;
      }
    }
    if (inner == 1)
      softmax_rows<T>(out.data_ptr<T>(), x.data_ptr<T>(), outer, dim, log);
    else
      softmax_strided<T>(out.data_ptr<T>(), x.data_ptr<T>(), outer, dim, inner, log);
  });
}

}  // namespace mica::cpu
