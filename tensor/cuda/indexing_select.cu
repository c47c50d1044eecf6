// CUDA indexing kernels, part 3: nonzero and masked_select. Both flag the selected elements
// (row-major order, any strides), compact the flat indices of the flagged ones with CUB's
// DeviceSelect::Flagged (a scan), read the count back to the host (the output size), then turn
// the flat indices into coordinates (nonzero) or gather the values (masked_select).
#include <thrust/iterator/counting_iterator.h>
#include <cub/device/device_select.cuh>

#include "tensor/cuda/indexing.h"
#include "tensor/cuda/indexing_util.cuh"
#include "tensor/kernels/strided_plan.h"

namespace mica::cuda {

using detail::bytes_of;

namespace {

// Sizes of a tensor passed by value to a kernel.
struct DimSizes {
  int ndim;
  int64_t sizes[kernels::kMaxDims];
};

// ---- kernels ----

// flags[i] = (t[i] != 0) in row-major order.
template <class T>
__global__ void flag_kernel(kernels::StridedPlan<1> plan, const T* t, uint8_t* flags) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[1];
    kernels::plan_offsets(plan, i, off);
    flags[i] = convert<bool>(t[off[0]]) ? 1 : 0;
  }
}

// out[j, :] = the row-major coordinates of flat index flat[j].
__global__ void coordinates_kernel(DimSizes dims, const int64_t* flat, int64_t count,
                                   int64_t* out) {
  for (int64_t j = global_thread(); j < count; j += grid_stride()) {
    int64_t f = flat[j];
    for (int d = dims.ndim - 1; d >= 0; --d) {
      out[j * dims.ndim + d] = f % dims.sizes[d];
      f /= dims.sizes[d];
    }
  }
}

// out[j] = t[flat[j]] (row-major element flat[j] of t, through the plan).
template <class E>
__global__ void gather_flat_kernel(kernels::StridedPlan<1> plan, const E* t, const int64_t* flat,
                                   int64_t count, E* out) {
  for (int64_t j = global_thread(); j < count; j += grid_stride()) {
    int64_t off[1];
    kernels::plan_offsets(plan, flat[j], off);
    out[j] = t[off[0]];
  }
}

// The flat (row-major) indices of the nonzero elements of t (read as T), int64 [count] on t's
// device; returns count after waiting for it.
template <class T>
Tensor select_flat(const Tensor& t, int64_t& count) {
  const int64_t n = t.numel();
  const Device dev = t.device();
  const cudaStream_t stream = stream_of(t);
  const std::array<const Shape*, 1> strides{&t.strides()};
  const kernels::StridedPlan<1> plan = kernels::make_plan<1>(t.sizes(), strides);
  Tensor flags = detail::workspace(n, kUInt8, dev);
  auto* fl = static_cast<uint8_t*>(flags.raw_data());
  flag_kernel<T>
      <<<blocks_for(n), kThreads, 0, stream>>>(plan, static_cast<const T*>(t.raw_data()), fl);
  MICA_CUDA_LAUNCH_CHECK();
  Tensor selected = detail::workspace(n, kInt64, dev);
  Tensor num = detail::workspace(1, kInt64, dev);
  auto* sel = static_cast<int64_t*>(selected.raw_data());
  auto* num_p = static_cast<int64_t*>(num.raw_data());
  const thrust::counting_iterator<int64_t> first(0);
  size_t temp_bytes = 0;
  MICA_CUDA_CHECK(
      cub::DeviceSelect::Flagged(nullptr, temp_bytes, first, fl, sel, num_p, n, stream));
  Tensor temp =
      detail::workspace(static_cast<int64_t>(std::max<size_t>(temp_bytes, 1)), kUInt8, dev);
  MICA_CUDA_CHECK(
      cub::DeviceSelect::Flagged(temp.raw_data(), temp_bytes, first, fl, sel, num_p, n, stream));
  detail::read_back(&count, num_p, sizeof(count), dev.index);
  return selected;
}

}  // namespace

// ---- launchers ----

Tensor nonzero(const Tensor& t) {
  const int64_t nd = t.dim();
  const TensorOptions opts = TensorOptions(kInt64).device(t.device());
  if (t.numel() == 0) return empty({0, nd}, opts);
  MICA_CHECK(nd <= kernels::kMaxDims, "nonzero: tensors with more than ", kernels::kMaxDims,
             " dims are not supported (got ", nd, ")");
  DeviceGuard guard(t.device().index);
  int64_t count = 0;
  const Tensor flat =
      dispatch_all(t.dtype(), "nonzero", [&]<class T>() { return select_flat<T>(t, count); });
  Tensor out = empty({count, nd}, opts);
  if (count == 0 || nd == 0) return out;
  DimSizes dims{static_cast<int>(nd), {}};
  for (int64_t d = 0; d < nd; ++d) dims.sizes[d] = t.size(d);
  coordinates_kernel<<<blocks_for(count), kThreads, 0, stream_of(t)>>>(
      dims, static_cast<const int64_t*>(flat.raw_data()), count, out.data_ptr<int64_t>());
  MICA_CUDA_LAUNCH_CHECK();
  return out;
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  if (t.numel() == 0) return empty({0}, t.options());
  DeviceGuard guard(t.device().index);
  int64_t count = 0;
  const Tensor flat = select_flat<uint8_t>(mask, count);  // bool and uint8 masks: byte != 0
  Tensor out = empty({count}, t.options());
  if (count == 0) return out;
  const std::array<const Shape*, 1> strides{&t.strides()};
  const kernels::StridedPlan<1> plan = kernels::make_plan<1>(t.sizes(), strides);
  detail::dispatch_bytes(t.element_size(), [&]<class E>() {
    gather_flat_kernel<E><<<blocks_for(count), kThreads, 0, stream_of(t)>>>(
        plan, reinterpret_cast<const E*>(bytes_of(t)), static_cast<const int64_t*>(flat.raw_data()),
        count, reinterpret_cast<E*>(bytes_of(out)));
    MICA_CUDA_LAUNCH_CHECK();
  });
  return out;
}

}  // namespace mica::cuda
