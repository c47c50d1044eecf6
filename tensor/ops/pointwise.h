// Pointwise ops with broadcasting and type promotion (PyTorch rules), tensor and scalar
// operands, and in-place variants (name_). Math lives in tensor/kernels/pointwise.h.
// Shapes: every tensor argument broadcasts against the others (NumPy rules); in-place variants
// require the broadcast shape to equal self's shape and the result dtype to be castable to
// self's dtype (no float result into an integer tensor).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/tensor.h"

namespace mica::ops {

// Op kinds; the enums are the dispatch keys shared by the CPU and CUDA backends.
enum class BinaryOp {
  Add,  // a + alpha * b
  Sub,  // a - alpha * b
  Mul,
  Div,       // true division
  DivTrunc,  // rounding_mode "trunc"
  DivFloor,  // rounding_mode "floor"
  Pow,
  Minimum,  // NaN-propagating
  Maximum,  // NaN-propagating
  Lerp,     // lerp(start, end, weight scalar)
  // First-order activation gradients, a = grad_output (one fused pass each):
  SiluBackward,       // b = x: a * silu'(x)
  ReluBackward,       // b = relu's output y: a where y > 0, else 0
  LeakyReluBackward,  // b = x: a where x > 0, else a * negative_slope
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  LogicalAnd,
  LogicalOr,
  LogicalXor,
};
enum class UnaryOp {
  Neg,
  Abs,
  Sign,
  Floor,
  Ceil,
  Round,
  Trunc,
  Exp,
  Log,
  Log1p,
  Expm1,
  Sqrt,
  Rsqrt,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  Erf,
  Relu,
  Gelu,      // exact: x * Phi(x)
  GeluTanh,  // tanh approximation
  Silu,
  Softplus,   // args.beta, args.threshold
  LeakyRelu,  // args.negative_slope
  Clamp,      // args.min, args.max (either may be absent)
  PowScalar,  // a ** args.exponent
  LogicalNot,
};
enum class TernaryOp {
  Where,    // where(cond, a, b)
  Lerp,     // lerp(start, end, weight tensor)
  Addcmul,  // self + args.value * a * b
  Addcdiv,  // self + args.value * a / b
  Clamp,    // clamp(self, min tensor, max tensor)
};

// Scalar parameters of the parametrized ops; each op reads only its own fields.
struct PointwiseArgs {
  Scalar alpha = 1;                // add, sub
  Scalar value = 1;                // addcmul, addcdiv
  Scalar weight = 0.5;             // lerp with a scalar weight
  Scalar exponent = 1;             // pow with a scalar exponent
  double negative_slope = 0.01;    // leaky_relu
  double beta = 1;                 // softplus
  double threshold = 20;           // softplus
  std::optional<Scalar> min, max;  // clamp
};

// ---- arithmetic ----
// a, b: broadcastable shapes.
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);  // a + alpha * b
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);  // a - alpha * b
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: integers give float32
Tensor div(const Tensor& a, const Scalar& b);
// rounding_mode: nullopt (true division), "trunc" or "floor"; integers stay integers when
// rounding (division by zero throws).
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Tensor& a, const Scalar& exponent);
Tensor pow(const Scalar& a, const Tensor& exponent);
Tensor minimum(const Tensor& a, const Tensor& b);  // NaN-propagating
// Fused first-order activation gradients (autograd's backward without create_graph); grad and
// the saved tensor broadcast together, floating dtypes only.
Tensor silu_backward(const Tensor& grad, const Tensor& x);
Tensor relu_backward(const Tensor& grad, const Tensor& y);  // y: relu's output
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& x, double negative_slope = 0.01);
Tensor maximum(const Tensor& a, const Tensor& b);  // NaN-propagating
Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& add_(Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& sub_(Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode);
Tensor& div_(Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode);
Tensor& pow_(Tensor& a, const Tensor& exponent);
Tensor& pow_(Tensor& a, const Scalar& exponent);

// ---- unary (same shape as the input) ----
Tensor neg(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor floor(const Tensor& a);  // integers: unchanged
Tensor ceil(const Tensor& a);
Tensor round(const Tensor& a);  // half to even
Tensor trunc(const Tensor& a);
// Floating math: integer and bool inputs give float32.
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor erf(const Tensor& a);
// Activations (relu also takes integers; the others need a floating dtype, like PyTorch).
Tensor relu(const Tensor& a);
Tensor gelu(const Tensor& a, std::string_view approximate = "none");  // "none" or "tanh"
Tensor silu(const Tensor& a);
// grad * d gelu(x) / dx in one pass (autograd's first-order GELU backward). grad, x: same shape,
// same floating dtype; returns that dtype.
Tensor gelu_backward(const Tensor& grad, const Tensor& x, std::string_view approximate = "none");
Tensor softplus(const Tensor& a, double beta = 1, double threshold = 20);
Tensor leaky_relu(const Tensor& a, double negative_slope = 0.01);
// At least one bound; scalar bounds promote like a scalar operand (int tensor, 1.5 -> float32).
Tensor clamp(const Tensor& a, const std::optional<Scalar>& min,
             const std::optional<Scalar>& max = std::nullopt);
// Tensor bounds: min, max broadcast with a; NaN in any operand propagates.
Tensor clamp(const Tensor& a, const std::optional<Tensor>& min,
             const std::optional<Tensor>& max = std::nullopt);
Tensor clamp_min(const Tensor& a, const Scalar& min);
Tensor clamp_max(const Tensor& a, const Scalar& max);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Tensor& max);

Tensor& neg_(Tensor& a);
Tensor& abs_(Tensor& a);
Tensor& sign_(Tensor& a);
Tensor& floor_(Tensor& a);
Tensor& ceil_(Tensor& a);
Tensor& round_(Tensor& a);
Tensor& trunc_(Tensor& a);
Tensor& exp_(Tensor& a);  // floating math in place needs a floating tensor
Tensor& log_(Tensor& a);
Tensor& log1p_(Tensor& a);
Tensor& expm1_(Tensor& a);
Tensor& sqrt_(Tensor& a);
Tensor& rsqrt_(Tensor& a);
Tensor& sin_(Tensor& a);
Tensor& cos_(Tensor& a);
Tensor& tanh_(Tensor& a);
Tensor& sigmoid_(Tensor& a);
Tensor& erf_(Tensor& a);
Tensor& relu_(Tensor& a);
Tensor& gelu_(Tensor& a, std::string_view approximate = "none");
Tensor& silu_(Tensor& a);
Tensor& softplus_(Tensor& a, double beta = 1, double threshold = 20);
Tensor& leaky_relu_(Tensor& a, double negative_slope = 0.01);
Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min,
               const std::optional<Scalar>& max = std::nullopt);
Tensor& clamp_(Tensor& a, const std::optional<Tensor>& min,
               const std::optional<Tensor>& max = std::nullopt);
Tensor& clamp_min_(Tensor& a, const Scalar& min);
Tensor& clamp_max_(Tensor& a, const Scalar& max);

// ---- comparisons and logical ops (bool results; in place: the 0/1 result in a's dtype) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Scalar& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Scalar& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Scalar& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Scalar& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Scalar& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);
Tensor& eq_(Tensor& a, const Tensor& b);
Tensor& eq_(Tensor& a, const Scalar& b);
Tensor& ne_(Tensor& a, const Tensor& b);
Tensor& ne_(Tensor& a, const Scalar& b);
Tensor& lt_(Tensor& a, const Tensor& b);
Tensor& lt_(Tensor& a, const Scalar& b);
Tensor& le_(Tensor& a, const Tensor& b);
Tensor& le_(Tensor& a, const Scalar& b);
Tensor& gt_(Tensor& a, const Tensor& b);
Tensor& gt_(Tensor& a, const Scalar& b);
Tensor& ge_(Tensor& a, const Tensor& b);
Tensor& ge_(Tensor& a, const Scalar& b);
Tensor& logical_and_(Tensor& a, const Tensor& b);
Tensor& logical_or_(Tensor& a, const Tensor& b);
Tensor& logical_xor_(Tensor& a, const Tensor& b);
Tensor& logical_not_(Tensor& a);

// ---- selection and fused ternary ops ----
// cond: bool, broadcastable with a and b; the result dtype promotes a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b);
// mask: bool, broadcastable with self (out of place, the result has the broadcast shape; in
// place, the mask must broadcast to self's shape). value: a scalar or a 0-d tensor, converted
// to self's dtype.
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
// start + weight * (end - start); floating only, end (and a tensor weight) of start's dtype.
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
Tensor& lerp_(Tensor& start, const Tensor& end, const Scalar& weight);
Tensor& lerp_(Tensor& start, const Tensor& end, const Tensor& weight);
// self + value * a * b and self + value * a / b (addcdiv: not for two integer a, b).
Tensor addcmul(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);
Tensor& addcmul_(Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);
Tensor& addcdiv_(Tensor& self, const Tensor& a, const Tensor& b, const Scalar& value = 1);

// ---- generic entry points (used by the named ops above) ----
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const PointwiseArgs& args = {});
Tensor unary(UnaryOp op, const Tensor& a, const PointwiseArgs& args = {});
Tensor ternary(TernaryOp op, const Tensor& a, const Tensor& b, const Tensor& c,
               const PointwiseArgs& args = {});
Tensor& binary_(BinaryOp op, Tensor& a, const Tensor& b, const PointwiseArgs& args = {});
Tensor& unary_(UnaryOp op, Tensor& a, const PointwiseArgs& args = {});
Tensor& ternary_(TernaryOp op, Tensor& a, const Tensor& b, const Tensor& c,
                 const PointwiseArgs& args = {});

}  // namespace mica::ops
