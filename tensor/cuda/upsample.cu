// CUDA upsampling kernels, nearest and bilinear, forward and backward: one thread per output
// element (forward) or per grad_input element (backward, a gather: no atomics). Source indices
// and weights come from tensor/kernels/spatial.h, the functions the CPU kernels use; the backward
// pass finds the outputs reading an input row / column by binary search (the source index never
// decreases along a dim) and adds them in the CPU's order (tensor/cpu/pool_backward.cpp).
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/spatial.cuh"
#include "tensor/cuda/upsample.h"
#include "tensor/dtype.h"
#include "tensor/kernels/spatial.h"

namespace mica::cuda {

namespace {

// One spatial dim of a resize: in -> out with the forward's source step.
template <class C>
struct Axis {
  int64_t in, out;
  C step;
};

template <class C>
Axis<C> axis(int64_t in, int64_t out, std::optional<double> scale) {
  return {in, out, kernels::upsample_step<C>(scale.value_or(0), in, out)};
}

// ---- kernels ----

// out [planes, oh, ow] contiguous.
template <class T>
__global__ void nearest_kernel(const T* x, Planes4 xs, T* out, Axis<float> ay, Axis<float> ax,
                               int64_t total) {
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ox = i % ax.out, oy = (i / ax.out) % ay.out, p = i / (ax.out * ay.out);
    const int64_t y = kernels::nearest_source(oy, ay.in, ay.out, ay.step);
    const int64_t xx = kernels::nearest_source(ox, ax.in, ax.out, ax.step);
    out[i] = x[xs.at(p, y, xx)];
  }
}

template <class T>
__global__ void bilinear_kernel(const T* x, Planes4 xs, T* out, bool align_corners,
                                Axis<compute_t<T>> ay, Axis<compute_t<T>> ax, int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ox = i % ax.out, oy = (i / ax.out) % ay.out, p = i / (ax.out * ay.out);
    const kernels::LinearTap<C> ty =
        kernels::linear_source<C>(oy, ay.in, ay.out, align_corners, ay.step);
    const kernels::LinearTap<C> tx =
        kernels::linear_source<C>(ox, ax.in, ax.out, align_corners, ax.step);
    const T* src = x + xs.plane(p);
    const T* r0 = src + ty.i0 * xs.sh;
    const T* r1 = src + ty.i1 * xs.sh;
    const C top = tx.w0 * convert<C>(r0[tx.i0 * xs.sw]) + tx.w1 * convert<C>(r0[tx.i1 * xs.sw]);
    const C bot = tx.w0 * convert<C>(r1[tx.i0 * xs.sw]) + tx.w1 * convert<C>(r1[tx.i1 * xs.sw]);
    out[i] = convert<T>(ty.w0 * top + ty.w1 * bot);
  }
}

// gi [planes, h, w] contiguous; go [planes, oh, ow] strided. Outputs reading input row y are the
// run oy in [first with source >= y, first with source > y).
template <class T>
__global__ void nearest_backward_kernel(const T* go, Planes4 gs, T* gi, Axis<float> ay,
                                        Axis<float> ax, int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t x = i % ax.in, y = (i / ax.in) % ay.in, p = i / (ax.in * ay.in);
    auto src_y = [&](int64_t o) { return kernels::nearest_source(o, ay.in, ay.out, ay.step); };
    auto src_x = [&](int64_t o) { return kernels::nearest_source(o, ax.in, ax.out, ax.step); };
    const int64_t oy0 = first_at_least(ay.out, y, src_y),
                  oy1 = first_at_least(ay.out, y + 1, src_y);
    const int64_t ox0 = first_at_least(ax.out, x, src_x),
                  ox1 = first_at_least(ax.out, x + 1, src_x);
    C acc = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy)
      for (int64_t ox = ox0; ox < ox1; ++ox) acc += convert<C>(go[gs.at(p, oy, ox)]);
    gi[i] = convert<T>(acc);
  }
}

// Outputs reading input row y have i0 in {y - 1, y} (i1 is i0 or i0 + 1). For each (oy, ox) in
// order the four taps are tested in the CPU's order: (i0, i0), (i0, i1), (i1, i0), (i1, i1).
template <class T>
__global__ void bilinear_backward_kernel(const T* go, Planes4 gs, T* gi, bool align_corners,
                                         Axis<compute_t<T>> ay, Axis<compute_t<T>> ax,
                                         int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t x = i % ax.in, y = (i / ax.in) % ay.in, p = i / (ax.in * ay.in);
    auto tap_y = [&](int64_t o) {
      return kernels::linear_source<C>(o, ay.in, ay.out, align_corners, ay.step);
    };
    auto tap_x = [&](int64_t o) {
      return kernels::linear_source<C>(o, ax.in, ax.out, align_corners, ax.step);
    };
    const int64_t oy0 = first_at_least(ay.out, y - 1, [&](int64_t o) { return tap_y(o).i0; });
    const int64_t oy1 = first_at_least(ay.out, y + 1, [&](int64_t o) { return tap_y(o).i0; });
    const int64_t ox0 = first_at_least(ax.out, x - 1, [&](int64_t o) { return tap_x(o).i0; });
    const int64_t ox1 = first_at_least(ax.out, x + 1, [&](int64_t o) { return tap_x(o).i0; });
    C acc = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      const kernels::LinearTap<C> a = tap_y(oy);
      if (a.i0 != y && a.i1 != y) continue;
      for (int64_t ox = ox0; ox < ox1; ++ox) {
        const kernels::LinearTap<C> b = tap_x(ox);
        if (b.i0 != x && b.i1 != x) continue;
        const C g = convert<C>(go[gs.at(p, oy, ox)]);
        const C top = a.w0 * g, bot = a.w1 * g;
        if (a.i0 == y && b.i0 == x) acc += b.w0 * top;
        if (a.i0 == y && b.i1 == x) acc += b.w1 * top;
        if (a.i1 == y && b.i0 == x) acc += b.w0 * bot;
        if (a.i1 == y && b.i1 == x) acc += b.w1 * bot;
      }
    }
    gi[i] = convert<T>(acc);
  }
}

}  // namespace

// ---- launchers ----

void upsample_nearest2d(const Tensor& x, const Tensor& out, std::optional<double> scale_h,
                        std::optional<double> scale_w) {
  const int64_t total = out.numel();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  const Axis<float> ay = axis<float>(x.size(2), out.size(2), scale_h);
  const Axis<float> ax = axis<float>(x.size(3), out.size(3), scale_w);
  dispatch_floating(x.dtype(), "upsample_nearest2d", [&]<class T>() {
    nearest_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        x.data_ptr<T>(), planes_of(x), out.data_ptr<T>(), ay, ax, total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void upsample_bilinear2d(const Tensor& x, const Tensor& out, bool align_corners,
                         std::optional<double> scale_h, std::optional<double> scale_w) {
  const int64_t total = out.numel();
  if (total == 0) return;
  DeviceGuard guard(out.device().index);
  dispatch_floating(x.dtype(), "upsample_bilinear2d", [&]<class T>() {
    using C = compute_t<T>;
    bilinear_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        x.data_ptr<T>(), planes_of(x), out.data_ptr<T>(), align_corners,
        axis<C>(x.size(2), out.size(2), scale_h), axis<C>(x.size(3), out.size(3), scale_w), total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void upsample_nearest2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                 std::optional<double> scale_h, std::optional<double> scale_w) {
  const int64_t total = grad_input.numel();
  if (total == 0) return;
  DeviceGuard guard(grad_input.device().index);
  const Axis<float> ay = axis<float>(grad_input.size(2), grad_output.size(2), scale_h);
  const Axis<float> ax = axis<float>(grad_input.size(3), grad_output.size(3), scale_w);
  dispatch_floating(grad_output.dtype(), "upsample_nearest2d_backward", [&]<class T>() {
    nearest_backward_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(grad_input)>>>(
        grad_output.data_ptr<T>(), planes_of(grad_output), grad_input.data_ptr<T>(), ay, ax, total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

void upsample_bilinear2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                                  bool align_corners, std::optional<double> scale_h,
                                  std::optional<double> scale_w) {
  const int64_t total = grad_input.numel();
  if (total == 0) return;
  DeviceGuard guard(grad_input.device().index);
  dispatch_floating(grad_output.dtype(), "upsample_bilinear2d_backward", [&]<class T>() {
    using C = compute_t<T>;
    bilinear_backward_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(grad_input)>>>(
        grad_output.data_ptr<T>(), planes_of(grad_output), grad_input.data_ptr<T>(), align_corners,
        axis<C>(grad_input.size(2), grad_output.size(2), scale_h),
        axis<C>(grad_input.size(3), grad_output.size(3), scale_w), total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace mica::cuda
