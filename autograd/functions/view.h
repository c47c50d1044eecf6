// Recording of Tensor's view/copy methods (called through the hook table, see hooks.cpp).
#pragma once

#include "tensor/autograd_hooks.h"
#include "tensor/tensor.h"

namespace mica::autograd {

void record_view(const Tensor& base, Tensor& out, const ViewRecord& rec);
void record_copy(const Tensor& in, Tensor& out, CopyKind kind);
void before_inplace(const Tensor& self, const char* op);
void after_copy_(Tensor& self, const Tensor& src);

}  // namespace mica::autograd
