// MICA_CUDA_CHECK: turns a failed CUDA runtime call into a mica::Error with file and line.
#pragma once

#include <cuda_runtime.h>

#include "tensor/error.h"

#define MICA_CUDA_CHECK(expr)                                                                    \
  do {                                                                                           \
    const cudaError_t mica_err_ = (expr);                                                        \
    if (mica_err_ != cudaSuccess)                                                                \
      MICA_FAIL("CUDA error ", cudaGetErrorName(mica_err_), " (", cudaGetErrorString(mica_err_), \
                ") in ", #expr, " at ", __FILE__, ":", __LINE__);                                \
  } while (0)
