// Device helpers shared by the CUDA normalization and loss kernels (norm.cu, loss.cu):
// deterministic warp and block all-reductions (fixed shuffle/shared-memory order, no atomics)
// for sums and running log-sum-exp states, and a 1-d parameter view of any floating dtype and
// stride (weights, biases, running statistics) read and written with a runtime dtype switch, so
// the kernels need no per-parameter-dtype instantiations and no device-side conversion copies.
#pragma once

#include <cuda_runtime.h>

#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor/kernels/nn.h"
#include "tensor/tensor.h"

namespace mica::cuda::nn_detail {

inline constexpr int kWarp = 32;

// A 1-d tensor's elements p[i * stride] of a floating dtype; p == nullptr: undefined.
struct AnyVec {
  void* p = nullptr;
  int64_t stride = 1;
  DType dtype = kFloat32;

  MICA_INLINE bool defined() const { return p != nullptr; }
  // The value converted like cpu::read_vector: to the element's compute type, then to A.
  template <class A>
  __device__ __forceinline__ A load(int64_t i) const {
    const int64_t k = i * stride;
    switch (dtype) {
      case kFloat16:
        return static_cast<A>(convert<float>(static_cast<const Half*>(p)[k]));
      case kBFloat16:
        return static_cast<A>(convert<float>(static_cast<const BFloat16*>(p)[k]));
      case kFloat64:
        return static_cast<A>(static_cast<const double*>(p)[k]);
      default:
        return static_cast<A>(static_cast<const float*>(p)[k]);
    }
  }
  // Stores v (computed in double) converted to the element dtype, like the CPU's convert<R>.
  __device__ __forceinline__ void store(int64_t i, double v) const {
    const int64_t k = i * stride;
    switch (dtype) {
      case kFloat16:
        static_cast<Half*>(p)[k] = convert<Half>(v);
        break;
      case kBFloat16:
        static_cast<BFloat16*>(p)[k] = convert<BFloat16>(v);
        break;
      case kFloat64:
        static_cast<double*>(p)[k] = v;
        break;
      default:
        static_cast<float*>(p)[k] = static_cast<float>(v);
        break;
    }
  }
};

// t: undefined, or a 1-d floating tensor (any stride) on the GPU. Tensors of more dims are made
// contiguous first (keep the returned holder alive for the launch).
inline AnyVec any_vec(const Tensor& t, Tensor& holder) {
  AnyVec v;
  if (!t.defined()) return v;
  holder = t.dim() == 1 || t.is_contiguous() ? t : t.contiguous();
  v.p = holder.raw_data();
  v.stride = holder.dim() == 1 ? holder.stride(0) : 1;
  v.dtype = holder.dtype();
  return v;
}

// ---- sums ----

template <class A>
__device__ __forceinline__ A warp_allreduce_sum(A v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// The sum of v over the block, returned to every thread. smem: blockDim.x / 32 elements. Every
// thread adds the warps' partial sums in the same order, so all see the same (deterministic)
// value. Safe to call repeatedly with the same smem.
template <class A>
__device__ __forceinline__ A block_allreduce_sum(A v, A* smem) {
  v = warp_allreduce_sum(v);
  const int warps = static_cast<int>(blockDim.x) / kWarp;
  __syncthreads();  // earlier readers of smem are done
  if (threadIdx.x % kWarp == 0) smem[threadIdx.x / kWarp] = v;
  __syncthreads();
  A t = 0;
  for (int i = 0; i < warps; ++i) t += smem[i];
  return t;
}

// kWarpRow: a row is reduced by one warp (warp-per-row kernels), else by the whole block.
template <bool kWarpRow, class A>
__device__ __forceinline__ A row_allreduce_sum(A v, A* smem) {
  if constexpr (kWarpRow)
    return warp_allreduce_sum(v);
  else
    return block_allreduce_sum(v, smem);
}

// ---- running log-sum-exp states ----

// Adds x to a running log-sum-exp state one value at a time (max rebase, then exp against the
// reference), with the shared state semantics of kernels::LseState: -inf adds 0, NaN poisons.
template <class A>
__device__ __forceinline__ void lse_push(kernels::LseState<A>& st, A x) {
  st.rebase(x);
  st.s += kernels::exp_c<A>(x - st.shift());
}

template <class A>
__device__ __forceinline__ kernels::LseState<A> warp_allreduce_lse(kernels::LseState<A> st) {
  for (int o = kWarp / 2; o > 0; o /= 2) {
    kernels::LseState<A> other;
    other.m = __shfl_xor_sync(0xffffffffu, st.m, o);
    other.s = __shfl_xor_sync(0xffffffffu, st.s, o);
    st.combine(other);
  }
  return st;
}

// The block's combined state, returned to every thread. sm, ss: blockDim.x / 32 elements each.
template <class A>
__device__ __forceinline__ kernels::LseState<A> block_allreduce_lse(kernels::LseState<A> st, A* sm,
                                                                    A* ss) {
  st = warp_allreduce_lse(st);
  const int warps = static_cast<int>(blockDim.x) / kWarp;
  __syncthreads();
  if (threadIdx.x % kWarp == 0) {
    sm[threadIdx.x / kWarp] = st.m;
    ss[threadIdx.x / kWarp] = st.s;
  }
  __syncthreads();
  kernels::LseState<A> t;
  for (int i = 0; i < warps; ++i) {
    kernels::LseState<A> w;
    w.m = sm[i];
    w.s = ss[i];
    t.combine(w);
  }
  return t;
}

}  // namespace mica::cuda::nn_detail
