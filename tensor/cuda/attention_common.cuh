// Shared pieces of the fused attention kernels (attention_forward.cu, attention_backward.cu):
// strided [B, H, L, D] views, the tile geometry, the group reduction and the launch dispatch
// over dtype and padded head dim.
//
// Geometry: a block of kAttnThreads threads owns kRows = kAttnThreads / G rows (queries in the
// forward and dq passes, keys in the dk/dv pass); G = kDP / 16 threads share a row, thread g of
// a group holding the 16 elements d = g, g + G, g + 2G, ... of the row (kDP: D rounded up to
// 32, 64 or 128; elements past D are zero). A row . tile-row dot product is 16 FMAs per thread
// and a butterfly over the G lanes of the group. The other operand streams through shared
// memory in tiles of kTile rows, converted to float32 (zero past the sequence end and past D).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "tensor/cuda/launch.cuh"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/half.h"

namespace mica::cuda::attention_detail {

inline constexpr int kAttnThreads = 256;
inline constexpr int kTile = 32;  // rows of the shared-memory tile
inline constexpr int kPerThread = 16;

// A read-only [B, H, L, D] tensor of element type T with arbitrary strides (in elements).
template <class T>
struct View4 {
  const T* data;
  int64_t sb, sh, sl, sd;
  __device__ __forceinline__ const T* row(int64_t b, int64_t h, int64_t l) const {
    return data + b * sb + h * sh + l * sl;
  }
  __device__ __forceinline__ float at(const T* r, int64_t d) const {
    return static_cast<float>(r[d * sd]);
  }
};

template <class T>
View4<T> view4(const Tensor& t) {
  return View4<T>{t.data_ptr<T>(), t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
}

// Sum over the G lanes of a thread group (G a power of two dividing 32, groups aligned).
template <int G>
__device__ __forceinline__ float group_sum(float x) {
#pragma unroll
  for (int off = G / 2; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  return x;
}

// Loads rows [l0, l0 + kTile) of one (b, h) slice of src times mul into tile (float32, zero
// past L and past D), cooperatively over the block. Callers synchronize around it.
template <class T, int kDP>
__device__ __forceinline__ void load_tile(float (*tile)[kDP], const View4<T>& src, int64_t b,
                                          int64_t h, int64_t l0, int64_t L, int D,
                                          float mul = 1.0f) {
  for (int i = threadIdx.x; i < kTile * kDP; i += kAttnThreads) {
    const int j = i / kDP, d = i % kDP;
    float x = 0.0f;
    if (l0 + j < L && d < D) x = src.at(src.row(b, h, l0 + j), d) * mul;
    tile[j][d] = x;
  }
}

// Calls f.template operator()<T, kDP>() for the dtype and the head dim padded to 32, 64 or 128.
template <class F>
void dispatch_attention(DType dt, int64_t D, const char* op, F&& f) {
  auto by_dim = [&]<class T>() {
    if (D <= 32)
      f.template operator()<T, 32>();
    else if (D <= 64)
      f.template operator()<T, 64>();
    else
      f.template operator()<T, 128>();
  };
  switch (dt) {
    case kFloat32:
      return by_dim.template operator()<float>();
    case kBFloat16:
      return by_dim.template operator()<BFloat16>();
    case kFloat16:
      return by_dim.template operator()<Half>();
    default:
      break;
  }
  MICA_FAIL(op, ": unsupported dtype ", dtype_name(dt));
}

// The grid of a pass over rows of length L: x = B * H slices, y = row blocks.
inline dim3 attention_grid(const char* op, int64_t BH, int64_t L, int rows) {
  const int64_t blocks = (L + rows - 1) / rows;
  MICA_CHECK(BH <= 0x7fffffff && blocks <= 65535, op, ": too many (batch, head) pairs (", BH,
             ") or rows (", L, ") for one launch");
  return dim3(static_cast<unsigned>(BH), static_cast<unsigned>(blocks), 1);
}

}  // namespace mica::cuda::attention_detail
