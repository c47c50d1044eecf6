// Argument helpers shared by the spatial op front-ends (conv, pool, upsample): per-dim integer
// lists that may be given once for both spatial dims.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tensor/error.h"
#include "tensor/shape.h"

namespace mica::ops::detail {

// {v} -> {v, v}; {a, b} -> {a, b}; each value must be >= min_value.
inline std::array<int64_t, 2> pair_arg(const char* op, const char* name,
                                       const std::vector<int64_t>& v, int64_t min_value) {
  MICA_CHECK(v.size() == 1 || v.size() == 2, op, ": ", name, " must have 1 or 2 elements, got ",
             shape_str(v));
  const std::array<int64_t, 2> r{v[0], v.size() == 2 ? v[1] : v[0]};
  MICA_CHECK(r[0] >= min_value && r[1] >= min_value, op, ": ", name, " must be ",
             min_value == 0 ? "non-negative" : "positive", ", got ", shape_str(v));
  return r;
}

}  // namespace mica::ops::detail
