// CPU pointwise kernels, unary ops: maps each UnaryOp to its shared functor (parameters such as
// the leaky_relu slope or the clamp bounds converted to the compute type once) and runs it
// through the generic strided loop; tanh and the tanh-form GELU use the vectorizable float
// versions of tensor/cpu/fast_math.h.
#include "tensor/cpu/fast_math.h"
#include "tensor/cpu/pointwise.h"
#include "tensor/cpu/pointwise_impl.h"
#include "tensor/cpu/vec_kernels.h"

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
  switch (op) {
    case UnaryOp::Neg:
      return map_same_type("neg", kNumeric, plain<kernels::Neg>, out, a);
    case UnaryOp::Abs:
      return map_same_type("abs", kNumeric, plain<kernels::Abs>, out, a);
    case UnaryOp::Sign:
      return map_same_type("sign", kAll, plain<kernels::Sign>, out, a);
    case UnaryOp::Floor:
      return map_same_type("floor", kNumeric, plain<kernels::Floor>, out, a);
    case UnaryOp::Ceil:
      return map_same_type("ceil", kNumeric, plain<kernels::Ceil>, out, a);
    case UnaryOp::Round:
      return map_same_type("round", kNumeric, plain<kernels::Round>, out, a);
    case UnaryOp::Trunc:
      return map_same_type("trunc", kNumeric, plain<kernels::Trunc>, out, a);
    case UnaryOp::Exp:
      return map_same_type("exp", kFloating, plain<kernels::Exp>, out, a);
    case UnaryOp::Log:
      return map_same_type("log", kFloating, plain<kernels::Log>, out, a);
    case UnaryOp::Log1p:
      return map_same_type("log1p", kFloating, plain<kernels::Log1p>, out, a);
    case UnaryOp::Expm1:
      return map_same_type("expm1", kFloating, plain<kernels::Expm1>, out, a);
    case UnaryOp::Sqrt:
      return map_same_type("sqrt", kFloating, plain<kernels::Sqrt>, out, a);
    case UnaryOp::Rsqrt:
      return map_same_type("rsqrt", kFloating, plain<kernels::Rsqrt>, out, a);
    case UnaryOp::Sin:
      return map_same_type("sin", kFloating, plain<kernels::Sin>, out, a);
    case UnaryOp::Cos:
      return map_same_type("cos", kFloating, plain<kernels::Cos>, out, a);
    case UnaryOp::Tanh:
      return map_same_type("tanh", kFloating, plain<FastTanh>, out, a);
    case UnaryOp::Sigmoid:
      return map_same_type("sigmoid", kFloating, plain<kernels::Sigmoid>, out, a);
    case UnaryOp::Erf:
      return map_same_type("erf", kFloating, plain<kernels::Erf>, out, a);
    case UnaryOp::Relu:
      return map_same_type("relu", kNumeric, plain<kernels::Relu>, out, a);
    case UnaryOp::Gelu:
      return map_same_type("gelu", kFloating, plain<kernels::Gelu>, out, a);
    case UnaryOp::GeluTanh:
      return map_same_type("gelu", kFloating, plain<FastGeluTanh>, out, a);
    case UnaryOp::Silu:
      return map_same_type("silu", kFloating, plain<kernels::Silu>, out, a);
    case UnaryOp::Softplus:
      return map_same_type(
          "softplus", kFloating,
          [&]<class C>() {
            return kernels::Softplus<C>{static_cast<C>(args.beta), static_cast<C>(args.threshold)};
          },
          out, a);
    case UnaryOp::LeakyRelu:
      return map_same_type(
          "leaky_relu", kFloating,
          [&]<class C>() { return kernels::LeakyRelu<C>{static_cast<C>(args.negative_slope)}; },
          out, a);
    case UnaryOp::Clamp:
      return map_same_type(
          "clamp", kNumeric,
          [&]<class C>() {
            return kernels::Clamp<C>{args.min ? args.min->to<C>() : C(0),
                                     args.max ? args.max->to<C>() : C(0), args.min.has_value(),
                                     args.max.has_value()};
          },
          out, a);
    case UnaryOp::PowScalar:
      return map_same_type(
          "pow", kNumeric, [&]<class C>() { return kernels::PowScalar<C>{args.exponent.to<C>()}; },
          out, a);
    case UnaryOp::LogicalNot:
      return map_same_type("logical_not", kAll, plain<kernels::LogicalNot>, out, a);
  }
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
              d = gelu_tanh_grad_f32(a);
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
