// Fused attention backward on CUDA, deterministic (no atomics). With P recomputed from the
// forward's log-sum-exp, P[t, s] = exp(scale * q[t] . k[s] - lse[t]):
//   dv[s] = sum_t P[t, s] do[t]            dP[t, s] = do[t] . v[s]
//   dS[t, s] = P[t, s] (dP[t, s] - delta[t]),  delta[t] = do[t] . o[t]
//   dq[t] = scale * sum_s dS[t, s] k[s]    dk[s] = scale * sum_t dS[t, s] q[t]
// Two passes: per block of queries over key tiles (dq, and delta into a workspace), then per
// block of keys over query tiles (dk, dv). float32 FMA math, float32 accumulation.
#include "tensor/cuda/attention.h"
#include "tensor/cuda/attention_common.cuh"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace {
using namespace attention_detail;

struct BackwardArgs {
  int64_t H, T, S;
  int D;
  float scale;
  bool causal;
};

// Pass 1. grid (B * H, ceil(T / kRows)): one query row per thread group; K and V tiles stream
// through shared memory. Writes dq and delta[b, h, t] (float32 [B, H, T]).
template <class T, int kDP>
__global__ void __launch_bounds__(kAttnThreads)
    attention_backward_dq_kernel(T* __restrict__ dq, float* __restrict__ delta_out,
                                 const float* __restrict__ lse, View4<T> go, View4<T> o, View4<T> q,
                                 View4<T> k, View4<T> v, BackwardArgs a) {
  constexpr int G = kDP / kPerThread;
  constexpr int kRows = kAttnThreads / G;
  __shared__ float ks[kTile][kDP];
  __shared__ float vs[kTile][kDP];

  const int64_t bh = blockIdx.x, b = bh / a.H, h = bh % a.H;
  const int g = threadIdx.x % G;
  const int64_t first = static_cast<int64_t>(blockIdx.y) * kRows;
  const int64_t t = first + threadIdx.x / G;
  const bool row_ok = t < a.T;
  const int64_t row = bh * a.T + t;

  float qr[kPerThread], gr[kPerThread], acc[kPerThread];
  float delta = 0.0f;
  {
    const int64_t tt = row_ok ? t : 0;
    const T *qrow = q.row(b, h, tt), *grow = go.row(b, h, tt), *orow = o.row(b, h, tt);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int d = g + G * i;
      const bool in = row_ok && d < a.D;
      qr[i] = in ? q.at(qrow, d) * a.scale : 0.0f;
      gr[i] = in ? go.at(grow, d) : 0.0f;
      if (in) delta = fmaf(gr[i], o.at(orow, d), delta);
      acc[i] = 0.0f;
    }
  }
  delta = group_sum<G>(delta);
  const float lse_t = row_ok ? lse[row] : 0.0f;
  if (row_ok && g == 0) delta_out[row] = delta;

  int64_t s_end = a.S;
  if (a.causal) s_end = min(s_end, min(a.T, first + kRows));

  for (int64_t s0 = 0; s0 < s_end; s0 += kTile) {
    __syncthreads();
    load_tile<T, kDP>(ks, k, b, h, s0, a.S, a.D);
    load_tile<T, kDP>(vs, v, b, h, s0, a.S, a.D);
    __syncthreads();
#pragma unroll 4
    for (int j = 0; j < kTile; ++j) {
      float score = 0.0f, dp = 0.0f;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        score = fmaf(qr[i], ks[j][g + G * i], score);
        dp = fmaf(gr[i], vs[j][g + G * i], dp);
      }
      score = group_sum<G>(score);
      dp = group_sum<G>(dp);
      const int64_t s = s0 + j;
      const bool ok = row_ok && s < a.S && (!a.causal || s <= t);
      const float ds = ok ? expf(score - lse_t) * (dp - delta) : 0.0f;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) acc[i] = fmaf(ds, ks[j][g + G * i], acc[i]);
    }
  }

  if (!row_ok) return;
  T* out = dq + row * a.D;
#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const int d = g + G * i;
    if (d < a.D) out[d] = convert<T>(acc[i] * a.scale);
  }
}

// Pass 2. grid (B * H, ceil(S / kRows)): one key row per thread group; tiles of scaled q and
// of do, with their lse and delta, stream through shared memory. Writes dk and dv.
template <class T, int kDP>
__global__ void __launch_bounds__(kAttnThreads)
    attention_backward_dkdv_kernel(T* __restrict__ dk, T* __restrict__ dv,
                                   const float* __restrict__ lse, const float* __restrict__ delta,
                                   View4<T> go, View4<T> q, View4<T> k, View4<T> v,
                                   BackwardArgs a) {
  constexpr int G = kDP / kPerThread;
  constexpr int kRows = kAttnThreads / G;
  __shared__ float qs[kTile][kDP];
  __shared__ float gs[kTile][kDP];
  __shared__ float lse_s[kTile];
  __shared__ float delta_s[kTile];

  const int64_t bh = blockIdx.x, b = bh / a.H, h = bh % a.H;
  const int g = threadIdx.x % G;
  const int64_t first = static_cast<int64_t>(blockIdx.y) * kRows;
  const int64_t s = first + threadIdx.x / G;
  const bool row_ok = s < a.S;

  float kr[kPerThread], vr[kPerThread], dk_acc[kPerThread], dv_acc[kPerThread];
  {
    const T *krow = k.row(b, h, row_ok ? s : 0), *vrow = v.row(b, h, row_ok ? s : 0);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int d = g + G * i;
      const bool in = row_ok && d < a.D;
      kr[i] = in ? k.at(krow, d) : 0.0f;
      vr[i] = in ? v.at(vrow, d) : 0.0f;
      dk_acc[i] = dv_acc[i] = 0.0f;
    }
  }

  // Causal: queries before this block's first key see none of its keys.
  const int64_t t_begin = a.causal ? first : 0;
  for (int64_t t0 = t_begin; t0 < a.T; t0 += kTile) {
    __syncthreads();
    load_tile<T, kDP>(qs, q, b, h, t0, a.T, a.D, a.scale);
    load_tile<T, kDP>(gs, go, b, h, t0, a.T, a.D);
    if (threadIdx.x < kTile) {
      const int64_t t = t0 + threadIdx.x;
      lse_s[threadIdx.x] = t < a.T ? lse[bh * a.T + t] : 0.0f;
      delta_s[threadIdx.x] = t < a.T ? delta[bh * a.T + t] : 0.0f;
    }
    __syncthreads();
#pragma unroll 4
    for (int j = 0; j < kTile; ++j) {
      float score = 0.0f, dp = 0.0f;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        score = fmaf(qs[j][g + G * i], kr[i], score);
        dp = fmaf(gs[j][g + G * i], vr[i], dp);
      }
      score = group_sum<G>(score);
      dp = group_sum<G>(dp);
      const int64_t t = t0 + j;
      const bool ok = row_ok && t < a.T && (!a.causal || s <= t);
      const float p = ok ? expf(score - lse_s[j]) : 0.0f;
      const float ds = ok ? p * (dp - delta_s[j]) : 0.0f;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        dv_acc[i] = fmaf(p, gs[j][g + G * i], dv_acc[i]);
        dk_acc[i] = fmaf(ds, qs[j][g + G * i], dk_acc[i]);  // qs holds scale * q
      }
    }
  }

  if (!row_ok) return;
  const int64_t row = bh * a.S + s;
  T *dk_row = dk + row * a.D, *dv_row = dv + row * a.D;
#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const int d = g + G * i;
    if (d < a.D) {
      dk_row[d] = convert<T>(dk_acc[i]);
      dv_row[d] = convert<T>(dv_acc[i]);
    }
  }
}
}  // namespace

void attention_backward(const Tensor& dq, const Tensor& dk, const Tensor& dv,
                        const Tensor& grad_out, const Tensor& q, const Tensor& k, const Tensor& v,
                        const Tensor& out, const Tensor& lse, bool causal, double scale) {
  const char* op = "attention_backward";
  DeviceGuard guard(dq.device().index);
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  const BackwardArgs a{H, T, S, static_cast<int>(D), static_cast<float>(scale), causal};
  // delta = rowsum(do * o): [B, H, T] float32, written by pass 1 and read by pass 2.
  Tensor delta = empty({B, H, T}, TensorOptions(kFloat32).device(dq.device()));
  const cudaStream_t stream = stream_of(dq);
  dispatch_attention(q.dtype(), D, op, [&]<class E, int kDP>() {
    constexpr int kRows = kAttnThreads / (kDP / kPerThread);
    attention_backward_dq_kernel<E, kDP>
        <<<attention_grid(op, B * H, T, kRows), kAttnThreads, 0, stream>>>(
            dq.data_ptr<E>(), delta.data_ptr<float>(), lse.data_ptr<float>(), view4<E>(grad_out),
            view4<E>(out), view4<E>(q), view4<E>(k), view4<E>(v), a);
    MICA_CUDA_LAUNCH_CHECK();
    attention_backward_dkdv_kernel<E, kDP>
        <<<attention_grid(op, B * H, S, kRows), kAttnThreads, 0, stream>>>(
            dk.data_ptr<E>(), dv.data_ptr<E>(), lse.data_ptr<float>(), delta.data_ptr<float>(),
            view4<E>(grad_out), view4<E>(q), view4<E>(k), view4<E>(v), a);
    MICA_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace mica::cuda
