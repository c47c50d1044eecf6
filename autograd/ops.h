// The differentiable op API: mica::add, mica::matmul, ... and Tensor operators. Each op runs the
// raw op of the tensor layer (mica::ops) and, when an input requires grad, records a node whose
// backward sits next to the forward in autograd/functions/<family>.cpp.
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {

// ---- pointwise (autograd/functions/pointwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor rsub(const Tensor& a, const Scalar& b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Scalar& b);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor pow(const Tensor& a, const Scalar& exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor abs(const Tensor& a);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor erf(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor gelu(const Tensor& a, std::string_view approximate = "none");
Tensor silu(const Tensor& a);
Tensor softplus(const Tensor& a, double beta = 1, double threshold = 20);
Tensor leaky_relu(const Tensor& a, double negative_slope = 0.01);
Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value);

// ---- reductions (autograd/functions/reduction.cpp) ----
Tensor sum(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
// Sums a broadcast tensor down to shape (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- linear algebra (autograd/functions/linalg.cpp) ----
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
// x: [*, in], weight: [out, in], bias: [out] (optional) -> [*, out]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- nn (autograd/functions/nn.cpp) ----
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// logits: [N, C] or [N, C, d...], target: int64 class indices [N] / [N, d...].
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     ops::Reduction reduction = ops::Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target,
                ops::Reduction reduction = ops::Reduction::Mean);

// ---- losses composed of differentiable ops (autograd/functions/loss.cpp) ----
Tensor l1_loss(const Tensor& input, const Tensor& target,
               ops::Reduction reduction = ops::Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      ops::Reduction reduction = ops::Reduction::Mean, double beta = 1.0);
// input: probabilities in [0, 1]; target: same shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            ops::Reduction reduction = ops::Reduction::Mean);
// logits and target: same shape; pos_weight (optional) broadcasts over them (e.g. [C]).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        ops::Reduction reduction = ops::Reduction::Mean,
                                        const Tensor& pos_weight = {});
// input: log-probabilities log q; target: probabilities p (or log p with log_target). The mean
// reduction averages over all elements, like torch's 'mean' (use Sum / batch for 'batchmean').
Tensor kl_div(const Tensor& input, const Tensor& target,
              ops::Reduction reduction = ops::Reduction::Mean, bool log_target = false);

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a);

}  // namespace mica
