// CUDA backend of the pointwise ops, mirroring tensor/cpu/pointwise.h: the same op enums, the
// same functors (tensor/kernels/pointwise.h) run through the generic CUDA elementwise kernel,
// 16-bit floats computed in float. Built from pointwise_*.cu, or stub_pointwise.cpp without CUDA.
#pragma once

#include "tensor/ops/pointwise.h"

namespace mica::cuda {

// out = op(a, b); a and b have out's sizes (expanded) and the op's compute dtype (already
// promoted); out has that dtype, or bool for comparisons and logical ops. All on one device.
void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
            const ops::PointwiseArgs& args);
// out = op(a); a has out's sizes and the op's compute dtype.
void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a, const ops::PointwiseArgs& args);
// out = grad * gelu'(x); grad, x with out's sizes and dtype (floating).
void gelu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, bool tanh_form);
// out = op(a, b, c); all have out's sizes and its dtype, except where's condition a (bool).
void ternary(ops::TernaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
             const Tensor& c, const ops::PointwiseArgs& args);
// Whether any element of t is zero (integer division checks); waits for the device.
bool has_zero(const Tensor& t);

}  // namespace mica::cuda
