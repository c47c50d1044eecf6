// CPU upsampling kernels: source indices and weights are computed once per output row and
// column (PyTorch's formulas), then every (n, c) plane is gathered in parallel.
#include "tensor/cpu/upsample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

// The source-per-destination step: 1 / scale factor when the user gave one, else in / out.
template <class C>
C source_scale(std::optional<double> scale, int64_t in, int64_t out) {
  return scale && *scale > 0 ? static_cast<C>(1.0 / *scale)
                             : static_cast<C>(in) / static_cast<C>(out);
}

std::vector<int64_t> nearest_indices(int64_t in, int64_t out, std::optional<double> scale) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  const float s = source_scale<float>(scale, in, out);
  for (int64_t i = 0; i < out; ++i)
    idx[static_cast<size_t>(i)] =
        out == in ? i
        : out == 2 * in
            ? i / 2
            : std::min(static_cast<int64_t>(std::floor(static_cast<float>(i) * s)), in - 1);
  return idx;
}

template <class C>
struct Linear {
  std::vector<int64_t> i0, i1;
  std::vector<C> w0, w1;
};

template <class C>
Linear<C> linear_weights(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  Linear<C> r;
  r.i0.resize(static_cast<size_t>(out));
  r.i1.resize(static_cast<size_t>(out));
  r.w0.resize(static_cast<size_t>(out));
  r.w1.resize(static_cast<size_t>(out));
  const C s = align_corners ? (out > 1 ? static_cast<C>(in - 1) / static_cast<C>(out - 1) : C(0))
                            : source_scale<C>(scale, in, out);
  for (int64_t i = 0; i < out; ++i) {
    const C src = align_corners ? s * static_cast<C>(i)
                                : std::max(s * (static_cast<C>(i) + C(0.5)) - C(0.5), C(0));
    const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    const C lambda = std::min(std::max(src - static_cast<C>(i0), C(0)), C(1));
    const auto k = static_cast<size_t>(i);
    r.i0[k] = i0;
    r.i1[k] = i0 + (i0 < in - 1 ? 1 : 0);
    r.w0[k] = C(1) - lambda;
    r.w1[k] = lambda;
  }
  return r;
}

int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
}

template <class T>
void nearest_impl(const Tensor& x, const Tensor& out, std::optional<double> scale_h,
                  std::optional<double> scale_w) {
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3), oh = out.size(2), ow = out.size(3);
  const int64_t sn = x.stride(0), sc = x.stride(1), sh = x.stride(2), sw = x.stride(3);
  const auto ys = nearest_indices(h, oh, scale_h), xs = nearest_indices(w, ow, scale_w);
  std::vector<int64_t> xoff(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) xoff[i] = xs[i] * sw;
  const T* ip = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  parallel_for(0, x.size(0) * c, plane_grain(oh * ow), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = ip + (p / c) * sn + (p % c) * sc;
      T* dst = op + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const T* row = src + ys[static_cast<size_t>(oy)] * sh;
        T* d = dst + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) d[ox] = row[xoff[static_cast<size_t>(ox)]];
      }
    }
  });
}

template <class T>
void bilinear_impl(const Tensor& x, const Tensor& out, bool align_corners,
                   std::optional<double> scale_h, std::optional<double> scale_w) {
  using C = compute_t<T>;
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3), oh = out.size(2), ow = out.size(3);
  const int64_t sn = x.stride(0), sc = x.stride(1), sh = x.stride(2), sw = x.stride(3);
  const Linear<C> ly = linear_weights<C>(h, oh, align_corners, scale_h);
  Linear<C> lx = linear_weights<C>(w, ow, align_corners, scale_w);
  for (size_t i = 0; i < lx.i0.size(); ++i) lx.i0[i] *= sw, lx.i1[i] *= sw;  // element offsets
  const T* ip = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  parallel_for(0, x.size(0) * c, plane_grain(4 * oh * ow), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = ip + (p / c) * sn + (p % c) * sc;
      T* dst = op + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const auto ky = static_cast<size_t>(oy);
        const T* r0 = src + ly.i0[ky] * sh;
        const T* r1 = src + ly.i1[ky] * sh;
        const C wy0 = ly.w0[ky], wy1 = ly.w1[ky];
        T* d = dst + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) {
          const auto k = static_cast<size_t>(ox);
          const int64_t a = lx.i0[k], b = lx.i1[k];
          const C top = lx.w0[k] * convert<C>(r0[a]) + lx.w1[k] * convert<C>(r0[b]);
          const C bot = lx.w0[k] * convert<C>(r1[a]) + lx.w1[k] * convert<C>(r1[b]);
          d[ox] = convert<T>(wy0 * top + wy1 * bot);
        }
      }
    }
  });
}

}  // namespace

void upsample_nearest2d(const Tensor& x, const Tensor& out, std::optional<double> scale_h,
                        std::optional<double> scale_w) {
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "upsample_nearest2d",
                    [&]<class T>() { nearest_impl<T>(x, out, scale_h, scale_w); });
}

void upsample_bilinear2d(const Tensor& x, const Tensor& out, bool align_corners,
                         std::optional<double> scale_h, std::optional<double> scale_w) {
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "upsample_bilinear2d",
                    [&]<class T>() { bilinear_impl<T>(x, out, align_corners, scale_h, scale_w); });
}

}  // namespace mica::cpu
