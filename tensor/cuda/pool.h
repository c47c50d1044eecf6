// CUDA backend of 2-d pooling and its backward ops, mirroring tensor/cpu/pool.h and
// pool_backward.h (same geometry struct). Declarations only, includable from a CPU-only build
// (stub_pool.cpp throws).
#pragma once

#include <cstdint>

#include "tensor/cpu/pool.h"
#include "tensor/tensor.h"

namespace mica::cuda {

// Forward: x [n, c, h, w] (any strides, floating), out [n, c, oh, ow] contiguous of x's dtype,
// indices int64 contiguous of out's shape. 16-bit floats compute in float.
void max_pool2d(const Tensor& x, const Tensor& out, const Tensor& indices,
                const cpu::Pool2dGeom& g);
// divisor_override: 0 = none.
void avg_pool2d(const Tensor& x, const Tensor& out, const cpu::Pool2dGeom& g,
                bool count_include_pad, int64_t divisor_override);
// out's spatial sizes give the output size; window i: [floor(i h / oh), ceil((i + 1) h / oh)).
void adaptive_avg_pool2d(const Tensor& x, const Tensor& out);

// Backward: grad_output [n, c, oh, ow] (any strides, floating), grad_input [n, c, h, w]
// contiguous of grad_output's dtype, fully overwritten. Each grad_input element is gathered from
// the outputs that read it, in the CPU kernels' order, accumulating in float (or double): no
// atomics, so results are deterministic.

// indices: int64 of grad_output's shape (any strides), flat positions y * w + x within a plane.
// Returns false when an index lies outside [0, h * w) (waits for the device to know).
bool max_pool2d_backward(const Tensor& grad_output, const Tensor& indices,
                         const Tensor& grad_input);
void avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input,
                         const cpu::Pool2dGeom& g, bool count_include_pad,
                         int64_t divisor_override);
void adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& grad_input);

}  // namespace mica::cuda
