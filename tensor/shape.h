// Shape helpers: the Shape type, contiguous strides, dim wrapping, broadcasting, printing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mica {

using Shape = std::vector<int64_t>;

// "[2, 3]"
std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& sizes);
// Wraps a possibly negative dim into [0, ndim); throws naming op when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// Broadcasts two shapes the NumPy way; throws naming op and both shapes when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace mica
