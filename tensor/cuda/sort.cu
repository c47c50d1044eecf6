// CUDA sort / argsort / topk along one dim (any strides): each element becomes an unsigned radix
// key whose order is the CPU's (NaN above every number, -0 equal to +0; descending flips the
// bits), the lines are sorted as segments by CUB's stable segmented sort with their positions
// as values (so ties keep the lower index first, in both directions), and the first k positions
// of each line are written out with the values gathered from x. A single line takes CUB's
// device-wide radix sort instead (also stable). topk sorts the whole line.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/sort.h"
#include "tensor/cuda/sort_lines.cuh"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace {

using Plan3 = kernels::StridedPlan<3>;  // operand 0: x, 1: indices, 2: values (or indices)

// The radix key type: 32 bits for types up to 32 bits, else 64.
template <class T>
using radix_key_t = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;

// An unsigned key ordered like the CPU's comparison: floats by value with NaN largest and
// -0 == +0 (16-bit floats widen to float exactly), signed integers offset by the sign bit.
template <class T>
__device__ __forceinline__ radix_key_t<T> sort_key(T v) {
  using K = radix_key_t<T>;
  if constexpr (std::is_same_v<T, double> || std::is_floating_point_v<compute_t<T>>) {
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    C c = convert<C>(v);
    if (c != c) return ~K(0);
    if (c == C(0)) c = C(0);  // -0 -> +0
    K bits;
    memcpy(&bits, &c, sizeof(K));
    constexpr K sign = K(1) << (sizeof(K) * 8 - 1);
    return (bits & sign) ? ~bits : (bits | sign);
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
    constexpr K sign = K(1) << (sizeof(K) * 8 - 1);
    return static_cast<K>(v) ^ sign;
  } else {
    return static_cast<K>(v);  // uint8, bool
  }
}

// keys[l * n + j] and positions[l * n + j] = j for element j of line l.
template <class T>
__global__ void make_keys_kernel(radix_key_t<T>* keys, int64_t* positions, const T* x, Plan3 plan,
                                 int64_t n, int64_t xs, bool descending) {
  const int64_t total = plan.numel * n;
  for (int64_t t = global_thread(); t < total; t += grid_stride()) {
    const int64_t l = t / n, j = t % n;
    int64_t off[3];
    kernels::plan_offsets(plan, l, off);
    const radix_key_t<T> k = sort_key(x[off[0] + j * xs]);
    keys[t] = descending ? ~k : k;
    positions[t] = j;
  }
}

__global__ void segment_offsets_kernel(int64_t* offsets, int64_t lines, int64_t n) {
  for (int64_t t = global_thread(); t <= lines; t += grid_stride()) offsets[t] = t * n;
}

// The first k sorted positions of every line: indices, and values gathered from x.
template <class T>
__global__ void write_sorted_kernel(int64_t* indices, T* values, const T* x, const int64_t* sorted,
                                    Plan3 plan, int64_t n, int64_t k, int64_t xs, int64_t is,
                                    int64_t vs) {
  const int64_t total = plan.numel * k;
  for (int64_t t = global_thread(); t < total; t += grid_stride()) {
    const int64_t l = t / k, j = t % k;
    int64_t off[3];
    kernels::plan_offsets(plan, l, off);
    const int64_t src = sorted[l * n + j];
    indices[off[1] + j * is] = src;
    if (values) values[off[2] + j * vs] = x[off[0] + src * xs];
  }
}

// A device buffer of count elements of E (a uint8 tensor from the caching allocator).
template <class E>
E* buffer(Tensor& holder, int64_t count, Device d) {
  holder = empty({std::max<int64_t>(count, 1) * static_cast<int64_t>(sizeof(E))},
                 TensorOptions(kUInt8).device(d));
  return static_cast<E*>(holder.raw_data());
}

void sort_lines(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k,
                int64_t dim, bool descending, const char* op) {
  const int64_t n = x.size(dim);
  if (x.numel() == 0 || k == 0) return;
  const Tensor& vt = values.defined() ? values : indices;  // placeholder operand
  const Plan3 plan = line_plan<3>({&x, &indices, &vt}, dim);
  const int64_t lines = plan.numel, total = lines * n;
  const int64_t xs = x.stride(dim), is = indices.stride(dim);
  const int64_t vs = values.defined() ? values.stride(dim) : 0;
  const Device d = x.device();
  DeviceGuard guard(d.index);
  const cudaStream_t stream = stream_of(x);
  dispatch_all(x.dtype(), op, [&]<class T>() {
    using K = radix_key_t<T>;
    Tensor h_keys, h_keys_out, h_pos, h_pos_out, h_offsets, h_temp;
    K* keys = buffer<K>(h_keys, total, d);
    K* keys_out = buffer<K>(h_keys_out, total, d);
    int64_t* pos = buffer<int64_t>(h_pos, total, d);
    int64_t* pos_out = buffer<int64_t>(h_pos_out, total, d);
    int64_t* offsets = buffer<int64_t>(h_offsets, lines + 1, d);
    make_keys_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(keys, pos, x.data_ptr<T>(),
                                                                    plan, n, xs, descending);
    MICA_CUDA_LAUNCH_CHECK();
    segment_offsets_kernel<<<blocks_for(lines + 1), kThreads, 0, stream>>>(offsets, lines, n);
    MICA_CUDA_LAUNCH_CHECK();
    // Queries the workspace size (temp == nullptr), or sorts.
    auto run_sort = [&](void* temp, size_t& temp_bytes) {
      if (lines == 1)
        return cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys, keys_out, pos, pos_out,
                                               total, 0, static_cast<int>(sizeof(K) * 8), stream);
      return cub::DeviceSegmentedSort::StableSortPairs(temp, temp_bytes, keys, keys_out, pos,
                                                       pos_out, total, lines, offsets, offsets + 1,
                                                       stream);
    };
    size_t temp_bytes = 0;
    MICA_CUDA_CHECK(run_sort(nullptr, temp_bytes));
    void* temp = buffer<unsigned char>(h_temp, static_cast<int64_t>(temp_bytes), d);
    MICA_CUDA_CHECK(run_sort(temp, temp_bytes));
    T* v = values.defined() ? values.data_ptr<T>() : nullptr;
    write_sorted_kernel<T><<<blocks_for(lines * k), kThreads, 0, stream>>>(
        indices.data_ptr<int64_t>(), v, x.data_ptr<T>(), pos_out, plan, n, k, xs, is, vs);
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

void sort(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
          bool descending) {
  sort_lines(values, indices, x, x.size(dim), dim, descending, "sort");
}

void topk(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k, int64_t dim,
          bool largest) {
  sort_lines(values, indices, x, k, dim, largest, "topk");
}

}  // namespace mica::cuda
