// CUDA pooling kernels (forward): one thread per output element, reading the input in place with
// its strides; windows, tie-breaking and NaN handling exactly as tensor/cpu/pool.cpp, the adaptive
// windows from tensor/kernels/spatial.h. 16-bit floats compute in float.
#include <limits>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/pool.h"
#include "tensor/cuda/spatial.cuh"
#include "tensor/dtype.h"
#include "tensor/kernels/spatial.h"

namespace mica::cuda {

namespace {

using cpu::Pool2dGeom;

// ---- kernels ----

// out, indices: [planes, oh, ow] contiguous.
template <class T>
__global__ void max_pool_kernel(const T* x, Planes4 xs, T* out, int64_t* indices, Pool2dGeom g,
                                int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ox = i % g.ow, oy = (i / g.ow) % g.oh, p = i / (g.ow * g.oh);
    const T* src = x + xs.plane(p);
    int64_t y0 = oy * g.sh - g.ph;
    const int64_t y1 = min(y0 + (g.kh - 1) * g.dh + 1, g.h);
    while (y0 < 0) y0 += g.dh;
    int64_t x0 = ox * g.sw - g.pw;
    const int64_t x1 = min(x0 + (g.kw - 1) * g.dw + 1, g.w);
    while (x0 < 0) x0 += g.dw;
    // The first in-bounds position unless a larger value (or a NaN) shows up.
    int64_t best_idx = y0 * g.w + x0;
    C best = -std::numeric_limits<C>::infinity();
    for (int64_t y = y0; y < y1; y += g.dh)
      for (int64_t xx = x0; xx < x1; xx += g.dw) {
        const C v = convert<C>(src[y * xs.sh + xx * xs.sw]);
        if (v > best || v != v) {
          best = v;
          best_idx = y * g.w + xx;
        }
      }
    out[i] = convert<T>(best);
    indices[i] = best_idx;
  }
}

template <class T>
__global__ void avg_pool_kernel(const T* x, Planes4 xs, T* out, Pool2dGeom g, bool include_pad,
                                int64_t divisor_override, int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ox = i % g.ow, oy = (i / g.ow) % g.oh, p = i / (g.ow * g.oh);
    const T* src = x + xs.plane(p);
    const int64_t ys = oy * g.sh - g.ph, ye = min(ys + g.kh, g.h + g.ph);
    const int64_t xs0 = ox * g.sw - g.pw, xe = min(xs0 + g.kw, g.w + g.pw);
    const int64_t padded_count = (ye - ys) * (xe - xs0);
    const int64_t y0 = max(ys, int64_t{0}), y1 = min(ye, g.h);
    const int64_t x0 = max(xs0, int64_t{0}), x1 = min(xe, g.w);
    C sum = 0;
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t xx = x0; xx < x1; ++xx) sum += convert<C>(src[y * xs.sh + xx * xs.sw]);
    const int64_t count = divisor_override ? divisor_override
                          : include_pad    ? padded_count
                                           : (y1 - y0) * (x1 - x0);
    out[i] = convert<T>(y0 < y1 && x0 < x1 ? sum / static_cast<C>(count) : C(0));
  }
}

template <class T>
__global__ void adaptive_avg_kernel(const T* x, Planes4 xs, int64_t h, int64_t w, T* out,
                                    int64_t oh, int64_t ow, int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ox = i % ow, oy = (i / ow) % oh, p = i / (ow * oh);
    const T* src = x + xs.plane(p);
    const int64_t y0 = kernels::adaptive_start(oy, h, oh), y1 = kernels::adaptive_end(oy, h, oh);
    const int64_t x0 = kernels::adaptive_start(ox, w, ow), x1 = kernels::adaptive_end(ox, w, ow);
    C sum = 0;
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t xx = x0; xx < x1; ++xx) sum += convert<C>(src[y * xs.sh + xx * xs.sw]);
    out[i] = convert<T>(sum / static_cast<C>((y1 - y0) * (x1 - x0)));
  }
}

}  // namespace

// ---- launchers ----

void max_pool2d(const Tensor& x, const Tensor& out, const Tensor& indices, const Pool2dGeom& g) {
  const int64_t total = out.numel();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  dispatch_floating(x.dtype(), "max_pool2d", [&]<class T>() {
    max_pool_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        x.data_ptr<T>(), planes_of(x), out.data_ptr<T>(), indices.data_ptr<int64_t>(), g, total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void avg_pool2d(const Tensor& x, const Tensor& out, const Pool2dGeom& g, bool count_include_pad,
                int64_t divisor_override) {
  const int64_t total = out.numel();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  dispatch_floating(x.dtype(), "avg_pool2d", [&]<class T>() {
    avg_pool_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        x.data_ptr<T>(), planes_of(x), out.data_ptr<T>(), g, count_include_pad, divisor_override,
        total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void adaptive_avg_pool2d(const Tensor& x, const Tensor& out) {
  const int64_t total = out.numel();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d", [&]<class T>() {
    adaptive_avg_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        x.data_ptr<T>(), planes_of(x), x.size(2), x.size(3), out.data_ptr<T>(), out.size(2),
        out.size(3), total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace mica::cuda
