// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_) over a parameter list;
// parameters without a gradient are ignored.
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace mica::optim {

// Scales every gradient by min(1, max_norm / (total_norm + 1e-6)), where total_norm is the
// norm_type-norm (any p > 0, or INFINITY) of all gradients together, computed and applied in
// float32 like torch 1.13 (float64 for float64 gradients). Returns total_norm (0 when no
// parameter has a gradient). A non-finite total norm throws when error_if_nonfinite.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

// Whether every element of t is finite (false on any inf or NaN); any floating dtype and device.
bool all_finite(const Tensor& t);

}  // namespace mica::optim
