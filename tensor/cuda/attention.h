// CUDA fused attention launchers (kernels in attention_forward.cu / attention_backward.cu;
// stub_attention.cpp without CUDA). The front-end tensor/ops/attention.cpp checks shapes and
// dtypes and allocates the outputs; these only launch.
#pragma once

#include "tensor/tensor.h"

namespace mica::cuda {

// out: [B, H, T, D] contiguous, q's dtype; lse: [B, H, T] float32 contiguous.
// q: [B, H, T, D], k, v: [B, H, S, D], one dtype (float32/bfloat16/float16), any strides,
// 1 <= D <= 128.
void attention_forward(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
                       const Tensor& v, bool causal, double scale);

// dq: [B, H, T, D], dk, dv: [B, H, S, D], contiguous, q's dtype. grad_out, out: [B, H, T, D]
// (any strides); lse: [B, H, T] float32 contiguous (from attention_forward).
void attention_backward(const Tensor& dq, const Tensor& dk, const Tensor& dv,
                        const Tensor& grad_out, const Tensor& q, const Tensor& k, const Tensor& v,
                        const Tensor& out, const Tensor& lse, bool causal, double scale);

}  // namespace mica::cuda
