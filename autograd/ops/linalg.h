// Differentiable linear algebra (backward: autograd/functions/linalg.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/ops.h"

namespace mica {
// a: [*, n, k] or [k], b: [*, k, m] or [k] -> broadcast(*) + [n] + [m] (torch.matmul's rules)
Tensor matmul(const Tensor& a, const Tensor& b);
// a: [n, k], b: [k, m] -> [n, m]
Tensor mm(const Tensor& a, const Tensor& b);
// out [n, m] = a [n, k] @ b [k, m] written into a preallocated out (torch.mm(a, b, out=c)); no
// autograd: throws if a, b or out requires grad while grad mode is on. Returns out.
const Tensor& mm_out(const Tensor& out, const Tensor& a, const Tensor& b);
// a: [B, n, k], b: [B, k, m] -> [B, n, m]
Tensor bmm(const Tensor& a, const Tensor& b);
// input: broadcastable to [n, m], m1: [n, k], m2: [k, m] -> beta * input + alpha * (m1 @ m2)
// [n, m]. beta == 0 ignores input's values, and input gets a zero gradient.
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
// x: [*, in], weight: [out, in], bias: [out] (optional) -> [*, out]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
// a: [n], b: [m] -> [n, m]
Tensor outer(const Tensor& a, const Tensor& b);
// a: [n], b: [n] -> [] (0-d)
Tensor dot(const Tensor& a, const Tensor& b);
// torch.einsum's equation syntax (see ops::einsum); operands: one tensor per term. The gradient
// of each operand is again an einsum (of the output gradient with the other operands), so
// create_graph gives higher derivatives.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

}  // namespace mica
