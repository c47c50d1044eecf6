// Raw shape ops (PyTorch names and semantics): joining (cat, stack), splitting (split, chunk:
// views of the input), repeating (repeat, repeat_interleave), reordering (flip, roll), triangles
// (tril, triu) and padding (pad). Dims may be negative; zero-size tensors are allowed.
#pragma once

#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace mica {
// Declared in namespace mica (not ops, like Dims) so that argument-dependent lookup on a PadMode
// argument does not pull the raw ops::pad next to the differentiable mica::pad.
enum class PadMode { Constant, Reflect, Replicate };
}  // namespace mica

namespace mica::ops {
using mica::PadMode;

// tensors: same shape except at dim (1-d empty tensors [0] are skipped, like torch) -> their
// concatenation along dim, in the promoted dtype of all inputs.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// tensors: k tensors of one shape [*s] -> [*s with k inserted at dim], promoted dtype.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);

// Views of t along dim: pieces of split_size (the last may be smaller), or of the given sizes
// (which must add up to t.size(dim)).
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes,
                          int64_t dim = 0);
// At most `chunks` views of t along dim, each of ceil(size / chunks) elements but the last.
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);

// t: [s0, ..., sn-1], repeats: [r0, ..., rm-1] with m >= n -> [r0 * s'0, ...], where s' is
// t's shape left-padded with ones to m dims; tiles the whole tensor.
Tensor repeat(const Tensor& t, const Shape& repeats);
// Repeats each element (no dim: of the flattened t) or each slice along dim: `repeats` times,
// or repeats[i] times for slice i (repeats: int64/int32 [n] or 0-d, non-negative).
Tensor repeat_interleave(const Tensor& t, int64_t repeats,
                         std::optional<int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
// repeats: [n] -> int64 [sum(repeats)]: i repeated repeats[i] times.
Tensor repeat_interleave(const Tensor& repeats);

// Reverses t along each of dims.
Tensor flip(const Tensor& t, const Shape& dims);
// Rolls t by shifts[i] along dims[i] (elements leaving one end come back at the other); with no
// dims, rolls the flattened tensor by shifts[0] and restores the shape.
Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims = {});

// t: [*, m, n] -> the same, zeroed above (tril) / below (triu) diagonal `diagonal` (0: the main
// diagonal, > 0: above it, < 0: below it) of each matrix.
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);

// pads: (left, right) pairs starting from the last dim: {l_last, r_last, l_prev, r_prev, ...}.
// Constant pads with value (negative pads crop); Reflect mirrors without repeating the edge
// (pad < size); Replicate repeats the edge (size > 0). Pads for at most t.dim() dims.
Tensor pad(const Tensor& t, const Shape& pads, PadMode mode = PadMode::Constant,
           const Scalar& value = 0);

}  // namespace mica::ops
