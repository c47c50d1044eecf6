// The 0/1 mask constant that pointwise backward formulas multiply by (relu, clamp, abs, ...),
// shared by the autograd function files (internal, not part of mica.h).
#pragma once

#include "autograd/function.h"

namespace mica::autograd {

// bool_mask as a 0/1 tensor of like's dtype, created outside the graph (no gradient).
inline Tensor mask_like(const Tensor& bool_mask, const Tensor& like) {
  return raw([&] { return bool_mask.to(like.dtype()); });
}

}  // namespace mica::autograd
