// Differentiable fused attention (CUDA; backward: autograd/functions/attention.cpp). Most code
// wants nn::functional::scaled_dot_product_attention, which uses this where it applies and
// composes matmul + softmax elsewhere (CPU, masks, dropout).
#pragma once

#include <vector>

#include "tensor/ops/attention.h"

namespace mica {

// q: [B, H, T, D], k, v: [B, H, S, D], one CUDA device and dtype (ops::fused_attention_supported)
// -> [B, H, T, D] = softmax(q k^T * scale, masking keys s > t when causal) v, through the fused
// kernels (tensor/ops/attention.h). The first-order backward runs the fused backward kernel;
// under create_graph the gradients are written with differentiable ops instead (recomputing the
// probabilities), so higher-order gradients work too. CPU tensors: a mica::Error.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                       double scale);

namespace detail {
// The create_graph backward of fused_attention, in differentiable ops (any device): the
// gradients (dq, dk, dv) of softmax(q k^T * scale [causal]) v for grad_out g: [B, H, T, D].
// Exposed for tests (the CPU can check it against autograd through the composed path).
std::vector<Tensor> attention_backward_composed(const Tensor& g, const Tensor& q, const Tensor& k,
                                                const Tensor& v, bool causal, double scale);
}  // namespace detail

}  // namespace mica
