// CUDA backward kernels of pooling, deterministic without atomics. Average and adaptive average
// pooling: one thread per grad_input element gathers the outputs whose windows hold it, in the
// order the CPU kernels (tensor/cpu/pool_backward.cpp) add them. Max pooling (indices may be
// anything in the plane, so windows cannot be inverted): one warp per plane walks grad_output in
// chunks of 32, and outputs of a chunk that share an index are summed by their lowest lane in
// lane order, so every element sees the CPU's sequence of additions.
#include <type_traits>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/pool.h"
#include "tensor/cuda/spatial.cuh"
#include "tensor/dtype.h"
#include "tensor/kernels/spatial.h"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace {

using cpu::Pool2dGeom;

// ---- kernels ----

// gi [planes, h * w] of accumulator type A (float or double), zero-filled; go / indices strided.
// Sets *bad when an index lies outside the plane (that element is skipped, as on the CPU).
template <class T, class A>
__global__ void max_pool_backward_kernel(const T* go, Planes4 gs, const int64_t* idx, Planes4 is,
                                         A* gi, int64_t planes, int64_t oh, int64_t ow, int64_t isz,
                                         int* bad) {
  __shared__ A vals[kThreads];
  const int lane = static_cast<int>(threadIdx.x) & 31;
  const int warp_base = static_cast<int>(threadIdx.x) & ~31;
  const int64_t warps = blockDim.x / 32;
  const int64_t osz = oh * ow;
  for (int64_t p = blockIdx.x * warps + threadIdx.x / 32; p < planes; p += gridDim.x * warps) {
    A* dst = gi + p * isz;
    for (int64_t base = 0; base < osz; base += 32) {
      const int64_t o = base + lane;
      int64_t k = -1;
      A v = 0;
      if (o < osz) {
        const int64_t oy = o / ow, ox = o % ow;
        k = idx[is.at(p, oy, ox)];
        v = convert<A>(go[gs.at(p, oy, ox)]);
        if (k < 0 || k >= isz) {
          *bad = 1;
          k = -1;
        }
      }
      vals[threadIdx.x] = v;
      const unsigned group = __match_any_sync(0xffffffffu, static_cast<unsigned long long>(k));
      __syncwarp();
      if (k >= 0 && lane == __ffs(group) - 1) {
        A acc = dst[k];
        for (unsigned m = group; m != 0; m &= m - 1) acc += vals[warp_base + __ffs(m) - 1];
        dst[k] = acc;
      }
      __syncwarp();
    }
  }
}

// out [n] = in [n] converted (float accumulator -> 16-bit gradient).
template <class T, class A>
__global__ void narrow_kernel(const A* in, T* out, int64_t n) {
  for (int64_t i = global_thread(); i < n; i += grid_stride()) out[i] = convert<T>(in[i]);
}

// gi [planes, h, w] contiguous.
template <class T>
__global__ void avg_pool_backward_kernel(const T* go, Planes4 gs, T* gi, Pool2dGeom g,
                                         bool include_pad, int64_t divisor_override,
                                         int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t x = i % g.w, y = (i / g.w) % g.h, p = i / (g.w * g.h);
    // Output rows whose window [oy sh - ph, oy sh - ph + kh) holds y.
    const int64_t ay = y + g.ph - g.kh + 1, ax = x + g.pw - g.kw + 1;
    const int64_t oy0 = ay <= 0 ? 0 : (ay + g.sh - 1) / g.sh;
    const int64_t oy1 = min((y + g.ph) / g.sh + 1, g.oh);
    const int64_t ox0 = ax <= 0 ? 0 : (ax + g.sw - 1) / g.sw;
    const int64_t ox1 = min((x + g.pw) / g.sw + 1, g.ow);
    C acc = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      const int64_t ys = oy * g.sh - g.ph, ye = min(ys + g.kh, g.h + g.ph);
      const int64_t y0 = max(ys, int64_t{0}), y1 = min(ye, g.h);
      for (int64_t ox = ox0; ox < ox1; ++ox) {
        const int64_t xs = ox * g.sw - g.pw, xe = min(xs + g.kw, g.w + g.pw);
        const int64_t x0 = max(xs, int64_t{0}), x1 = min(xe, g.w);
        const int64_t count = divisor_override ? divisor_override
                              : include_pad    ? (ye - ys) * (xe - xs)
                                               : (y1 - y0) * (x1 - x0);
        acc += convert<C>(go[gs.at(p, oy, ox)]) / static_cast<C>(count);
      }
    }
    gi[i] = convert<T>(acc);
  }
}

// gi [planes, h, w] contiguous; go [planes, oh, ow].
template <class T>
__global__ void adaptive_avg_backward_kernel(const T* go, Planes4 gs, T* gi, int64_t h, int64_t w,
                                             int64_t oh, int64_t ow, int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t x = i % w, y = (i / w) % h, p = i / (w * h);
    // Windows holding y: oy in [floor(y oh / h), ceil((y + 1) oh / h)), checked exactly below.
    const int64_t oy0 = y * oh / h, oy1 = min(((y + 1) * oh + h - 1) / h, oh);
    const int64_t ox0 = x * ow / w, ox1 = min(((x + 1) * ow + w - 1) / w, ow);
    C acc = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      const int64_t y0 = kernels::adaptive_start(oy, h, oh), y1 = kernels::adaptive_end(oy, h, oh);
      if (y < y0 || y >= y1) continue;
      for (int64_t ox = ox0; ox < ox1; ++ox) {
        const int64_t x0 = kernels::adaptive_start(ox, w, ow),
                      x1 = kernels::adaptive_end(ox, w, ow);
        if (x < x0 || x >= x1) continue;
        acc += convert<C>(go[gs.at(p, oy, ox)]) / static_cast<C>((y1 - y0) * (x1 - x0));
      }
    }
    gi[i] = convert<T>(acc);
  }
}

template <class T, class A>
bool max_pool_backward_impl(const Tensor& go, const Tensor& indices, const Tensor& gi) {
  const cudaStream_t stream = stream_of(gi);
  const int64_t planes = gi.size(0) * gi.size(1), isz = gi.size(2) * gi.size(3);
  constexpr bool same = std::is_same_v<T, A>;
  // 16-bit gradients accumulate in a float buffer, narrowed once at the end.
  Tensor acc = same ? gi : empty(gi.sizes(), TensorOptions(dtype_of<A>()).device(gi.device()));
  Tensor flag = empty({1}, TensorOptions(kInt32).device(gi.device()));
  MICA_CUDA_CHECK(cudaMemsetAsync(acc.raw_data(), 0, acc.nbytes(), stream));
  MICA_CUDA_CHECK(cudaMemsetAsync(flag.raw_data(), 0, sizeof(int), stream));
  const unsigned blocks = blocks_for(planes * 32);  // a warp per plane
  max_pool_backward_kernel<T, A><<<blocks, kThreads, 0, stream>>>(
      go.data_ptr<T>(), planes_of(go), indices.data_ptr<int64_t>(), planes_of(indices),
      acc.data_ptr<A>(), planes, go.size(2), go.size(3), isz, flag.data_ptr<int>());
  MICA_CUDA_LAUNCH_CHECK();
  if constexpr (!same) {
    const int64_t n = gi.numel();
    narrow_kernel<T, A>
        <<<blocks_for(n), kThreads, 0, stream>>>(acc.data_ptr<A>(), gi.data_ptr<T>(), n);
    MICA_CUDA_LAUNCH_CHECK();
  }
  int bad = 0;
  MICA_CUDA_CHECK(
      cudaMemcpyAsync(&bad, flag.raw_data(), sizeof(int), cudaMemcpyDeviceToHost, stream));
  MICA_CUDA_CHECK(cudaStreamSynchronize(stream));
  return bad == 0;
}

}  // namespace

// ---- launchers ----

bool max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                         const Tensor& grad_input) {
  if (grad_input.numel() == 0) return true;
  DeviceGuard guard(grad_input.device().index);
  if (grad_output.numel() == 0) {
    MICA_CUDA_CHECK(
        cudaMemsetAsync(grad_input.raw_data(), 0, grad_input.nbytes(), stream_of(grad_input)));
    return true;
  }
  bool ok = true;
  dispatch_floating(grad_output.dtype(), "max_pool2d_backward", [&]<class T>() {
    ok = max_pool_backward_impl<T, compute_t<T>>(grad_output, indices, grad_input);
  });
  return ok;
}

void avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input, const Pool2dGeom& g,
                         bool count_include_pad, int64_t divisor_override) {
  const int64_t total = grad_input.numel();
  if (total == 0) return;
  DeviceGuard guard(grad_input.device().index);
  dispatch_floating(grad_output.dtype(), "avg_pool2d_backward", [&]<class T>() {
    avg_pool_backward_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(grad_input)>>>(
        grad_output.data_ptr<T>(), planes_of(grad_output), grad_input.data_ptr<T>(), g,
        count_include_pad, divisor_override, total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input) {
  const int64_t total = grad_input.numel();
  if (total == 0) return;
  DeviceGuard guard(grad_input.device().index);
  dispatch_floating(grad_output.dtype(), "adaptive_avg_pool2d_backward", [&]<class T>() {
    adaptive_avg_backward_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(grad_input)>>>(
        grad_output.data_ptr<T>(), planes_of(grad_output), grad_input.data_ptr<T>(),
        grad_input.size(2), grad_input.size(3), grad_output.size(2), grad_output.size(3), total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace mica::cuda
