// CUDA indexing kernels, part 2: the offset scatter behind scatter_, scatter_add, index_put_ and
// one_hot (and so the gradients of gather, index_select and embedding). Plain scatters write
// directly (duplicate destinations: one write wins, as on the CPU). Accumulation is
// deterministic without float atomics: each element's destination offset is computed, the
// (destination, element) pairs are radix-sorted by destination (a stable sort, so equal
// destinations keep element order), and one thread per destination adds its contributions in
// increasing element order, rounding to the dtype after each add: the CPU's exact arithmetic.
#include <cub/device/device_radix_sort.cuh>

#include "tensor/cuda/indexing.h"
#include "tensor/cuda/indexing_util.cuh"
#include "tensor/kernels/strided_plan.h"

namespace mica::cuda {

using detail::bytes_of;

namespace {

// ---- kernels ----

// dst[i + index[i] * mult] = src[i]
template <class E, class I>
__global__ void scatter_kernel(kernels::StridedPlan<3> plan, E* dst, const E* src, const I* index,
                               int64_t mult, int64_t wrap) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[3];
    kernels::plan_offsets(plan, i, off);
    dst[off[0] + detail::wrapped(index[off[2]], wrap) * mult] = src[off[1]];
  }
}

// keys[i] = the destination element offset of element i, order[i] = i.
template <class I>
__global__ void destination_kernel(kernels::StridedPlan<3> plan, const I* index, int64_t mult,
                                   int64_t wrap, unsigned long long* keys, int64_t* order) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[3];
    kernels::plan_offsets(plan, i, off);
    keys[i] = static_cast<unsigned long long>(off[0] + detail::wrapped(index[off[2]], wrap) * mult);
    order[i] = i;
  }
}

// For each run of equal keys in the sorted pairs, the thread at the run's start adds the run's
// contributions to the destination one at a time, in increasing element order.
template <class T>
__global__ void accumulate_runs_kernel(kernels::StridedPlan<3> plan, T* dst, const T* src,
                                       const unsigned long long* keys, const int64_t* order) {
  using C = compute_t<T>;
  const int64_t n = plan.numel;
  for (int64_t p = global_thread(); p < n; p += grid_stride()) {
    const unsigned long long key = keys[p];
    if (p > 0 && keys[p - 1] == key) continue;
    T* slot = dst + key;
    T v = *slot;
    for (int64_t q = p; q < n && keys[q] == key; ++q) {
      int64_t off[3];
      kernels::plan_offsets(plan, order[q], off);
      v = convert<T>(convert<C>(v) + convert<C>(src[off[1]]));
    }
    *slot = v;
  }
}

// Bits needed for keys below bound (at least 1).
int key_bits(uint64_t bound) {
  int bits = 1;
  while (bits < 64 && (uint64_t{1} << bits) < bound) ++bits;
  return bits;
}

void scatter_accumulate(const Tensor& dst_base, const Tensor& src, const Tensor& index,
                        int64_t mult, int64_t wrap, const kernels::StridedPlan<3>& plan) {
  const int64_t n = plan.numel;
  const Device dev = dst_base.device();
  const cudaStream_t stream = stream_of(dst_base);
  // keys and values, in and out of the sort (int64 workspaces; keys are read as unsigned)
  Tensor keys_in = detail::workspace(n, kInt64, dev), keys_out = detail::workspace(n, kInt64, dev);
  Tensor order_in = detail::workspace(n, kInt64, dev);
  Tensor order_out = detail::workspace(n, kInt64, dev);
  auto* kin = static_cast<unsigned long long*>(keys_in.raw_data());
  auto* kout = static_cast<unsigned long long*>(keys_out.raw_data());
  auto* oin = static_cast<int64_t*>(order_in.raw_data());
  auto* oout = static_cast<int64_t*>(order_out.raw_data());
  dispatch_index(index.dtype(), "scatter_add", [&]<class I>() {
    destination_kernel<I><<<blocks_for(n), kThreads, 0, stream>>>(
        plan, reinterpret_cast<const I*>(bytes_of(index)), mult, wrap, kin, oin);
    MICA_CUDA_LAUNCH_CHECK();
  });
  // Destinations lie inside dst's storage, past dst_base's first element.
  const uint64_t bound = dst_base.impl()->storage()->nbytes() / dst_base.element_size() -
                         static_cast<uint64_t>(dst_base.storage_offset());
  const int end_bit = key_bits(bound);
  size_t temp_bytes = 0;
  MICA_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, kin, kout, oin, oout, n, 0,
                                                  end_bit, stream));
  Tensor temp =
      detail::workspace(static_cast<int64_t>(std::max<size_t>(temp_bytes, 1)), kUInt8, dev);
  MICA_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.raw_data(), temp_bytes, kin, kout, oin, oout,
                                                  n, 0, end_bit, stream));
  dispatch_all(dst_base.dtype(), "scatter_add", [&]<class T>() {
    accumulate_runs_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(
        plan, reinterpret_cast<T*>(bytes_of(dst_base)), reinterpret_cast<const T*>(bytes_of(src)),
        kout, oout);
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

// ---- launchers ----

void scatter_offsets(const Tensor& dst_base, const Tensor& src, const Tensor& index, int64_t mult,
                     bool accumulate, int64_t wrap) {
  const std::array<const Shape*, 3> strides{&dst_base.strides(), &src.strides(), &index.strides()};
  const kernels::StridedPlan<3> plan = kernels::make_plan<3>(index.sizes(), strides);
  if (plan.numel == 0) return;
  DeviceGuard guard(dst_base.device().index);
  if (accumulate) {
    scatter_accumulate(dst_base, src, index, mult, wrap, plan);
    return;
  }
  const cudaStream_t stream = stream_of(dst_base);
  detail::dispatch_bytes(dst_base.element_size(), [&]<class E>() {
    dispatch_index(index.dtype(), "scatter", [&]<class I>() {
      scatter_kernel<E, I><<<blocks_for(plan.numel), kThreads, 0, stream>>>(
          plan, reinterpret_cast<E*>(bytes_of(dst_base)), reinterpret_cast<const E*>(bytes_of(src)),
          reinterpret_cast<const I*>(bytes_of(index)), mult, wrap);
      MICA_CUDA_LAUNCH_CHECK();
    });
  });
}

}  // namespace mica::cuda
