// CPU backend of 2-d pooling: max (with argmax indices), average and adaptive average.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace mica::cpu {

// Window geometry: output (oh, ow) of input planes (h, w); n and c are the batch and channels.
struct Pool2dGeom {
  int64_t n, c, h, w, oh, ow;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};

// x [n, c, h, w] (any strides, floating), out [n, c, oh, ow] contiguous of x's dtype, indices
// int64 contiguous of out's shape.
void max_pool2d(const Tensor& x, const Tensor& out, const Tensor& indices, const Pool2dGeom& g);
// divisor_override: 0 = none.
void avg_pool2d(const Tensor& x, const Tensor& out, const Pool2dGeom& g, bool count_include_pad,
                int64_t divisor_override);
// out's spatial sizes give the output size; window i: [floor(i h / oh), ceil((i + 1) h / oh)).
void adaptive_avg_pool2d(const Tensor& x, const Tensor& out);

}  // namespace mica::cpu
