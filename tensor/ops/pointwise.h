// Pointwise ops with broadcasting and type promotion (PyTorch rules), tensor and scalar
// operands, and in-place variants (name_). Math lives in tensor/kernels/pointwise.h.
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {

// Binary operations; the enum is the dispatch key shared by the CPU and CUDA backends.
enum class BinaryOp { Add, Sub, Mul, Div, Eq };
enum class UnaryOp { Neg, Exp };

// ---- arithmetic ----
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);  // a + alpha * b
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);  // a - alpha * b
Tensor sub(const Tensor& a, const Scalar& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: integers give float32
Tensor div(const Tensor& a, const Scalar& b);
Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& add_(Tensor& a, const Scalar& b);
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& sub_(Tensor& a, const Scalar& b);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Scalar& b);

// ---- unary ----
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);  // integers give float32
Tensor& neg_(Tensor& a);
Tensor& exp_(Tensor& a);

// ---- comparisons (bool results) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);

// ---- generic entry points (used by the named ops above) ----
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor unary(UnaryOp op, const Tensor& a);

}  // namespace mica::ops
