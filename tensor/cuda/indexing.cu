// CUDA indexing kernels, part 1: the index range scan (a block reduction plus two integer atomics,
// read back to the host), the offset gather behind index_select/gather/embedding, and the
// tril/triu triangle mask. Scatters are in indexing_scatter.cu, nonzero and masked_select in
// indexing_select.cu.
#include <climits>

#include "tensor/cuda/indexing.h"
#include "tensor/cuda/indexing_util.cuh"
#include "tensor/kernels/strided_plan.h"

namespace mica::cuda {

using detail::bytes_of;

namespace {

// ---- kernels ----

__global__ void init_min_max_kernel(long long* result) {
  result[0] = LLONG_MAX;
  result[1] = LLONG_MIN;
}

// result = (min, max) over the index values: per-thread, per-warp (shuffles), per-block (shared
// memory), then one atomicMin/atomicMax per block.
template <class I>
__global__ void min_max_kernel(kernels::StridedPlan<1> plan, const I* index, long long* result) {
  long long lo = LLONG_MAX, hi = LLONG_MIN;
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[1];
    kernels::plan_offsets(plan, i, off);
    const long long v = static_cast<long long>(index[off[0]]);
    lo = min(lo, v);
    hi = max(hi, v);
  }
  for (int s = 16; s > 0; s >>= 1) {
    lo = min(lo, __shfl_down_sync(0xffffffffu, lo, s));
    hi = max(hi, __shfl_down_sync(0xffffffffu, hi, s));
  }
  __shared__ long long s_lo[kThreads / 32], s_hi[kThreads / 32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    s_lo[warp] = lo;
    s_hi[warp] = hi;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kThreads / 32; ++w) {
      lo = min(lo, s_lo[w]);
      hi = max(hi, s_hi[w]);
    }
    atomicMin(&result[0], lo);
    atomicMax(&result[1], hi);
  }
}

// out[i] = src[i + index[i] * mult] (element offsets from the plan).
template <class E, class I>
__global__ void gather_kernel(kernels::StridedPlan<3> plan, E* out, const E* src, const I* index,
                              int64_t mult, int64_t wrap) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[3];
    kernels::plan_offsets(plan, i, off);
    out[off[0]] = src[off[1] + detail::wrapped(index[off[2]], wrap) * mult];
  }
}

// Zeroes element i of [batch, rows, cols] when it lies outside the kept triangle.
template <class E>
__global__ void zero_triangle_kernel(E* t, int64_t numel, int64_t rows, int64_t cols,
                                     int64_t diagonal, bool upper) {
  for (int64_t i = global_thread(); i < numel; i += grid_stride()) {
    const int64_t j = i % cols, r = (i / cols) % rows;
    // tril keeps j <= r + diagonal; triu keeps j >= r + diagonal
    const bool zero = upper ? j < r + diagonal : j > r + diagonal;
    if (zero) t[i] = E(0);
  }
}

}  // namespace

// ---- launchers ----

std::pair<int64_t, int64_t> index_min_max(const Tensor& index) {
  if (index.numel() == 0) return {0, -1};
  DeviceGuard guard(index.device().index);
  const std::array<const Shape*, 1> strides{&index.strides()};
  const kernels::StridedPlan<1> plan = kernels::make_plan<1>(index.sizes(), strides);
  Tensor result = detail::workspace(2, kInt64, index.device());
  long long* r = static_cast<long long*>(result.raw_data());
  const cudaStream_t stream = stream_of(index);
  init_min_max_kernel<<<1, 1, 0, stream>>>(r);
  MICA_CUDA_LAUNCH_CHECK();
  dispatch_index(index.dtype(), "index", [&]<class I>() {
    min_max_kernel<I><<<blocks_for(plan.numel), kThreads, 0, stream>>>(
        plan, static_cast<const I*>(index.raw_data()), r);
    MICA_CUDA_LAUNCH_CHECK();
  });
  long long host[2];
  detail::read_back(host, r, sizeof(host), index.device().index);
  return {host[0], host[1]};
}

void gather_offsets(const Tensor& out, const Tensor& src_base, const Tensor& index, int64_t mult,
                    int64_t wrap) {
  const std::array<const Shape*, 3> strides{&out.strides(), &src_base.strides(), &index.strides()};
  const kernels::StridedPlan<3> plan = kernels::make_plan<3>(out.sizes(), strides);
  if (plan.numel == 0) return;
  DeviceGuard guard(out.device().index);
  const cudaStream_t stream = stream_of(out);
  detail::dispatch_bytes(out.element_size(), [&]<class E>() {
    dispatch_index(index.dtype(), "gather", [&]<class I>() {
      gather_kernel<E, I><<<blocks_for(plan.numel), kThreads, 0, stream>>>(
          plan, reinterpret_cast<E*>(bytes_of(out)), reinterpret_cast<const E*>(bytes_of(src_base)),
          reinterpret_cast<const I*>(bytes_of(index)), mult, wrap);
      MICA_CUDA_LAUNCH_CHECK();
    });
  });
}

void zero_triangle(const Tensor& t, int64_t diagonal, bool upper) {
  if (t.numel() == 0) return;
  DeviceGuard guard(t.device().index);
  const int64_t rows = t.size(-2), cols = t.size(-1);
  const cudaStream_t stream = stream_of(t);
  detail::dispatch_bytes(t.element_size(), [&]<class E>() {
    zero_triangle_kernel<E><<<blocks_for(t.numel()), kThreads, 0, stream>>>(
        reinterpret_cast<E*>(bytes_of(t)), t.numel(), rows, cols, diagonal, upper);
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace mica::cuda
