// Raw (non-differentiable) fused attention: softmax(q k^T * scale [+ causal mask]) v in one pass
// over key tiles (online softmax), and its backward recomputing the probabilities from the
// saved log-sum-exp. CUDA only: the CPU composes attention from matmul and softmax instead
// (nn::functional::scaled_dot_product_attention picks the path).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {

// Largest head dim the fused kernels handle.
inline constexpr int64_t kFusedAttentionMaxHeadDim = 128;

// True when attention_forward/attention_backward accept q, k, v: all defined, on one CUDA
// device, one dtype of float32/bfloat16/float16, 4-d with q: [B, H, T, D], k, v: [B, H, S, D]
// (equal B, H and D, no broadcasting), 1 <= D <= 128, T >= 1, S >= 1. Any strides.
bool fused_attention_supported(const Tensor& q, const Tensor& k, const Tensor& v);

struct AttentionForward {
  Tensor out;        // [B, H, T, D], q's dtype, contiguous
  Tensor logsumexp;  // [B, H, T] float32: log sum_s exp(score[t, s]) over the unmasked keys
};

// q: [B, H, T, D], k, v: [B, H, S, D] (see fused_attention_supported; any strides).
// out[t] = sum_s softmax_s(scale * q[t] . k[s]) v[s], accumulated in float32. causal: key s is
// masked for query t when s > t (top-left aligned, like torch's is_causal and the composed
// path). dropout_p must be 0 (dropout on the attention weights takes the composed path).
// Throws a mica::Error for CPU tensors.
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   double scale, double dropout_p = 0.0);

struct AttentionBackward {
  Tensor dq;  // [B, H, T, D], q's dtype, contiguous
  Tensor dk;  // [B, H, S, D]
  Tensor dv;  // [B, H, S, D]
};

// The gradients of attention_forward's out with respect to q, k, v given grad_out (out's
// shape and dtype, any strides), the forward's inputs, out and logsumexp (contiguous float32
// [B, H, T]). Deterministic (no atomics): dk, dv in one pass over query tiles per key tile, dq
// in one pass over key tiles per query tile.
AttentionBackward attention_backward(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                     const Tensor& v, const Tensor& out, const Tensor& logsumexp,
                                     bool causal, double scale, double dropout_p = 0.0);

}  // namespace mica::ops
