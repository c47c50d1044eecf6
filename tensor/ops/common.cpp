// Shared argument checks for op front-ends.
#include "tensor/ops/common.h"

namespace mica::ops::detail {

void check_defined(const char* op, const Tensor& t, const char* arg) {
  MICA_CHECK(t.defined(), op, ": argument '", arg, "' is an undefined tensor");
}

void check_same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (!first) {
      first = t;
      continue;
    }
    MICA_CHECK(t->device() == first->device(), op, ": expected all tensors on one device, got ",
               first->device(), " and ", t->device());
  }
}

Tensor apply_requires_grad(Tensor t, const TensorOptions& opts) {
  if (opts.requires_grad()) {
    MICA_CHECK(is_floating(opts.dtype()), "requires_grad: only floating tensors can require ",
               "gradients, got ", dtype_name(opts.dtype()));
    t.set_requires_grad(true);
  }
  return t;
}

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return ::mica::detail::str_cat(dtype_name(t.dtype()), " ", shape_str(t.sizes()), " on ",
                                 t.device());
}

}  // namespace mica::ops::detail
