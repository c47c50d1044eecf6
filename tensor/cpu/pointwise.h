// CPU backend of the pointwise ops: one generic loop, functors from tensor/kernels/pointwise.h.
#pragma once

#include "tensor/ops/pointwise.h"

namespace mica::cpu {

// out = op(a, b); a and b have out's sizes (expanded) and the op's input dtype (already promoted).
void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
// out = op(a); a has out's sizes and the op's input dtype.
void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a);

}  // namespace mica::cpu
