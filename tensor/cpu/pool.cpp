// CPU pooling kernels: one output plane (n, c) per task, parallel over planes; strided inputs
// are read in place; 16-bit floats compute in float.
#include "tensor/cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/kernels/spatial.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

// Strided access to the planes of a 4-d tensor.
template <class T>
struct Planes {
  const T* base;
  int64_t sn, sc, sh, sw, c;
  const T* plane(int64_t p) const { return base + (p / c) * sn + (p % c) * sc; }
};

template <class T>
Planes<T> planes_of(const Tensor& x) {
  return {x.data_ptr<T>(), x.stride(0), x.stride(1), x.stride(2), x.stride(3), x.size(1)};
}

int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
}

template <class T>
void max_pool_impl(const Tensor& x, const Tensor& out, const Tensor& indices, const Pool2dGeom& g) {
  using C = compute_t<T>;
  const Planes<T> in = planes_of<T>(x);
  T* op = out.data_ptr<T>();
  int64_t* ip = indices.data_ptr<int64_t>();
  const int64_t osz = g.oh * g.ow;
  parallel_for(0, g.n * g.c, plane_grain(osz * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = in.plane(p);
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        int64_t y0 = oy * g.sh - g.ph;
        const int64_t y1 = std::min(y0 + (g.kh - 1) * g.dh + 1, g.h);
        while (y0 < 0) y0 += g.dh;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          int64_t x0 = ox * g.sw - g.pw;
          const int64_t x1 = std::min(x0 + (g.kw - 1) * g.dw + 1, g.w);
          while (x0 < 0) x0 += g.dw;
          // As PyTorch: the first in-bounds position unless a larger value (or a NaN) shows up.
          int64_t best_idx = y0 * g.w + x0;
          C best = -std::numeric_limits<C>::infinity();
          for (int64_t y = y0; y < y1; y += g.dh) {
            const T* row = src + y * in.sh;
            for (int64_t xx = x0; xx < x1; xx += g.dw) {
              const C v = convert<C>(row[xx * in.sw]);
              if (v > best || std::isnan(v)) {
                best = v;
                best_idx = y * g.w + xx;
              }
            }
          }
          const int64_t o = p * osz + oy * g.ow + ox;
          op[o] = convert<T>(best);
          ip[o] = best_idx;
        }
      }
    }
  });
}

template <class T>
void avg_pool_impl(const Tensor& x, const Tensor& out, const Pool2dGeom& g, bool include_pad,
                   int64_t divisor_override) {
  using C = compute_t<T>;
  const Planes<T> in = planes_of<T>(x);
  T* op = out.data_ptr<T>();
  const int64_t osz = g.oh * g.ow;
  parallel_for(0, g.n * g.c, plane_grain(osz * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = in.plane(p);
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const int64_t ys = oy * g.sh - g.ph, ye = std::min(ys + g.kh, g.h + g.ph);
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const int64_t xs = ox * g.sw - g.pw, xe = std::min(xs + g.kw, g.w + g.pw);
          const int64_t padded_count = (ye - ys) * (xe - xs);
          const int64_t y0 = std::max<int64_t>(ys, 0), y1 = std::min(ye, g.h);
          const int64_t x0 = std::max<int64_t>(xs, 0), x1 = std::min(xe, g.w);
          C sum = 0;
          for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = x0; xx < x1; ++xx) sum += convert<C>(src[y * in.sh + xx * in.sw]);
          const int64_t count = divisor_override ? divisor_override
                                : include_pad    ? padded_count
                                                 : (y1 - y0) * (x1 - x0);
          op[p * osz + oy * g.ow + ox] =
              convert<T>(y0 < y1 && x0 < x1 ? sum / static_cast<C>(count) : C(0));
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_impl(const Tensor& x, const Tensor& out) {
  using C = compute_t<T>;
  const Planes<T> in = planes_of<T>(x);
  T* op = out.data_ptr<T>();
  const int64_t h = x.size(2), w = x.size(3), oh = out.size(2), ow = out.size(3);
  const int64_t osz = oh * ow;
  const int64_t kh = (h + oh - 1) / oh + 1, kw = (w + ow - 1) / ow + 1;  // window size bound
  parallel_for(0, x.size(0) * x.size(1), plane_grain(osz * kh * kw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = in.plane(p);
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t y0 = kernels::adaptive_start(oy, h, oh),
                      y1 = kernels::adaptive_end(oy, h, oh);
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t x0 = kernels::adaptive_start(ox, w, ow),
                        x1 = kernels::adaptive_end(ox, w, ow);
          C sum = 0;
          for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = x0; xx < x1; ++xx) sum += convert<C>(src[y * in.sh + xx * in.sw]);
          op[p * osz + oy * ow + ox] = convert<T>(sum / static_cast<C>((y1 - y0) * (x1 - x0)));
        }
      }
    }
  });
}

}  // namespace

void max_pool2d(const Tensor& x, const Tensor& out, const Tensor& indices, const Pool2dGeom& g) {
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "max_pool2d",
                    [&]<class T>() { max_pool_impl<T>(x, out, indices, g); });
}

void avg_pool2d(const Tensor& x, const Tensor& out, const Pool2dGeom& g, bool count_include_pad,
                int64_t divisor_override) {
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "avg_pool2d", [&]<class T>() {
    avg_pool_impl<T>(x, out, g, count_include_pad, divisor_override);
  });
}

void adaptive_avg_pool2d(const Tensor& x, const Tensor& out) {
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d",
                    [&]<class T>() { adaptive_avg_impl<T>(x, out); });
}

}  // namespace mica::cpu
