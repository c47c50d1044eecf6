// Differentiable reductions (backward: autograd/functions/reduction.cpp).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor sum(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const ops::Dims& dims = {}, bool keepdim = false);
// Sums a broadcast tensor down to shape (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace mica
