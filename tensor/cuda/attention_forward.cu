// Fused attention forward on CUDA: out = softmax(scale * q k^T [causal]) v and the row
// log-sum-exp, in one pass over key tiles per block of queries with the online softmax
// (running max m, running sum l, output accumulator rescaled by exp(m_old - m_new) per tile).
// float32 FMA math (no tensor cores), float32 accumulation for every dtype.
#include "tensor/cuda/attention.h"
#include "tensor/cuda/attention_common.cuh"

namespace mica::cuda {

namespace {
using namespace attention_detail;

struct ForwardArgs {
  int64_t H, T, S;
  int D;
  float scale;
  bool causal;
};

// grid (B * H, ceil(T / kRows)); block kAttnThreads. See attention_common.cuh for the layout.
template <class T, int kDP>
__global__ void __launch_bounds__(kAttnThreads)
    attention_forward_kernel(T* __restrict__ out, float* __restrict__ lse, View4<T> q, View4<T> k,
                             View4<T> v, ForwardArgs a) {
  constexpr int G = kDP / kPerThread;
  constexpr int kRows = kAttnThreads / G;
  __shared__ float ks[kTile][kDP];
  __shared__ float vs[kTile][kDP];

  const int64_t bh = blockIdx.x, b = bh / a.H, h = bh % a.H;
  const int g = threadIdx.x % G;
  const int64_t first = static_cast<int64_t>(blockIdx.y) * kRows;
  const int64_t t = first + threadIdx.x / G;
  const bool row_ok = t < a.T;

  // This thread's part of q (pre-scaled) and of the output accumulator.
  float qr[kPerThread], acc[kPerThread];
  {
    const T* qrow = q.row(b, h, row_ok ? t : 0);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int d = g + G * i;
      qr[i] = row_ok && d < a.D ? q.at(qrow, d) * a.scale : 0.0f;
      acc[i] = 0.0f;
    }
  }
  float m = -INFINITY, l = 0.0f;

  // Causal: no query of this block sees keys past its last query.
  int64_t s_end = a.S;
  if (a.causal) s_end = min(s_end, min(a.T, first + kRows));

  for (int64_t s0 = 0; s0 < s_end; s0 += kTile) {
    __syncthreads();  // the previous tile is consumed
    load_tile<T, kDP>(ks, k, b, h, s0, a.S, a.D);
    load_tile<T, kDP>(vs, v, b, h, s0, a.S, a.D);
    __syncthreads();

    float sc[kTile];
    float tile_max = -INFINITY;
#pragma unroll
    for (int j = 0; j < kTile; ++j) {
      float part = 0.0f;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) part = fmaf(qr[i], ks[j][g + G * i], part);
      part = group_sum<G>(part);
      const int64_t s = s0 + j;
      const bool ok = s < a.S && (!a.causal || s <= t);
      sc[j] = ok ? part : -INFINITY;
      tile_max = fmaxf(tile_max, sc[j]);
    }
    const float m_new = fmaxf(m, tile_max);
    if (m_new == -INFINITY) continue;     // every key so far masked for this row
    const float alpha = expf(m - m_new);  // 0 on the first unmasked tile (m = -inf)
    l *= alpha;
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) acc[i] *= alpha;
#pragma unroll
    for (int j = 0; j < kTile; ++j) {
      const float p = expf(sc[j] - m_new);
      l += p;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) acc[i] = fmaf(p, vs[j][g + G * i], acc[i]);
    }
    m = m_new;
  }

  if (!row_ok) return;
  const int64_t row = bh * a.T + t;
  T* orow = out + row * a.D;
  const float inv = 1.0f / l;  // l == 0 (no key) gives NaN, like the composed softmax
#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const int d = g + G * i;
    if (d < a.D) orow[d] = convert<T>(acc[i] * inv);
  }
  if (g == 0) lse[row] = m + logf(l);
}
}  // namespace

void attention_forward(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
                       const Tensor& v, bool causal, double scale) {
  const char* op = "attention_forward";
  DeviceGuard guard(out.device().index);
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  const ForwardArgs a{H, T, S, static_cast<int>(D), static_cast<float>(scale), causal};
  dispatch_attention(q.dtype(), D, op, [&]<class E, int kDP>() {
    constexpr int kRows = kAttnThreads / (kDP / kPerThread);
    attention_forward_kernel<E, kDP>
        <<<attention_grid(op, B * H, T, kRows), kAttnThreads, 0, stream_of(out)>>>(
            out.data_ptr<E>(), lse.data_ptr<float>(), view4<E>(q), view4<E>(k), view4<E>(v), a);
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace mica::cuda
