// CUDA softmax / log_softmax and their backward along the middle dim of [outer, dim, inner].
// Contiguous rows (inner == 1): one warp per row up to kWarpRowMax elements, one block per row
// above; a single read of the row builds the running log-sum-exp (tensor/kernels/nn.h, the
// CPU's state: same NaN and -inf rules), a second read writes the output. Other dims: one thread
// per (outer, inner) column walks the dim (neighbouring threads read neighbouring memory).
// Arithmetic is in compute_t<T> (float for the 16-bit types).
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/softmax.h"
#include "tensor/kernels/nn.h"

namespace mica::cuda {

namespace {

constexpr int64_t kWarpRowMax = 1024;  // longest row handled by one warp
constexpr int kRowBlock = 512;         // threads per row above that
constexpr unsigned kFullMask = 0xffffffffu;

template <class A>
using Lse = kernels::LseState<A>;

// Adds value v to a running log-sum-exp.
template <class A>
__device__ __forceinline__ void lse_add(Lse<A>& st, A v) {
  st.rebase(v);
  st.s += kernels::exp_c<A>(v - st.shift());
}

// Combines the states of a warp in lane order; every lane returns lane 0's result.
template <class A>
__device__ __forceinline__ Lse<A> warp_lse(Lse<A> st) {
#pragma unroll
  for (int delta = 16; delta > 0; delta >>= 1) {
    Lse<A> o;
    o.m = __shfl_down_sync(kFullMask, st.m, delta);
    o.s = __shfl_down_sync(kFullMask, st.s, delta);
    st.combine(o);
  }
  st.m = __shfl_sync(kFullMask, st.m, 0);
  st.s = __shfl_sync(kFullMask, st.s, 0);
  return st;
}

template <class A>
__device__ __forceinline__ A warp_sum(A v) {
#pragma unroll
  for (int delta = 16; delta > 0; delta >>= 1) v += __shfl_down_sync(kFullMask, v, delta);
  return __shfl_sync(kFullMask, v, 0);
}

// The row state across a block of blockDim.x threads (blockDim.y == 1, at most kRowBlock); every
// thread returns the same result. Every thread must call it.
template <class A>
__device__ Lse<A> block_lse(Lse<A> st) {
  __shared__ A ms[kRowBlock / 32], ss[kRowBlock / 32];
  st = warp_lse(st);
  if (blockDim.x == 32) return st;
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  const int warps = static_cast<int>(blockDim.x / 32);
  __syncthreads();  // the slots may still be read by the previous row
  if (lane == 0) {
    ms[warp] = st.m;
    ss[warp] = st.s;
  }
  __syncthreads();
  Lse<A> w;
  if (lane < warps) {
    w.m = ms[lane];
    w.s = ss[lane];
  }
  return warp_lse(w);
}

template <class A>
__device__ A block_sum(A v) {
  __shared__ A slots[kRowBlock / 32];
  v = warp_sum(v);
  if (blockDim.x == 32) return v;
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  const int warps = static_cast<int>(blockDim.x / 32);
  __syncthreads();
  if (lane == 0) slots[warp] = v;
  __syncthreads();
  return warp_sum(lane < warps ? slots[lane] : A(0));
}

// Rows layout: blockDim.x threads per row (32, or a whole block with blockDim.y == 1),
// blockDim.y rows per block. The loop bound is uniform over the block.
template <class T>
__global__ void softmax_rows_kernel(T* out, const T* x, int64_t rows, int64_t n, bool log) {
  using A = compute_t<T>;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.y;
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * blockDim.y; base < rows; base += step) {
    const int64_t row = base + threadIdx.y;
    const bool active = row < rows;
    const T* p = x + (active ? row : 0) * n;
    T* o = out + (active ? row : 0) * n;
    Lse<A> st;
    if (active)
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x) lse_add(st, convert<A>(p[i]));
    st = blockDim.y == 1 ? block_lse(st) : warp_lse(st);
    if (!active) continue;
    if (log) {
      const A lse = st.lse();
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        o[i] = convert<T>(convert<A>(p[i]) - lse);
    } else {
      const A m = st.m, inv = A(1) / st.s;
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        o[i] = convert<T>(kernels::exp_c<A>(convert<A>(p[i]) - m) * inv);
    }
  }
}

// Strided layout: one thread per (outer, inner) column.
template <class T>
__global__ void softmax_cols_kernel(T* out, const T* x, int64_t outer, int64_t n, int64_t inner,
                                    bool log) {
  using A = compute_t<T>;
  for (int64_t t = global_thread(); t < outer * inner; t += grid_stride()) {
    const int64_t first = (t / inner) * n * inner + t % inner;
    const T* p = x + first;
    T* o = out + first;
    Lse<A> st;
    for (int64_t k = 0; k < n; ++k) lse_add(st, convert<A>(p[k * inner]));
    if (log) {
      const A lse = st.lse();
      for (int64_t k = 0; k < n; ++k) o[k * inner] = convert<T>(convert<A>(p[k * inner]) - lse);
    } else {
      const A m = st.m, inv = A(1) / st.s;
      for (int64_t k = 0; k < n; ++k)
        o[k * inner] = convert<T>(kernels::exp_c<A>(convert<A>(p[k * inner]) - m) * inv);
    }
  }
}

// d softmax: out = y * (g - sum(g * y)); d log_softmax: out = g - exp(y) * sum(g).
template <class T, class A>
__device__ __forceinline__ A backward_term(T g, T y, bool log) {
  return log ? convert<A>(g) : convert<A>(g) * convert<A>(y);
}
template <class T, class A>
__device__ __forceinline__ T backward_out(T g, T y, A s, bool log) {
  const A gi = convert<A>(g), yi = convert<A>(y);
  return convert<T>(log ? gi - kernels::exp_c<A>(yi) * s : yi * (gi - s));
}

template <class T>
__global__ void softmax_backward_rows_kernel(T* out, const T* g, const T* y, int64_t rows,
                                             int64_t n, bool log) {
  using A = compute_t<T>;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.y;
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * blockDim.y; base < rows; base += step) {
    const int64_t row = base + threadIdx.y;
    const bool active = row < rows;
    const int64_t off = (active ? row : 0) * n;
    A s = 0;
    if (active)
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        s += backward_term<T, A>(g[off + i], y[off + i], log);
    s = blockDim.y == 1 ? block_sum(s) : warp_sum(s);
    if (!active) continue;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
      out[off + i] = backward_out<T, A>(g[off + i], y[off + i], s, log);
  }
}

template <class T>
__global__ void softmax_backward_cols_kernel(T* out, const T* g, const T* y, int64_t outer,
                                             int64_t n, int64_t inner, bool log) {
  using A = compute_t<T>;
  for (int64_t t = global_thread(); t < outer * inner; t += grid_stride()) {
    const int64_t first = (t / inner) * n * inner + t % inner;
    A s = 0;
    for (int64_t k = 0; k < n; ++k)
      s += backward_term<T, A>(g[first + k * inner], y[first + k * inner], log);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = first + k * inner;
      out[i] = backward_out<T, A>(g[i], y[i], s, log);
    }
  }
}

// Launch shape of the rows layout: a warp per row (8 rows per block) or a block per row.
struct RowsLaunch {
  dim3 block;
  unsigned grid;
};
RowsLaunch rows_launch(int64_t rows, int64_t n) {
  const dim3 block = n <= kWarpRowMax ? dim3(32, kThreads / 32) : dim3(kRowBlock, 1);
  const int64_t blocks = (rows + block.y - 1) / block.y;
  return {block, static_cast<unsigned>(std::min<int64_t>(blocks, int64_t{1} << 24))};
}

}  // namespace

void softmax(const Tensor& out, const Tensor& x, int64_t outer, int64_t dim, int64_t inner,
             bool log) {
  if (outer * dim * inner == 0) return;
  DeviceGuard guard(out.device().index);
  const cudaStream_t stream = stream_of(out);
  dispatch_floating(x.dtype(), log ? "log_softmax" : "softmax", [&]<class T>() {
    if (inner == 1) {
      const RowsLaunch l = rows_launch(outer, dim);
      softmax_rows_kernel<T>
          <<<l.grid, l.block, 0, stream>>>(out.data_ptr<T>(), x.data_ptr<T>(), outer, dim, log);
    } else {
      softmax_cols_kernel<T><<<blocks_for(outer * inner), kThreads, 0, stream>>>(
          out.data_ptr<T>(), x.data_ptr<T>(), outer, dim, inner, log);
    }
    MICA_CUDA_LAUNCH_CHECK();
  });
}

void softmax_backward(const Tensor& out, const Tensor& grad, const Tensor& y, int64_t outer,
                      int64_t dim, int64_t inner, bool log) {
  if (outer * dim * inner == 0) return;
  DeviceGuard guard(out.device().index);
  const cudaStream_t stream = stream_of(out);
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&]<class T>() {
    if (inner == 1) {
      const RowsLaunch l = rows_launch(outer, dim);
      softmax_backward_rows_kernel<T><<<l.grid, l.block, 0, stream>>>(
          out.data_ptr<T>(), grad.data_ptr<T>(), y.data_ptr<T>(), outer, dim, log);
    } else {
      softmax_backward_cols_kernel<T><<<blocks_for(outer * inner), kThreads, 0, stream>>>(
          out.data_ptr<T>(), grad.data_ptr<T>(), y.data_ptr<T>(), outer, dim, inner, log);
    }
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace mica::cuda
