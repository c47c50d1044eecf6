// Differentiable pointwise ops and Tensor operators (backward: autograd/functions/pointwise.cpp,
// the fused/ternary ops (lerp, addcmul, addcdiv, clamp with tensor bounds) in
// autograd/functions/pointwise_ternary.cpp). Tensors broadcast like PyTorch: every tensor argument
// below is [*] (any shape broadcastable with the others) and the result has the broadcast shape.
//
// Rounding ops (sign, floor, ceil, round, trunc, div with a rounding mode) have a zero derivative
// almost everywhere: their results do not require grad (like comparisons, which are used through
// mica::ops directly). PyTorch instead returns zero-gradient outputs that require grad; the only
// visible difference is that backward() from such a result alone throws instead of giving zeros.
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor rsub(const Tensor& a, const Scalar& b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Scalar& b);
// rounding_mode nullopt: true division (differentiable); "trunc" / "floor": no gradient.
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor pow(const Tensor& a, const Scalar& exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
Tensor abs(const Tensor& a);
// No gradient (results do not require grad; see above).
Tensor sign(const Tensor& a);
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
Tensor round(const Tensor& a);
Tensor trunc(const Tensor& a);
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
// Tensor bounds (broadcast with a): min(max(a, min), max); each bound gets the gradient where it
// is the result (max also where min > max, which makes every result max).
Tensor clamp(const Tensor& a, const std::optional<Tensor>& min,
             const std::optional<Tensor>& max = std::nullopt);
Tensor clamp_min(const Tensor& a, const Scalar& min);
Tensor clamp_max(const Tensor& a, const Scalar& max);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Tensor& max);
// Ties give each side half the gradient.
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
// cond: bool (no gradient)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// mask: bool (no gradient); a tensor value is 0-d and gets the sum of the gradient under mask.
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value);
// start + weight * (end - start)
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
// self + value * a * b and self + value * a / b
Tensor addcmul(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);

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
