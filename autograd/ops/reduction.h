// Differentiable reductions, scans and sorting (backward: autograd/functions/reduction.cpp and
// autograd/functions/sort.cpp). Arguments and results follow the raw ops (tensor/ops/reduction.h,
// tensor/ops/sort.h). Where the derivative is not unique, the choice is PyTorch's:
// - amax/amin, max()/min() over all elements, norm p = +-inf: the gradient is split evenly
//   among tied extremes; max/min along a dim, sort and topk send it to the returned index.
// - prod with zeros: exact first derivatives (a group with one zero sends the product of the
//   others to the zero, nothing elsewhere); second derivatives are exact while a group has at
//   most one zero.
// - cumprod with zeros: exact first derivatives (per line, the first zero gets the products
//   that skip it, later elements nothing); second derivatives are exact without zeros.
// - norm: p = 0 counts nonzeros and has zero gradient; a group whose norm is 0 gets zero
//   gradient (p = 2: the subgradient 0 at the kink), p = 1 uses sign(x) (0 at 0).
// - var/std with N - correction <= 0 give inf/NaN gradients, like their values.
// Indices, argmax/argmin/argsort and all/any are never differentiable (requires_grad false).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
// x: any shape -> x's shape without dims (keepdim: kept with size 1); empty dims: all dims.
Tensor sum(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
// Sum of squared deviations over max(0, N - correction); std = sqrt(var).
Tensor var(const Tensor& x, const ops::Dims& dims = {}, double correction = 1,
           bool keepdim = false);
Tensor std(const Tensor& x, const ops::Dims& dims = {}, double correction = 1,
           bool keepdim = false);
Tensor amax(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
// Vector p-norm (torch.linalg.vector_norm): p = 2, 1, 0, +-inf or any real.
Tensor norm(const Tensor& x, double p = 2, const ops::Dims& dims = {}, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
// x: any non-empty shape -> 0-d.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// x: [..., n, ...] -> values and int64 indices [..., ...] (keepdim: [..., 1, ...]).
ops::ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ops::ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
// Sums a broadcast tensor down to shape (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// Not differentiable (int64 or bool results).
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor all(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);

// ---- scans and sorting (autograd/functions/sort.cpp) ----
// x: any shape -> x's shape.
Tensor cumsum(const Tensor& x, int64_t dim);
Tensor cumprod(const Tensor& x, int64_t dim);
// x: any shape -> values (differentiable) and int64 indices of x's shape.
ops::ValuesIndices sort(const Tensor& x, int64_t dim = -1, bool descending = false,
                        bool stable = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
// x: [..., n, ...] -> values (differentiable) and int64 indices [..., k, ...].
ops::ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                        bool sorted = true);

}  // namespace mica
