// CPU pointwise kernels, unary ops: each UnaryOp's functor comes from the shared table
// (tensor/kernels/pointwise_table.h; parameters such as the leaky_relu slope or the clamp bounds
// converted to the compute type once) and runs through the generic strided loop; contiguous float
// tanh and tanh-form GELU take the vectorized loops of vec_kernels.h.
#include "tensor/cpu/pointwise.h"
#include "tensor/cpu/pointwise_impl.h"
#include "tensor/cpu/vec_kernels.h"
#include "tensor/kernels/fast_math.h"

namespace mica::cpu {

using namespace detail;

namespace {
bool contiguous_f32(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->dtype() != kFloat32 || !t->is_contiguous()) return false;
  return true;
}
}  // namespace

void unary(ops::UnaryOp op, const Tensor& out, const Tensor& a, const ops::PointwiseArgs& args) {
  using ops::UnaryOp;
  if ((op == UnaryOp::Tanh || op == UnaryOp::GeluTanh) && contiguous_f32({&out, &a})) {
    float* o = out.data_ptr<float>();
    const float* x = a.data_ptr<float>();
    const auto fn = op == UnaryOp::Tanh ? vec::tanh_f32 : vec::gelu_tanh_f32;
    parallel_for(0, out.numel(), kGrainSize,
                 [&](int64_t b, int64_t e) { fn(o + b, x + b, e - b); });
    return;
  }
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a);
  };
  if (kernels::visit_unary_basic(op, args, map) || kernels::visit_unary_math(op, args, map)) return;
  MICA_FAIL("unary: unknown op");
}

void gelu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, bool tanh_form) {
  if (tanh_form && contiguous_f32({&out, &grad, &x})) {
    float* o = out.data_ptr<float>();
    const float* g = grad.data_ptr<float>();
    const float* xp = x.data_ptr<float>();
    parallel_for(0, out.numel(), kGrainSize, [&](int64_t b, int64_t e) {
      vec::gelu_tanh_backward_f32(o + b, g + b, xp + b, e - b);
    });
    return;
  }
  dispatch_floating(x.dtype(), "gelu_backward", [&]<class T>() {
    using C = compute_t<T>;
    if (tanh_form) {
      elementwise<T, T, T>(
          out,
          [](T g, T v) {
            const C a = convert<C>(v);
            C d;
            if constexpr (std::is_same_v<C, float>) {
              d = kernels::gelu_tanh_grad_f32(a);
            } else {
              const C k0 = C(0.79788456080286535588), k1 = C(0.044715);
              const C t = std::tanh(k0 * (a + k1 * a * a * a));
              d = C(0.5) * (C(1) + t) +
                  C(0.5) * a * (C(1) - t * t) * k0 * (C(1) + C(3) * k1 * a * a);
            }
            return convert<T>(convert<C>(g) * d);
          },
          grad, x);
    } else {
      elementwise<T, T, T>(
          out,
          [](T g, T v) {
            const C a = convert<C>(v);
            const C cdf = C(0.5) * (C(1) + std::erf(a * C(0.70710678118654752440)));
            const C pdf = C(0.39894228040143267794) * std::exp(C(-0.5) * a * a);
            return convert<T>(convert<C>(g) * (cdf + a * pdf));
          },
          grad, x);
    }
  });
}

}  // namespace mica::cpu
