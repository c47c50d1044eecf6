// CPU upsampling kernels: source indices and weights (tensor/kernels/spatial.h) are computed
// once per output row and column, then every (n, c) plane is gathered in parallel.
#include "tensor/cpu/upsample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/kernels/spatial.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

std::vector<int64_t> nearest_indices(int64_t in, int64_t out, std::optional<double> scale) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  const float step = kernels::upsample_step<float>(scale.value_or(0), in, out);
  for (int64_t i = 0; i < out; ++i)
    idx[static_cast<size_t>(i)] = kernels::nearest_source(i, in, out, step);
  return idx;
}

template <class C>
std::vector<kernels::LinearTap<C>> linear_taps(int64_t in, int64_t out, bool align_corners,
                                               std::optional<double> scale) {
  std::vector<kernels::LinearTap<C>> taps(static_cast<size_t>(out));
  const C step = kernels::upsample_step<C>(scale.value_or(0), in, out);
  for (int64_t i = 0; i < out; ++i)
    taps[static_cast<size_t>(i)] = kernels::linear_source<C>(i, in, out, align_corners, step);
  return taps;
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
  const auto ly = linear_taps<C>(h, oh, align_corners, scale_h);
  auto lx = linear_taps<C>(w, ow, align_corners, scale_w);
  for (auto& t : lx) t.i0 *= sw, t.i1 *= sw;  // element offsets
  const T* ip = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  parallel_for(0, x.size(0) * c, plane_grain(4 * oh * ow), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = ip + (p / c) * sn + (p % c) * sc;
      T* dst = op + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const kernels::LinearTap<C>& ty = ly[static_cast<size_t>(oy)];
        const T* r0 = src + ty.i0 * sh;
        const T* r1 = src + ty.i1 * sh;
        T* d = dst + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) {
          const kernels::LinearTap<C>& tx = lx[static_cast<size_t>(ox)];
          const C top = tx.w0 * convert<C>(r0[tx.i0]) + tx.w1 * convert<C>(r0[tx.i1]);
          const C bot = tx.w0 * convert<C>(r1[tx.i0]) + tx.w1 * convert<C>(r1[tx.i1]);
          d[ox] = convert<T>(ty.w0 * top + ty.w1 * bot);
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
