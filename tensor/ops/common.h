// Helpers shared by op front-ends: device checks, dtype checks, output allocation.
#pragma once

#include <initializer_list>
#include <string>

#include "tensor/ops/factory.h"

namespace mica::ops::detail {

// All defined tensors on the same device, else "op: expected all tensors on one device, got cpu and
// cuda:0".
void check_same_device(const char* op, std::initializer_list<const Tensor*> ts);
void check_defined(const char* op, const Tensor& t, const char* arg);
// Applies opts.requires_grad to a freshly created tensor (only floating tensors may require grad).
Tensor apply_requires_grad(Tensor t, const TensorOptions& opts);
// "float32 [2, 3] on cpu" for error messages.
std::string describe(const Tensor& t);

}  // namespace mica::ops::detail
