// Differentiable linear algebra (backward: autograd/functions/linalg.cpp).
#pragma once

#include <optional>
#include <string_view>

#include "tensor/ops.h"

namespace mica {
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
// x: [*, in], weight: [out, in], bias: [out] (optional) -> [*, out]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace mica
