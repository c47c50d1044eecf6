// Helpers shared by the CPU and CUDA kernels that move elements without looking at their values
// (gathers, scatters, same-dtype copies) and that read indices: the unsigned integer type of an
// element size, and the index wrap rule.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/error.h"
#include "tensor/macros.h"

namespace mica::kernels {

// Calls f.template operator()<U>() with the unsigned integer type U of the given byte width
// (1, 2, 4 or 8); op names the caller in the error for any other width.
template <class F>
decltype(auto) dispatch_bytes(size_t bytes, const char* op, F&& f) {
  switch (bytes) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    case 8:
      return f.template operator()<uint64_t>();
    default:
      break;
  }
  MICA_FAIL(op, ": unsupported element size ", bytes);
}

// An index value, negative ones counted from the end when wrap > 0.
template <class I>
MICA_INLINE int64_t wrapped(I v, int64_t wrap) {
  const int64_t x = static_cast<int64_t>(v);
  return x < 0 ? x + wrap : x;
}

}  // namespace mica::kernels
