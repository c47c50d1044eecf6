// CPU pointwise kernels, binary and ternary ops: each BinaryOp/TernaryOp's functor comes from the
// shared table (tensor/kernels/pointwise_table.h, parameters converted to the compute type once)
// and runs through the generic strided loop, computing 16-bit floats in float.
#include "tensor/cpu/pointwise.h"

#include "tensor/cpu/pointwise_impl.h"
#include "tensor/kernels/pointwise_table.h"

namespace mica::cpu {

using namespace detail;

void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
            const ops::PointwiseArgs& args) {
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a, b);
  };
  if (kernels::visit_binary_arithmetic(op, args, map) || kernels::visit_binary_comparison(op, map))
    return;
  MICA_FAIL("binary: unknown op");
}

void ternary(ops::TernaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
             const Tensor& c, const ops::PointwiseArgs& args) {
  if (op == ops::TernaryOp::Where) {
    // No arithmetic: values are copied in their own type.
    return dispatch_all(b.dtype(), "where", [&]<class T>() {
      elementwise<T, bool, T, T>(out, kernels::Where{}, a, b, c);
    });
  }
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a, b, c);
  };
  if (kernels::visit_ternary_arithmetic(op, args, map)) return;
  MICA_FAIL("ternary: unknown op");
}

bool has_zero(const Tensor& t) {
  const Tensor c = t.contiguous();
  return dispatch_all(c.dtype(), "has_zero", [&]<class T>() {
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (convert<compute_t<T>>(p[i]) == compute_t<T>(0)) return true;
    return false;
  });
}

}  // namespace mica::cpu
