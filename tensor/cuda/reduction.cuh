// The generic CUDA reduction: reduces the last n_reduced dims of a strided view with a reducer of
// tensor/kernels/reduction.h, the same reducers (accumulation types, NaN rules, first-index
// ties) the CPU loop uses. Three kernels cover the layouts:
//   rows:    a group of threads (one warp, or a block of 256) per output, threads striding over
//            the reduced positions, states combined by warp shuffles (+ shared memory);
//   columns: one thread per output folding its positions in order, for reductions whose
//            reduced elements are strided but whose outputs are adjacent in memory ([N, C] over N);
//   partials: long reductions with few outputs are cut into slices of positions reduced by
//            separate groups into a workspace, then one warp per output combines the slices.
// Every choice depends only on the shapes and strides, so results are deterministic (no atomics).
#pragma once

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

#include "tensor/cuda/launch.cuh"
#include "tensor/kernels/reduction.h"
#include "tensor/kernels/strided_plan.h"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace reduce_detail {

using Plan = kernels::StridedPlan<1>;

// The element offset of flat (row-major) position i of a one-operand plan.
__device__ __forceinline__ int64_t offset_of(const Plan& p, int64_t i) {
  if (p.ndim == 1) return i * p.strides[0][0];
  int64_t off = 0;
  for (int d = 0; d < p.ndim; ++d) {
    off += (i % p.sizes[d]) * p.strides[0][d];
    i /= p.sizes[d];
  }
  return off;
}

// Combines two partial states that may come from any positions. Reorderable reducers combine
// freely; the first-index reducers (argmax/argmin) break value ties by the lower index, which
// gives the same result as the CPU's in-order fold.
template <class R>
__device__ __forceinline__ typename R::acc_type combine_any(const R& r, typename R::acc_type a,
                                                            typename R::acc_type b) {
  if constexpr (R::kReorderable) {
    return r.combine(a, b);
  } else {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    if (R::better(b.value, a.value)) return b;
    if (R::better(a.value, b.value)) return a;
    return b.index < a.index ? b : a;
  }
}

// __shfl_down_sync for any trivially copyable state, 32 bits at a time.
template <class A>
__device__ __forceinline__ A shfl_down(const A& v, int delta) {
  static_assert(std::is_trivially_copyable_v<A>);
  constexpr int kWords = static_cast<int>((sizeof(A) + 3) / 4);
  unsigned words[kWords] = {};
  memcpy(words, &v, sizeof(A));
#pragma unroll
  for (int k = 0; k < kWords; ++k) words[k] = __shfl_down_sync(0xffffffffu, words[k], delta);
  A out;
  memcpy(&out, words, sizeof(A));
  return out;
}

// Combines the states of a warp; lane 0 ends with the result. Every lane must take part.
template <class R>
__device__ __forceinline__ typename R::acc_type warp_combine(const R& r, typename R::acc_type a) {
#pragma unroll
  for (int delta = 16; delta > 0; delta >>= 1) a = combine_any(r, a, shfl_down(a, delta));
  return a;
}

// Combines the states of each row of the block (blockDim.x threads, a multiple of 32, times
// blockDim.y rows, 256 threads in all); threadIdx.x == 0 ends with its row's result. Every thread
// of the block must call it.
template <class R>
__device__ typename R::acc_type group_combine(const R& r, typename R::acc_type a) {
  using A = typename R::acc_type;
  a = warp_combine(r, a);
  if (blockDim.x == 32) return a;
  __shared__ alignas(16) unsigned char raw[(kThreads / 32) * sizeof(A)];
  A* slots = reinterpret_cast<A*>(raw);
  const int warps = static_cast<int>(blockDim.x / 32);
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  __syncthreads();  // slots may still be read by a previous call
  if (lane == 0) slots[threadIdx.y * warps + warp] = a;
  __syncthreads();
  if (warp == 0) {
    a = lane < warps ? slots[threadIdx.y * warps + lane] : r.init();
    a = warp_combine(r, a);
  }
  return a;
}

// Output o of the rows layout, or its slice s: positions [s * chunk, min(count, (s + 1) * chunk)).
// One group of blockDim.x threads per (output, slice) task, blockDim.y tasks per block. partial
// (when slices > 1): the task's state goes to partial[o * slices + s]; else write(o, state, count).
template <class T, class R, class W>
__global__ void reduce_rows_kernel(const T* x, Plan kplan, Plan rplan, int64_t outputs,
                                   int64_t count, int64_t slices, int64_t chunk, R r, W write,
                                   typename R::acc_type* partial) {
  using A = typename R::acc_type;
  const int64_t tasks = outputs * slices;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.y;
  // the loop condition is the same for the whole block (group_combine synchronizes it)
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * blockDim.y; base < tasks; base += step) {
    const int64_t task = base + threadIdx.y;
    A a = r.init();
    if (task < tasks) {
      const int64_t o = task / slices, s = task % slices;
      const T* p = x + offset_of(kplan, o);
      const int64_t b = s * chunk, e = b + chunk < count ? b + chunk : count;
      if (rplan.ndim == 1) {
        const int64_t st = rplan.strides[0][0];
        for (int64_t i = b + threadIdx.x; i < e; i += blockDim.x) a = r.step(a, p[i * st], i);
      } else {
        for (int64_t i = b + threadIdx.x; i < e; i += blockDim.x)
          a = r.step(a, p[offset_of(rplan, i)], i);
      }
    }
    a = group_combine(r, a);
    if (task < tasks && threadIdx.x == 0) {
      if (slices > 1)
        partial[task] = a;
      else
        write(task, a, count);
    }
  }
}

// The columns layout: one thread per (output, slice), outputs fastest so neighbouring threads
// read neighbouring memory; each folds its positions in order.
template <class T, class R, class W>
__global__ void reduce_cols_kernel(const T* x, Plan kplan, Plan rplan, int64_t outputs,
                                   int64_t count, int64_t slices, int64_t chunk, R r, W write,
                                   typename R::acc_type* partial) {
  using A = typename R::acc_type;
  const int64_t tasks = outputs * slices;
  for (int64_t t = global_thread(); t < tasks; t += grid_stride()) {
    const int64_t o = t % outputs, s = t / outputs;
    const T* p = x + offset_of(kplan, o);
    const int64_t b = s * chunk, e = b + chunk < count ? b + chunk : count;
    A a = r.init();
    if (rplan.ndim == 1) {
      const int64_t st = rplan.strides[0][0];
      for (int64_t i = b; i < e; ++i) a = r.step(a, p[i * st], i);
    } else {
      for (int64_t i = b; i < e; ++i) a = r.step(a, p[offset_of(rplan, i)], i);
    }
    if (slices > 1)
      partial[o * slices + s] = a;
    else
      write(o, a, count);
  }
}

// Second pass: one warp per output combines its slices' states and writes the result.
template <class R, class W>
__global__ void combine_partials_kernel(const typename R::acc_type* partial, int64_t outputs,
                                        int64_t slices, int64_t count, R r, W write) {
  using A = typename R::acc_type;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int64_t warps = grid_stride() / 32;
  for (int64_t o = global_thread() / 32; o < outputs; o += warps) {
    A a = r.init();
    for (int64_t s = lane; s < slices; s += 32) a = combine_any(r, a, partial[o * slices + s]);
    a = warp_combine(r, a);
    if (lane == 0) write(o, a, count);
  }
}

// out[o] = convert<O>(r.project(state, count)): the writer of single-value reductions.
template <class O, class R>
struct ProjectWriter {
  O* out;
  R r;
  __device__ __forceinline__ void operator()(int64_t o, const typename R::acc_type& a,
                                             int64_t n) const {
    out[o] = convert<O>(r.project(a, n));
  }
};

inline constexpr int64_t kTargetBlocks = 132 * 8;        // enough row groups to fill an H100
inline constexpr int64_t kTargetThreads = 132 * 2048;    // enough column threads
inline constexpr int64_t kRowsPerSlice = kThreads * 16;  // positions per block-slice, at least
inline constexpr int64_t kColsPerSlice = 256;            // positions per column-slice, at least

}  // namespace reduce_detail

// Reduces the last n_reduced dims of x (a CUDA view, any strides; dims ordered like the CPU's
// reduce_loop, so positions are row-major over them) with reducer r and calls write(o, state,
// count) on the device once per output o (row-major over the kept dims).
template <class T, class R, class W>
void reduce(const Tensor& x, int64_t n_reduced, const R& r, const W& write) {
  using namespace reduce_detail;
  using A = typename R::acc_type;
  const int64_t nk = x.dim() - n_reduced;
  const Shape ksz(x.sizes().begin(), x.sizes().begin() + nk);
  const Shape kst(x.strides().begin(), x.strides().begin() + nk);
  Shape rsz(x.sizes().begin() + nk, x.sizes().end());
  Shape rst(x.strides().begin() + nk, x.strides().end());
  const int64_t outputs = shape_numel(ksz), count = shape_numel(rsz);
  if (outputs == 0) return;
  if constexpr (R::kReorderable) {
    // positions do not matter: put the smallest stride innermost so reads are coalesced
    std::vector<size_t> order(rsz.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return rst[a] > rst[b]; });
    Shape s2, t2;
    for (size_t i : order) {
      s2.push_back(rsz[i]);
      t2.push_back(rst[i]);
    }
    rsz = s2;
    rst = t2;
  }
  const Plan kplan = kernels::make_plan<1>(ksz, {&kst});
  const Plan rplan = kernels::make_plan<1>(rsz, {&rst});
  const bool reduced_unit = rplan.strides[0][0] == 1, kept_unit = kplan.strides[0][0] == 1;
  const bool rows = count >= 32 && (reduced_unit || !kept_unit);

  int64_t slices = 1;
  int group = 32;
  if (rows) {
    group = count <= 2048 ? 32 : kThreads;
    if (group == kThreads && outputs < kTargetBlocks)
      slices = std::min((count + kRowsPerSlice - 1) / kRowsPerSlice,
                        (kTargetBlocks + outputs - 1) / outputs);
  } else if (outputs < kTargetThreads && count > 0) {
    slices = std::min((count + kColsPerSlice - 1) / kColsPerSlice,
                      (kTargetThreads + outputs - 1) / outputs);
  }
  slices = std::max<int64_t>(slices, 1);
  const int64_t chunk = (count + slices - 1) / slices;

  DeviceGuard guard(x.device().index);
  const cudaStream_t stream = stream_of(x);
  Tensor workspace;
  A* partial = nullptr;
  if (slices > 1) {
    const int64_t bytes = outputs * slices * static_cast<int64_t>(sizeof(A));
    workspace = empty({bytes}, TensorOptions(kUInt8).device(x.device()));
    partial = static_cast<A*>(workspace.raw_data());
  }
  const T* base = static_cast<const T*>(x.raw_data());
  if (rows) {
    const dim3 block(static_cast<unsigned>(group), static_cast<unsigned>(kThreads / group));
    const int64_t blocks = (outputs * slices + block.y - 1) / block.y;
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>(blocks, int64_t{1} << 24));
    reduce_rows_kernel<T><<<grid, block, 0, stream>>>(base, kplan, rplan, outputs, count, slices,
                                                      chunk, r, write, partial);
  } else {
    reduce_cols_kernel<T><<<blocks_for(outputs * slices), kThreads, 0, stream>>>(
        base, kplan, rplan, outputs, count, slices, chunk, r, write, partial);
  }
  MICA_CUDA_LAUNCH_CHECK();
  if (slices > 1) {
    combine_partials_kernel<<<blocks_for(outputs * 32), kThreads, 0, stream>>>(
        partial, outputs, slices, count, r, write);
    MICA_CUDA_LAUNCH_CHECK();
  }
}

// Runs reducer r over x and stores convert<O>(r.project(state, count)) into the contiguous out.
template <class T, class O, class R>
void reduce_into(const Tensor& out, const Tensor& x, int64_t n_reduced, const R& r) {
  reduce<T>(x, n_reduced, r, reduce_detail::ProjectWriter<O, R>{out.data_ptr<O>(), r});
}

}  // namespace mica::cuda
