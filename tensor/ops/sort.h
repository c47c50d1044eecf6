// Scans and sorting (PyTorch names and semantics): cumsum, cumprod along a dim; sort, argsort
// and topk along a dim, with int64 indices. NaN sorts as larger than every number.
#pragma once

#include <optional>

#include "tensor/tensor.h"

namespace mica::ops {

// A result with values and int64 indices (max/min along a dim, sort, topk); works with
// structured bindings: auto [values, indices] = ops::max(x, 1);
struct ValuesIndices {
  Tensor values;
  Tensor indices;
};

// x: any shape; result: x's shape. Integer and bool inputs give int64 (like PyTorch); dtype,
// when given, converts x first. float32/float64 accumulate in double, 16-bit floats in float.
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

// x: any shape; values and indices: x's shape, sorted along dim. The sort is always stable
// (equal elements keep their order), so `stable` only documents intent.
ValuesIndices sort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) elements along dim and their indices; 0 <= k <= x.size(dim).
// A 0-d x takes k = 1 (0 gives an empty [0]). Results come sorted (largest first when largest,
// else smallest first) whatever `sorted` says; ties keep the lower index first.
ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                   bool sorted = true);

}  // namespace mica::ops
