// How a row-major matrix view reaches a BLAS GEMM without a copy: as a plain matrix with a
// leading dimension, or as a transposed one. Host code shared by the CPU (OpenBLAS) and CUDA
// (cuBLASLt/cuBLAS) batched matmuls.
#pragma once

#include <algorithm>
#include <cstdint>

namespace mica::kernels {

// A row-major [rows, cols] matrix with element strides (rs, cs), as BLAS sees it.
struct MatLayout {
  bool ok = false;     // false: neither layout fits, the caller must copy
  bool trans = false;  // stored transposed: element (i, j) at j * ld + i
  int64_t ld = 1;
};

inline MatLayout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if ((cols <= 1 || cs == 1) && (rows <= 1 || rs >= std::max<int64_t>(cols, 1)))
    return {true, false, rows <= 1 ? std::max<int64_t>(cols, 1) : rs};
  if ((rows <= 1 || rs == 1) && (cols <= 1 || cs >= std::max<int64_t>(rows, 1)))
    return {true, true, cols <= 1 ? std::max<int64_t>(rows, 1) : cs};
  return {};
}

}  // namespace mica::kernels
