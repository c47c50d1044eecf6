// CPU backward kernels of pooling and upsampling: one input plane (n, c) per task, parallel over
// planes, so the scatter-adds of a plane never race. Inputs arrive contiguous in float32 or
// float64 (the front-end converts 16-bit floats, so they accumulate in float).
#include "tensor/cpu/pool_backward.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "tensor/kernels/spatial.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
}

// Calls f.template operator()<T>() with T = float or double (the only compute dtypes here).
template <class F>
void dispatch_compute(const Tensor& t, const char* op, F&& f) {
  if (t.dtype() == kFloat64) return f.template operator()<double>();
  MICA_CHECK(t.dtype() == kFloat32, op, ": backward kernel expects float32 or float64, got ",
             dtype_name(t.dtype()));
  f.template operator()<float>();
}

// Planes of grad_output (size osz) and grad_input (size isz).
struct PlaneDims {
  int64_t planes, isz, osz;
};
PlaneDims plane_dims(const Tensor& go, const Tensor& gi) {
  return {gi.size(0) * gi.size(1), gi.size(2) * gi.size(3), go.size(2) * go.size(3)};
}

template <class T>
bool max_pool_backward_impl(const Tensor& go, const Tensor& indices, const Tensor& gi) {
  const PlaneDims d = plane_dims(go, gi);
  const T* gp = go.data_ptr<T>();
  const int64_t* ip = indices.data_ptr<int64_t>();
  T* out = gi.data_ptr<T>();
  std::atomic<bool> ok{true};
  parallel_for(0, d.planes, plane_grain(d.osz), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = out + p * d.isz;
      const T* src = gp + p * d.osz;
      const int64_t* idx = ip + p * d.osz;
      for (int64_t o = 0; o < d.osz; ++o) {
        if (idx[o] < 0 || idx[o] >= d.isz) {
          ok.store(false, std::memory_order_relaxed);
          continue;
        }
        dst[idx[o]] += src[o];
      }
    }
  });
  return ok.load();
}

template <class T>
void avg_pool_backward_impl(const Tensor& go, const Tensor& gi, const Pool2dGeom& g,
                            bool include_pad, int64_t divisor_override) {
  const PlaneDims d = plane_dims(go, gi);
  const T* gp = go.data_ptr<T>();
  T* out = gi.data_ptr<T>();
  parallel_for(0, d.planes, plane_grain(d.osz * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = out + p * d.isz;
      const T* src = gp + p * d.osz;
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        // The forward's window and divisor: padded extent clipped to the padded input.
        const int64_t ys = oy * g.sh - g.ph, ye = std::min(ys + g.kh, g.h + g.ph);
        const int64_t y0 = std::max<int64_t>(ys, 0), y1 = std::min(ye, g.h);
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const int64_t xs = ox * g.sw - g.pw, xe = std::min(xs + g.kw, g.w + g.pw);
          const int64_t x0 = std::max<int64_t>(xs, 0), x1 = std::min(xe, g.w);
          if (y0 >= y1 || x0 >= x1) continue;  // the forward wrote 0 for it
          const int64_t count = divisor_override ? divisor_override
                                : include_pad    ? (ye - ys) * (xe - xs)
                                                 : (y1 - y0) * (x1 - x0);
          const T v = src[oy * g.ow + ox] / static_cast<T>(count);
          for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = x0; xx < x1; ++xx) dst[y * g.w + xx] += v;
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_backward_impl(const Tensor& go, const Tensor& gi) {
  const PlaneDims d = plane_dims(go, gi);
  const int64_t h = gi.size(2), w = gi.size(3), oh = go.size(2), ow = go.size(3);
  const int64_t kh = (h + oh - 1) / oh + 1, kw = (w + ow - 1) / ow + 1;  // window size bound
  const T* gp = go.data_ptr<T>();
  T* out = gi.data_ptr<T>();
  parallel_for(0, d.planes, plane_grain(d.osz * kh * kw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = out + p * d.isz;
      const T* src = gp + p * d.osz;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t y0 = kernels::adaptive_start(oy, h, oh),
                      y1 = kernels::adaptive_end(oy, h, oh);
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t x0 = kernels::adaptive_start(ox, w, ow),
                        x1 = kernels::adaptive_end(ox, w, ow);
          const T v = src[oy * ow + ox] / static_cast<T>((y1 - y0) * (x1 - x0));
          for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = x0; xx < x1; ++xx) dst[y * w + xx] += v;
        }
      }
    }
  });
}

// The forward's nearest source index of every destination row / column.
std::vector<int64_t> nearest_sources(int64_t in, int64_t out, std::optional<double> scale) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  const float step = kernels::upsample_step<float>(scale.value_or(0), in, out);
  for (int64_t i = 0; i < out; ++i)
    idx[static_cast<size_t>(i)] = kernels::nearest_source(i, in, out, step);
  return idx;
}

template <class T>
void nearest_backward_impl(const Tensor& go, const Tensor& gi, std::optional<double> scale_h,
                           std::optional<double> scale_w) {
  const PlaneDims d = plane_dims(go, gi);
  const int64_t h = gi.size(2), w = gi.size(3), oh = go.size(2), ow = go.size(3);
  const auto ys = nearest_sources(h, oh, scale_h), xs = nearest_sources(w, ow, scale_w);
  const T* gp = go.data_ptr<T>();
  T* out = gi.data_ptr<T>();
  parallel_for(0, d.planes, plane_grain(d.osz), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = out + p * d.isz;
      const T* src = gp + p * d.osz;
      for (int64_t oy = 0; oy < oh; ++oy) {
        T* row = dst + ys[static_cast<size_t>(oy)] * w;
        const T* s = src + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) row[xs[static_cast<size_t>(ox)]] += s[ox];
      }
    }
  });
}

// The forward's interpolation taps (computed in T, as the forward computes in compute_t).
template <class T>
std::vector<kernels::LinearTap<T>> linear_taps(int64_t in, int64_t out, bool align_corners,
                                               std::optional<double> scale) {
  std::vector<kernels::LinearTap<T>> taps(static_cast<size_t>(out));
  const T step = kernels::upsample_step<T>(scale.value_or(0), in, out);
  for (int64_t i = 0; i < out; ++i)
    taps[static_cast<size_t>(i)] = kernels::linear_source<T>(i, in, out, align_corners, step);
  return taps;
}

template <class T>
void bilinear_backward_impl(const Tensor& go, const Tensor& gi, bool align_corners,
                            std::optional<double> scale_h, std::optional<double> scale_w) {
  const PlaneDims d = plane_dims(go, gi);
  const int64_t h = gi.size(2), w = gi.size(3), oh = go.size(2), ow = go.size(3);
  const auto ty = linear_taps<T>(h, oh, align_corners, scale_h);
  const auto tx = linear_taps<T>(w, ow, align_corners, scale_w);
  const T* gp = go.data_ptr<T>();
  T* out = gi.data_ptr<T>();
  parallel_for(0, d.planes, plane_grain(4 * d.osz), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = out + p * d.isz;
      const T* src = gp + p * d.osz;
      for (int64_t oy = 0; oy < oh; ++oy) {
        const kernels::LinearTap<T>& a = ty[static_cast<size_t>(oy)];
        T* r0 = dst + a.i0 * w;
        T* r1 = dst + a.i1 * w;
        const T* s = src + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) {
          const kernels::LinearTap<T>& b = tx[static_cast<size_t>(ox)];
          const T top = a.w0 * s[ox], bot = a.w1 * s[ox];
          r0[b.i0] += b.w0 * top;
          r0[b.i1] += b.w1 * top;
          r1[b.i0] += b.w0 * bot;
          r1[b.i1] += b.w1 * bot;
        }
      }
    }
  });
}

}  // namespace

bool max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                         const Tensor& grad_input) {
  bool ok = true;
  if (grad_output.numel() == 0) return ok;
  dispatch_compute(grad_output, "max_pool2d_backward", [&]<class T>() {
    ok = max_pool_backward_impl<T>(grad_output, indices, grad_input);
  });
  return ok;
}

void avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input, const Pool2dGeom& g,
                         bool count_include_pad, int64_t divisor_override) {
  if (grad_output.numel() == 0) return;
  dispatch_compute(grad_output, "avg_pool2d_backward", [&]<class T>() {
    avg_pool_backward_impl<T>(grad_output, grad_input, g, count_include_pad, divisor_override);
  });
}

void adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input) {
  if (grad_output.numel() == 0) return;
  dispatch_compute(grad_output, "adaptive_avg_pool2d_backward",
                   [&]<class T>() { adaptive_avg_backward_impl<T>(grad_output, grad_input); });
}

void upsample_nearest2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                 std::optional<double> scale_h, std::optional<double> scale_w) {
  if (grad_output.numel() == 0) return;
  dispatch_compute(grad_output, "upsample_nearest2d_backward", [&]<class T>() {
    nearest_backward_impl<T>(grad_output, grad_input, scale_h, scale_w);
  });
}

void upsample_bilinear2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                  bool align_corners, std::optional<double> scale_h,
                                  std::optional<double> scale_w) {
  if (grad_output.numel() == 0) return;
  dispatch_compute(grad_output, "upsample_bilinear2d_backward", [&]<class T>() {
    bilinear_backward_impl<T>(grad_output, grad_input, align_corners, scale_h, scale_w);
  });
}

}  // namespace mica::cpu
