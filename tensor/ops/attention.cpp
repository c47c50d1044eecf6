// Fused attention front-ends: argument checks, output allocation, dispatch to the CUDA kernels
// (tensor/cuda/attention_*.cu). There is no CPU kernel: CPU tensors get a mica::Error.
#include "tensor/ops/attention.h"

#include "tensor/cuda/attention.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
bool fused_dtype(DType t) {
  return t == kFloat32 || t == kBFloat16 || t == kFloat16;
}

// The checks fused_attention_supported makes, as a mica::Error naming op and the tensors.
void check_inputs(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  detail::check_defined(op, q, "q");
  detail::check_defined(op, k, "k");
  detail::check_defined(op, v, "v");
  detail::check_same_device(op, {&q, &k, &v});
  MICA_CHECK(q.is_cuda(), op, ": the fused attention kernel is CUDA only, got q ",
             detail::describe(q),
             " (on the CPU, nn::functional::scaled_dot_product_attention composes attention "
             "from matmul and softmax)");
  MICA_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && k.size(0) == q.size(0) &&
                 v.size(0) == q.size(0) && k.size(1) == q.size(1) && v.size(1) == q.size(1) &&
                 v.size(2) == k.size(2) && k.size(3) == q.size(3) && v.size(3) == q.size(3),
             op, ": expected q [B, H, T, D], k and v [B, H, S, D], got q ", shape_str(q.sizes()),
             ", k ", shape_str(k.sizes()), ", v ", shape_str(v.sizes()));
  MICA_CHECK(q.size(3) >= 1 && q.size(3) <= kFusedAttentionMaxHeadDim, op,
             ": head dim D must be in [1, ", kFusedAttentionMaxHeadDim, "], got q ",
             shape_str(q.sizes()));
  MICA_CHECK(q.size(2) >= 1 && k.size(2) >= 1, op, ": needs at least one query and one key, got q ",
             shape_str(q.sizes()), ", k ", shape_str(k.sizes()));
  MICA_CHECK(fused_dtype(q.dtype()) && k.dtype() == q.dtype() && v.dtype() == q.dtype(), op,
             ": expected q, k, v of one dtype among float32, bfloat16, float16, got ",
             detail::describe(q), ", ", detail::describe(k), ", ", detail::describe(v));
}

void check_no_dropout(const char* op, double dropout_p) {
  MICA_CHECK(dropout_p == 0.0, op, ": dropout_p = ", dropout_p,
             " is not supported by the fused kernel (scaled_dot_product_attention applies "
             "dropout on its composed path)");
}

TensorOptions like(const Tensor& t, DType dt) {
  return TensorOptions(dt).device(t.device());
}
}  // namespace

bool fused_attention_supported(const Tensor& q, const Tensor& k, const Tensor& v) {
  if (!q.defined() || !k.defined() || !v.defined()) return false;
  if (!q.is_cuda() || k.device() != q.device() || v.device() != q.device()) return false;
  if (!fused_dtype(q.dtype()) || k.dtype() != q.dtype() || v.dtype() != q.dtype()) return false;
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) return false;
  for (int64_t d = 0; d < 2; ++d)
    if (k.size(d) != q.size(d) || v.size(d) != q.size(d)) return false;
  const int64_t D = q.size(3);
  return v.size(2) == k.size(2) && k.size(3) == D && v.size(3) == D && D >= 1 &&
         D <= kFusedAttentionMaxHeadDim && q.size(2) >= 1 && k.size(2) >= 1;
}

AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   double scale, double dropout_p) {
  const char* op = "attention_forward";
  check_inputs(op, q, k, v);
  check_no_dropout(op, dropout_p);
  AttentionForward r;
  r.out = empty(q.sizes(), like(q, q.dtype()));
  r.logsumexp = empty({q.size(0), q.size(1), q.size(2)}, like(q, kFloat32));
  if (q.numel() == 0) return r;  // B or H is 0
  cuda::attention_forward(r.out, r.logsumexp, q, k, v, causal, scale);
  return r;
}

AttentionBackward attention_backward(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                     const Tensor& v, const Tensor& out, const Tensor& logsumexp,
                                     bool causal, double scale, double dropout_p) {
  const char* op = "attention_backward";
  check_inputs(op, q, k, v);
  check_no_dropout(op, dropout_p);
  detail::check_defined(op, grad_out, "grad_out");
  detail::check_defined(op, out, "out");
  detail::check_defined(op, logsumexp, "logsumexp");
  detail::check_same_device(op, {&q, &grad_out, &out, &logsumexp});
  MICA_CHECK(grad_out.sizes() == q.sizes() && out.sizes() == q.sizes() &&
                 grad_out.dtype() == q.dtype() && out.dtype() == q.dtype(),
             op, ": expected grad_out and out like q (", detail::describe(q), "), got ",
             detail::describe(grad_out), " and ", detail::describe(out));
  MICA_CHECK(logsumexp.dtype() == kFloat32 && logsumexp.is_contiguous() &&
                 logsumexp.sizes() == Shape({q.size(0), q.size(1), q.size(2)}),
             op, ": expected a contiguous float32 logsumexp [B, H, T] = ",
             shape_str({q.size(0), q.size(1), q.size(2)}), ", got ", detail::describe(logsumexp));
  AttentionBackward r;
  r.dq = empty(q.sizes(), like(q, q.dtype()));
  r.dk = empty(k.sizes(), like(k, k.dtype()));
  r.dv = empty(v.sizes(), like(v, v.dtype()));
  if (q.numel() == 0) return r;
  cuda::attention_backward(r.dq, r.dk, r.dv, grad_out, q, k, v, out, logsumexp, causal, scale);
  return r;
}

}  // namespace mica::ops
