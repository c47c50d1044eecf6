// Raw linear-algebra ops with PyTorch semantics: matmul (torch.matmul's 1-d/2-d/batched rules
// with broadcast batch dims), mm, bmm, addmm, linear, outer, dot and einsum. Operands must share
// one dtype (outer promotes, like torch.outer); bool is refused. float32/float64 go through the
// BLAS GEMM (cpu::gemm) with transposed views passed as trans flags, float16/bfloat16 compute in
// float32 and round back, integers use a plain loop (wrapping like C++ unsigned arithmetic).
#pragma once

#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace mica::ops {

// a: [*, n, k] or [k], b: [*, k, m] or [k] -> broadcast(*) + [n] + [m] (1-d operands lose their
// dim again; 1-d . 1-d gives a 0-d dot product).
Tensor matmul(const Tensor& a, const Tensor& b);
// a: [n, k], b: [k, m] -> [n, m]
Tensor mm(const Tensor& a, const Tensor& b);
// out[n, m] = a[n, k] @ b[k, m] into a preallocated out (torch.mm(a, b, out=c)): out must have
// a's dtype and device, shape [n, m], be contiguous and not overlap a or b. Returns out.
const Tensor& mm_out(const Tensor& out, const Tensor& a, const Tensor& b);
// a: [B, n, k], b: [B, k, m] -> [B, n, m] (no broadcasting of B, like torch.bmm)
Tensor bmm(const Tensor& a, const Tensor& b);
// beta * input + alpha * (m1 @ m2); input broadcasts to [n, m], m1: [n, k], m2: [k, m].
// beta == 0 ignores input's values (NaN included).
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
// x: [*, in], weight: [out, in], bias: [out] (optional, may be undefined) -> [*, out].
// x @ weight^T + bias without copying the weight (a transposed GEMM).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
// a: [n], b: [m] -> [n, m] with a[i] * b[j] (dtypes promote).
Tensor outer(const Tensor& a, const Tensor& b);
// a: [n], b: [n] -> [] (0-d).
Tensor dot(const Tensor& a, const Tensor& b);
// Einstein summation, torch.einsum's equation syntax: "bhqd,bhkd->bhqk", "ij,jk" (implicit
// output: labels seen once, sorted), "...ij,...jk->...ik" (broadcast "..."), repeated labels in
// one operand take the diagonal ("ii->i"), size-1 dims broadcast. Contracts operands pairwise
// with batched GEMMs, left to right.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

namespace detail {
// The engine behind the ops above: beta * input + alpha * matmul(a, b) with torch.matmul's
// shape rules, input (optional: nullptr) broadcast to the result shape. op names errors.
Tensor matmul_impl(const char* op, const Tensor& a, const Tensor& b, const Tensor* input,
                   const Scalar& beta, const Scalar& alpha);
}  // namespace detail

}  // namespace mica::ops
