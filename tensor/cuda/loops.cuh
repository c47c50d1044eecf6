// The generic CUDA elementwise loop: out[i] = f(in0[i], in1[i], ...) over already-broadcast
// operands of any strides. Contiguous operands take a flat unit-stride kernel; others compute
// each operand's offset from the shared strided plan (tensor/kernels/strided_plan.h). f is a
// __host__ __device__ functor (the shared ones in tensor/kernels/, or a small struct wrapping
// one): nvcc does not allow __device__ lambdas inside the generic lambdas mica dispatches with.
#pragma once

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

// Ins travel as a TypeList: a __global__ template cannot have a pack before other parameters.
template <class Out, class InList, int N, class F>
__global__ void elementwise_contiguous_kernel(int64_t n, OperandPtrs<N> b, F f) {
  for (int64_t i = global_thread(); i < n; i += grid_stride())
    apply_flat<Out>(InList{}, b, i, f, std::make_index_sequence<N - 1>{});
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
  if (contiguous) {
    detail::elementwise_contiguous_kernel<Out, detail::TypeList<Ins...>, N>
        <<<blocks_for(plan.numel), kThreads, 0, stream>>>(plan.numel, base, f);
  } else {
    detail::elementwise_strided_kernel<Out, detail::TypeList<Ins...>, N>
        <<<blocks_for(plan.numel), kThreads, 0, stream>>>(plan, base, f);
  }
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace mica::cuda
