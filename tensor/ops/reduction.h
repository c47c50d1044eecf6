// Reductions (PyTorch names and semantics): sum, mean, prod, var, std, max/min, amax/amin,
// argmax/argmin, norm, logsumexp, all/any over any set of dims with keepdim, and sum_to (undoes
// broadcasting). Scans and sorting (cumsum, sort, topk, ...) are in tensor/ops/sort.h.
//
// dims: a list of dims, negative ones counted from the end; an empty list reduces all dims.
// dtypes: sum/prod of integers or bool give int64; mean/var/std/norm/logsumexp need floating
// inputs; max/min/amax/amin keep the dtype; all/any give bool. NaN propagates through
// max/min/sum. float32/float64 accumulate in double, float16/bfloat16 in float.
// Results are deterministic: they do not depend on the number of threads.
#pragma once

#include <initializer_list>
#include <optional>
#include <vector>

#include "tensor/ops/sort.h"
#include "tensor/tensor.h"

namespace mica {

// A list of dims to reduce over: `{}` (all dims), `1`, `{0, 2}` or a std::vector<int64_t>, like
// PyTorch's IntArrayRef. Declared in namespace mica (not ops) so that argument-dependent lookup
// on a Dims argument does not pull the raw ops::sum next to the differentiable mica::sum.
class Dims {
 public:
  Dims() = default;
  Dims(int64_t dim) : dims_{dim} {}
  Dims(std::initializer_list<int64_t> dims) : dims_(dims) {}
  Dims(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  const std::vector<int64_t>& vec() const { return dims_; }
  bool empty() const { return dims_.empty(); }
  size_t size() const { return dims_.size(); }

 private:
  std::vector<int64_t> dims_;
};

namespace ops {
using mica::Dims;

// x: any shape. Results: x's shape with the reduced dims removed (keepdim: kept with size 1).
// sum/prod: dtype, when given, converts x first (like torch.sum(x, dtype=...)).
Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor& x, const Dims& dims = {}, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Divides the sum of squared deviations by max(0, N - correction) (correction 1: unbiased).
Tensor var(const Tensor& x, const Dims& dims = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const Dims& dims = {}, double correction = 1, bool keepdim = false);

// Full reduction to a 0-d value (an empty x is an error).
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Along one dim: the extreme values and the index of their first occurrence (NaN counts as
// the extreme, like PyTorch).
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// int64 index of the first extreme; without dim, the flat index into x (keepdim: all dims
// kept with size 1).
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Vector p-norm over dims (like torch.linalg.vector_norm): p = 2, 1, 0 (number of nonzeros),
// +-infinity (max/min of |x|), or any other real p: (sum |x|^p)^(1/p).
Tensor norm(const Tensor& x, double p = 2, const Dims& dims = {}, bool keepdim = false);
// log(sum(exp(x))) computed stably (the maximum is factored out).
Tensor logsumexp(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// bool results: whether all / any elements are nonzero (NaN is nonzero).
Tensor all(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, const Dims& dims = {}, bool keepdim = false);

// x: a tensor broadcast from shape (e.g. a gradient). Sums x over the broadcast dims back to
// shape, keeping x's dtype; returns x itself when the shapes already match.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace ops
}  // namespace mica
