// Factories: new tensors from sizes, values, ranges or existing memory (PyTorch's names).
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace mica {

Tensor empty(const Shape& sizes, TensorOptions opts = {});
Tensor empty_strided(const Shape& sizes, const Shape& strides, TensorOptions opts = {});
Tensor zeros(const Shape& sizes, TensorOptions opts = {});
Tensor ones(const Shape& sizes, TensorOptions opts = {});
Tensor full(const Shape& sizes, const Scalar& value, TensorOptions opts = {});
Tensor scalar_tensor(const Scalar& value, TensorOptions opts = {});
// [start, end) in steps of step; int64 when all arguments are integers and no dtype is given.
Tensor arange(const Scalar& end, std::optional<TensorOptions> opts = std::nullopt);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
              std::optional<TensorOptions> opts = std::nullopt);
Tensor linspace(double start, double end, int64_t steps, TensorOptions opts = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions opts = {});

Tensor empty_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor full_like(const Tensor& t, const Scalar& v,
                 std::optional<TensorOptions> opts = std::nullopt);

// Copies values (row-major) into a new tensor of the given shape ({-1}: 1-d). The dtype
// defaults to T's (double -> float64), but may differ (values are converted).
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape = {-1},
                   std::optional<TensorOptions> opts = std::nullopt);
// mica::tensor({1.5, 2.0}) -> float32, tensor({1, 2}) -> int64, like torch::tensor.
template <class T>
Tensor tensor(std::initializer_list<T> values, std::optional<TensorOptions> opts = std::nullopt) {
  const DType def = std::is_floating_point_v<T> ? kFloat32
                    : std::is_same_v<T, bool>   ? kBool
                    : std::is_integral_v<T>     ? kInt64
                                                : dtype_of<T>();
  return from_vector(std::vector<T>(values), {-1}, opts.value_or(TensorOptions(def)));
}
// Wraps existing memory without copying; deleter (optional) runs when the last view dies.
Tensor from_blob(void* data, const Shape& sizes, TensorOptions opts = {},
                 std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, const Shape& sizes, const Shape& strides, TensorOptions opts = {},
                 std::function<void(void*)> deleter = {});

}  // namespace mica
