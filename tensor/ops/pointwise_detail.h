// Internal helpers shared by the pointwise front-ends (pointwise*.cpp): PyTorch's result-type
// rule over tensors and scalars, dtype conversion, and the checks of in-place variants.
#pragma once

#include <initializer_list>
#include <string>

#include "tensor/ops/common.h"
#include "tensor/ops/pointwise.h"

namespace mica::ops::detail {

// bool < integer < floating.
inline int category(DType t) {
  return t == kBool ? 0 : is_floating(t) ? 2 : 1;
}

// The dtype PyTorch computes an op in (torch.result_type): tensors with dims take precedence over
// 0-d tensors, and 0-d tensors over scalars; a lower tier only counts when it is of a higher
// category (bool < integer < floating). Float scalars count as float32, int scalars as int64.
// Undefined tensors are skipped.
DType result_type(std::initializer_list<const Tensor*> tensors,
                  std::initializer_list<const Scalar*> scalars = {});

inline Tensor as_dtype(const Tensor& t, DType d) {
  return t.dtype() == d ? t : t.to(d);
}

// A 0-d tensor holding s in dtype d on device (how a scalar operand enters a tensor op).
Tensor wrap_scalar(const Scalar& s, DType d, Device device);

// Refuses to write into a tensor where several elements share one memory location.
void check_writable(const std::string& op, const Tensor& t);
// Refuses to store a result of dtype result in a tensor of dtype self (float into integer,
// integer into bool), like PyTorch's can_cast.
void check_castable(const std::string& op, DType result, DType self);
// Checks for an in-place op on self: the broadcast shape equals self's and self is writable.
void check_inplace_shape(const std::string& op, const Tensor& self, const Shape& shape);
// in, expanded to out's shape, safe to read while out is written: a copy when it shares memory
// with out other than element for element.
Tensor unaliased(const Tensor& in, const Tensor& out);

// clamp with one tensor bound (maximum for a min bound, minimum for a max bound), reporting
// errors as name.
Tensor clamp_one_sided(const char* name, bool is_min, const Tensor& a, const Tensor& bound);
Tensor& clamp_one_sided_(const char* name, bool is_min, Tensor& a, const Tensor& bound);

// "add" -> "add_"
inline std::string inplace_name(const char* name) {
  return std::string(name) + "_";
}

}  // namespace mica::ops::detail
