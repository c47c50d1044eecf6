// CUDA cumsum / cumprod along one dim (any strides), accumulating in the CPU's types
// (kernels::acc_t: double for float32/float64, float for the 16-bit floats, int64 for integers
// and bool). Short lines, and many strided lines whose neighbours are adjacent in memory, take
// one thread per line (the CPU's sequential order); long lines take a group scan: a warp (or a
// block for lines over kWarpLineMax) scans tiles of the line with a running carry.
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/sort.h"
#include "tensor/cuda/sort_lines.cuh"
#include "tensor/kernels/reduction.h"

namespace mica::cuda {

namespace {

using Plan2 = kernels::StridedPlan<2>;  // operand 0: out, 1: x
constexpr int64_t kWarpLineMax = 2048;
constexpr unsigned kFullMask = 0xffffffffu;

template <class A, bool kSum>
__device__ __forceinline__ A scan_op(A a, A b) {
  if constexpr (kSum)
    return a + b;
  else
    return a * b;
}

// Inclusive scan of v over the blockDim.x threads of this block row (32, or the whole block with
// blockDim.y == 1; at most kThreads). total receives the row's total. Every thread must call it.
template <class A, bool kSum>
__device__ A group_scan(A v, A& total) {
  __shared__ A warp_totals[kThreads / 32];
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
#pragma unroll
  for (int delta = 1; delta < 32; delta <<= 1) {
    const A u = __shfl_up_sync(kFullMask, v, delta);
    if (lane >= delta) v = scan_op<A, kSum>(u, v);
  }
  if (blockDim.x == 32) {
    total = __shfl_sync(kFullMask, v, 31);
    return v;
  }
  const int warps = static_cast<int>(blockDim.x / 32);
  __syncthreads();  // the slots may still be read by the previous tile
  if (lane == 31) warp_totals[warp] = v;
  __syncthreads();
  A prefix = kSum ? A(0) : A(1);
  for (int w = 0; w < warp; ++w) prefix = scan_op<A, kSum>(prefix, warp_totals[w]);
  A all = prefix;
  for (int w = warp; w < warps; ++w) all = scan_op<A, kSum>(all, warp_totals[w]);
  total = all;
  return scan_op<A, kSum>(prefix, v);
}

// One thread per line, in order.
template <class T, class O, bool kSum>
__global__ void scan_lines_kernel(O* out, const T* x, Plan2 plan, int64_t n, int64_t os,
                                  int64_t xs) {
  using A = kernels::acc_t<T>;
  for (int64_t l = global_thread(); l < plan.numel; l += grid_stride()) {
    int64_t off[2];
    kernels::plan_offsets(plan, l, off);
    A acc = kSum ? A(0) : A(1);
    for (int64_t i = 0; i < n; ++i) {
      acc = scan_op<A, kSum>(acc, convert<A>(x[off[1] + i * xs]));
      out[off[0] + i * os] = convert<O>(acc);
    }
  }
}

// blockDim.x threads per line (blockDim.y lines per block): tiles of blockDim.x elements, each
// scanned by the group and offset by the carry of the tiles before it.
template <class T, class O, bool kSum>
__global__ void scan_group_kernel(O* out, const T* x, Plan2 plan, int64_t n, int64_t os,
                                  int64_t xs) {
  using A = kernels::acc_t<T>;
  const int64_t lines = plan.numel;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.y;
  // loop bounds are uniform over the block (group_scan synchronizes it)
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * blockDim.y; base < lines; base += step) {
    const int64_t l = base + threadIdx.y;
    const bool active = l < lines;
    int64_t off[2] = {0, 0};
    if (active) kernels::plan_offsets(plan, l, off);
    A carry = kSum ? A(0) : A(1);
    for (int64_t start = 0; start < n; start += blockDim.x) {
      const int64_t i = start + threadIdx.x;
      const bool here = active && i < n;
      A v = here ? convert<A>(x[off[1] + i * xs]) : (kSum ? A(0) : A(1));
      A total;
      v = group_scan<A, kSum>(v, total);
      if (here) out[off[0] + i * os] = convert<O>(scan_op<A, kSum>(carry, v));
      carry = scan_op<A, kSum>(carry, total);
    }
  }
}

template <class T>
using scan_out_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, T, int64_t>;

template <bool kSum>
void scan(const Tensor& out, const Tensor& x, int64_t dim) {
  const int64_t n = x.size(dim);
  if (x.numel() == 0) return;
  const Plan2 plan = line_plan<2>({&out, &x}, dim);
  const int64_t lines = plan.numel, xs = x.stride(dim), os = out.stride(dim);
  DeviceGuard guard(out.device().index);
  const cudaStream_t stream = stream_of(out);
  const bool sequential = n < 32 || (xs != 1 && lines >= 2048);
  dispatch_all(x.dtype(), kSum ? "cumsum" : "cumprod", [&]<class T>() {
    using O = scan_out_t<T>;
    O* o = out.data_ptr<O>();
    const T* p = x.data_ptr<T>();
    if (sequential) {
      scan_lines_kernel<T, O, kSum>
          <<<blocks_for(lines), kThreads, 0, stream>>>(o, p, plan, n, os, xs);
    } else {
      const dim3 block = n <= kWarpLineMax ? dim3(32, kThreads / 32) : dim3(kThreads, 1);
      const int64_t blocks = (lines + block.y - 1) / block.y;
      const unsigned grid = static_cast<unsigned>(std::min<int64_t>(blocks, int64_t{1} << 24));
      scan_group_kernel<T, O, kSum><<<grid, block, 0, stream>>>(o, p, plan, n, os, xs);
    }
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

void cumsum(const Tensor& out, const Tensor& x, int64_t dim) {
  scan<true>(out, x, dim);
}
void cumprod(const Tensor& out, const Tensor& x, int64_t dim) {
  scan<false>(out, x, dim);
}

}  // namespace mica::cuda
