// Differentiable shape and indexing ops (PyTorch names and semantics; see tensor/ops/shape_ops.h
// and tensor/ops/indexing.h for the argument rules). Backward: autograd/functions/shape.cpp and
// autograd/functions/indexing.cpp, written in these differentiable ops (so create_graph gives
// second derivatives). Index tensors and masks never get gradients.
#pragma once

#include <optional>
#include <vector>

#include "tensor/ops.h"

namespace mica {

// ---- joining and splitting ----
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// split/chunk return views of t (made with Tensor::narrow, so each piece carries its own slice
// backward; pieces left unused contribute no gradient, and modifying a piece in place while t
// requires grad is refused like for any view).
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes,
                          int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);

// ---- repeating, reordering, triangles, padding ----
Tensor repeat(const Tensor& t, const Shape& repeats);
Tensor repeat_interleave(const Tensor& t, int64_t repeats,
                         std::optional<int64_t> dim = std::nullopt);
// repeats: int64/int32 [n] (n = t.size(dim), or t.numel() without dim) or 0-d
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
Tensor flip(const Tensor& t, const Shape& dims);
Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims = {});
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);
Tensor pad(const Tensor& t, const Shape& pads, ops::PadMode mode = ops::PadMode::Constant,
           const Scalar& value = 0);

// ---- indexing ----
// t: [..., n, ...], index: [k] -> [..., k, ...]
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
// scatter with repeated indices keeps one of the values (unspecified which); its gradient with
// respect to src is gather(grad) at every position, duplicates included (like PyTorch).
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
// t: [..., n, ...] (n at dim), index: [k] or 0-d, source: [..., k, ...] -> t with source's
// slices added at the indexed positions along dim (repeated indices add up).
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source);
// index: a bool mask of a leading part of t's shape, or int64/int32 indices into dim 0.
// Without accumulate and with repeated indices, values' gradient is grad[index] at every position.
Tensor index_put(const Tensor& t, const Tensor& index, const Tensor& values,
                 bool accumulate = false);
Tensor masked_select(const Tensor& t, const Tensor& mask);
// weight: [V, D], indices: [*] -> [*, D]. The row padding_idx (in [-V, V)) gets no gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices,
                 std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace mica
