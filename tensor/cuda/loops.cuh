// The generic CUDA elementwise loop: out[i] = f(in0[i], in1[i], ...) over already-broadcast
// operands of any strides. Contiguous operands take a flat kernel (four elements per vector load
// when every pointer is aligned for it); others compute each operand's offset from the shared
// strided plan (tensor/kernels/strided_plan.h). f is a
// __host__ __device__ functor (the shared ones in tensor/kernels/, or a small struct wrapping
// one): nvcc does not allow __device__ lambdas inside the generic lambdas mica dispatches with.
#pragma once

#include <cuda/std/tuple>

#include <utility>

#include "tensor/cuda/launch.cuh"
#include "tensor/kernels/strided_plan.h"

namespace mica::cuda {

template <int N>
struct OperandPtrs {
  char* p[N];
};

namespace detail {

template <class... Ins>
struct TypeList {};

template <class Out, class... Ins, int N, class F, size_t... I>
__device__ __forceinline__ void apply_at(TypeList<Ins...>, const OperandPtrs<N>& b,
                                         const int64_t (&off)[N], const F& f,
                                         std::index_sequence<I...>) {
  reinterpret_cast<Out*>(b.p[0])[off[0]] =
      f(reinterpret_cast<const Ins*>(b.p[I + 1])[off[I + 1]]...);
}

template <class Out, class... Ins, int N, class F, size_t... I>
__device__ __forceinline__ void apply_flat(TypeList<Ins...>, const OperandPtrs<N>& b, int64_t i,
                                           const F& f, std::index_sequence<I...>) {
  reinterpret_cast<Out*>(b.p[0])[i] = f(reinterpret_cast<const Ins*>(b.p[I + 1])[i]...);
}

// Four consecutive elements, aligned so one vector load or store moves them (16 bytes for float).
template <class T>
struct alignas(sizeof(T) * 4) Pack4 {
  T v[4];
};

template <class Out, class... Ins, int N, class F, size_t... I>
__device__ __forceinline__ void apply_pack(TypeList<Ins...>, const OperandPtrs<N>& b, int64_t i,
                                           const F& f, std::index_sequence<I...>) {
  const ::cuda::std::tuple<Pack4<Ins>...> in{reinterpret_cast<const Pack4<Ins>*>(b.p[I + 1])[i]...};
  Pack4<Out> o;
#pragma unroll
  for (int j = 0; j < 4; ++j) o.v[j] = f(::cuda::std::get<I>(in).v[j]...);
  reinterpret_cast<Pack4<Out>*>(b.p[0])[i] = o;
}

// Ins travel as a TypeList: a __global__ template cannot have a pack before other parameters.
template <class Out, class InList, int N, class F>
__global__ void elementwise_contiguous_kernel(int64_t n, OperandPtrs<N> b, F f) {
  for (int64_t i = global_thread(); i < n; i += grid_stride())
    apply_flat<Out>(InList{}, b, i, f, std::make_index_sequence<N - 1>{});
}

// Contiguous operands whose pointers are all Pack4-aligned: packs [0, n_packs).
template <class Out, class InList, int N, class F>
__global__ void elementwise_pack4_kernel(int64_t n_packs, OperandPtrs<N> b, F f) {
  for (int64_t i = global_thread(); i < n_packs; i += grid_stride())
    apply_pack<Out>(InList{}, b, i, f, std::make_index_sequence<N - 1>{});
}

template <class Out, class InList, int N, class F>
__global__ void elementwise_strided_kernel(kernels::StridedPlan<N> plan, OperandPtrs<N> b, F f) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[N];
    kernels::plan_offsets(plan, i, off);
    apply_at<Out>(InList{}, b, off, f, std::make_index_sequence<N - 1>{});
  }
}

}  // namespace detail

// out[i] = f(ins[i]...) over out's shape on out's device and current stream. Each input must
// already have out's sizes (expand to broadcast) and the element type given by Ins.
template <class Out, class... Ins, class F, class... Tensors>
void elementwise(const Tensor& out, const F& f, const Tensors&... ins) {
  static_assert(sizeof...(Ins) == sizeof...(Tensors));
  constexpr int N = 1 + sizeof...(Ins);
  const std::array<const Shape*, N> strides{&out.strides(), &ins.strides()...};
  const kernels::StridedPlan<N> plan = kernels::make_plan<N>(out.sizes(), strides);
  if (plan.numel == 0) return;
  DeviceGuard guard(out.device().index);
  const OperandPtrs<N> base{
      {static_cast<char*>(out.raw_data()), static_cast<char*>(ins.raw_data())...}};
  bool contiguous = plan.ndim == 1;
  for (int k = 0; k < N; ++k) contiguous = contiguous && plan.strides[k][0] == 1;
  const cudaStream_t stream = stream_of(out);
  using List = detail::TypeList<Ins...>;
  if (contiguous) {
    // Vector loads when every operand is aligned to its pack: the bulk in packs of 4, the tail
    // (fewer than 4 elements) element-wise.
    const std::array<size_t, N> pack_bytes{4 * sizeof(Out), 4 * sizeof(Ins)...};
    bool aligned = true;
    for (int k = 0; k < N; ++k)
      aligned = aligned && reinterpret_cast<uintptr_t>(base.p[k]) % pack_bytes[k] == 0;
    const int64_t n_packs = aligned ? plan.numel / 4 : 0;
    if (n_packs > 0) {
      detail::elementwise_pack4_kernel<Out, List, N>
          <<<blocks_for(n_packs), kThreads, 0, stream>>>(n_packs, base, f);
      MICA_CUDA_LAUNCH_CHECK();
    }
    const int64_t done = n_packs * 4;
    if (done < plan.numel) {
      const std::array<size_t, N> elem_bytes{sizeof(Out), sizeof(Ins)...};
      OperandPtrs<N> tail = base;
      for (int k = 0; k < N; ++k) tail.p[k] += done * static_cast<int64_t>(elem_bytes[k]);
      detail::elementwise_contiguous_kernel<Out, List, N>
          <<<blocks_for(plan.numel - done), kThreads, 0, stream>>>(plan.numel - done, tail, f);
    }
  } else {
    detail::elementwise_strided_kernel<Out, List, N>
        <<<blocks_for(plan.numel), kThreads, 0, stream>>>(plan, base, f);
  }
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace mica::cuda
