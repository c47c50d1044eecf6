// Linear-algebra op front-ends: shape rules (torch.matmul's 1-d/2-d/batched cases, broadcast
// batch dims), dtype checks, the CPU's 16-bit float round trip through float32 (CUDA computes
// them natively), output allocation and dispatch to the CPU or CUDA batched-GEMM kernel.
#include "tensor/ops/linalg.h"

#include <utility>

#include "tensor/cpu/linalg.h"
#include "tensor/cuda/linalg.h"
#include "tensor/ops/common.h"
#include "tensor/ops/pointwise.h"

namespace mica::ops {

namespace {

// On the CPU float16/bfloat16 compute in float32; the others, and every dtype on CUDA (cuBLASLt
// reads 16-bit operands and accumulates in float32), in themselves.
DType compute_dtype(DType t, const Device& d) {
  return !d.is_cuda() && (t == kFloat16 || t == kBFloat16) ? kFloat32 : t;
}

void batched_matmul(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
                    const Scalar& beta) {
  if (out.is_cuda())
    cuda::batched_matmul(out, a, b, alpha, beta);
  else
    cpu::batched_matmul(out, a, b, alpha, beta);
}

// Whether t: [*, r, c] views as [prod(*) * r, c] without a copy.
bool rows_fold(const Tensor& t) {
  const int64_t d = t.dim();
  int64_t expected = t.stride(d - 2) * t.size(d - 2);
  for (int64_t i = d - 3; i >= 0; --i) {
    if (t.size(i) == 1) continue;
    if (t.stride(i) != expected) return false;
    expected = t.stride(i) * t.size(i);
  }
  return true;
}

Tensor as_dtype(const Tensor& t, DType d) {
  return t.dtype() == d ? t : t.to(d);
}

void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(op, a, "self");
  detail::check_defined(op, b, "other");
  detail::check_same_device(op, {&a, &b});
  MICA_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, got ",
             dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  MICA_CHECK(a.dtype() != kBool, op, ": not supported for bool tensors");
}

// The byte range [first, last] a strided tensor can touch (non-empty tensors).
std::pair<const char*, const char*> byte_extent(const Tensor& t) {
  const char* p = static_cast<const char*>(t.raw_data());
  int64_t lo = 0, hi = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t span = (t.size(d) - 1) * t.stride(d);
    (span < 0 ? lo : hi) += span;
  }
  const auto es = static_cast<int64_t>(t.element_size());
  return {p + lo * es, p + hi * es + es - 1};
}

bool overlaps(const Tensor& x, const Tensor& y) {
  if (x.numel() == 0 || y.numel() == 0) return false;
  const auto [x0, x1] = byte_extent(x);
  const auto [y0, y1] = byte_extent(y);
  return x0 <= y1 && y0 <= x1;
}

Shape concat(Shape a, const Shape& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

namespace detail {

Tensor matmul_impl(const char* op, const Tensor& a, const Tensor& b, const Tensor* input,
                   const Scalar& beta, const Scalar& alpha) {
  check_operands(op, a, b);
  MICA_CHECK(a.dim() >= 1 && b.dim() >= 1, op, ": both arguments need to be at least 1-d, got ",
             a.dim(), "-d and ", b.dim(), "-d (shapes ", shape_str(a.sizes()), " and ",
             shape_str(b.sizes()), ")");
  const bool use_input = input != nullptr && beta.to<double>() != 0.0;
  if (input != nullptr) {
    check_defined(op, *input, "input");
    check_same_device(op, {input, &a});
    MICA_CHECK(input->dtype() == a.dtype(), op, ": expected input of dtype ", dtype_name(a.dtype()),
               " like the matrices, got ", dtype_name(input->dtype()));
  }
  const DType cdt = compute_dtype(a.dtype(), a.device());
  // Matrices: a 1-d a is a row [1, k], a 1-d b a column [k, 1].
  const Tensor am = a.dim() == 1 ? as_dtype(a, cdt).unsqueeze(0) : as_dtype(a, cdt);
  const Tensor bm = b.dim() == 1 ? as_dtype(b, cdt).unsqueeze(1) : as_dtype(b, cdt);
  const int64_t n = am.size(-2), k = am.size(-1), m = bm.size(-1);
  MICA_CHECK(bm.size(-2) == k, op, ": shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
             " cannot be multiplied");
  const Shape batch_a(am.sizes().begin(), am.sizes().end() - 2);
  const Shape batch_b(bm.sizes().begin(), bm.sizes().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, op);
  Shape result = batch;  // torch.matmul's result: the 1-d operands' dims dropped
  if (a.dim() > 1) result.push_back(n);
  if (b.dim() > 1) result.push_back(m);

  Tensor out = empty(concat(batch, {n, m}), TensorOptions(cdt).device(a.device()));
  // [*, n, k] @ [k, m] folds the batch into the rows: one GEMM ([B*T, in] @ W^T in linear). On
  // CUDA only where that is a view (a copy costs more than a strided-batched GEMM there).
  const bool fold = batch_b.empty() && !batch_a.empty() && (!a.is_cuda() || rows_fold(am));
  const int64_t rows = shape_numel(batch) * n;
  if (input != nullptr) {
    const Shape in_shape = broadcast_shapes(input->sizes(), result, op);
    MICA_CHECK(in_shape == result, op, ": input of shape ", shape_str(input->sizes()),
               " does not broadcast to the result shape ", shape_str(result));
    // CUDA: a bias row [m] added by cuBLASLt's epilogue instead of a copy into out first.
    if (use_input && a.is_cuda() && beta.to<double>() == 1.0 && b.dim() > 1 && input->dim() == 1 &&
        (batch.empty() || fold) &&
        cuda::matmul_bias_epilogue(out.view({rows, m}), fold ? am.reshape({rows, k}) : am, bm,
                                   *input, alpha))
      return out.view(result);
    if (use_input) out.view(result).copy_(input->expand(result));
  }
  const Scalar beta_used = use_input ? beta : Scalar(0);

  if (fold) {
    batched_matmul(out.view({rows, m}), am.reshape({rows, k}), bm, alpha, beta_used);
  } else {
    batched_matmul(out, am.expand(concat(batch, {n, k})), bm.expand(concat(batch, {k, m})), alpha,
                   beta_used);
  }
  if (cdt != a.dtype()) out = out.to(a.dtype());
  return out.view(result);
}

}  // namespace detail

Tensor matmul(const Tensor& a, const Tensor& b) {
  return detail::matmul_impl("matmul", a, b, nullptr, 0, 1);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands("mm", a, b);
  MICA_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-d matrices, got shapes ",
             shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return detail::matmul_impl("mm", a, b, nullptr, 0, 1);
}

const Tensor& mm_out(const Tensor& out, const Tensor& a, const Tensor& b) {
  check_operands("mm_out", a, b);
  detail::check_defined("mm_out", out, "out");
  detail::check_same_device("mm_out", {&out, &a});
  MICA_CHECK(a.dim() == 2 && b.dim() == 2, "mm_out: expected 2-d matrices, got shapes ",
             shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  MICA_CHECK(a.size(1) == b.size(0), "mm_out: shapes ", shape_str(a.sizes()), " and ",
             shape_str(b.sizes()), " cannot be multiplied");
  const Shape want = {a.size(0), b.size(1)};
  MICA_CHECK(out.sizes() == want && out.dtype() == a.dtype(), "mm_out: out must be ",
             dtype_name(a.dtype()), " ", shape_str(want), ", got ", dtype_name(out.dtype()), " ",
             shape_str(out.sizes()));
  MICA_CHECK(out.is_contiguous(), "mm_out: out must be contiguous, got strides ",
             shape_str(out.strides()));
  MICA_CHECK(!overlaps(out, a) && !overlaps(out, b),
             "mm_out: out shares memory with an operand (shapes ", shape_str(out.sizes()), ", ",
             shape_str(a.sizes()), ", ", shape_str(b.sizes()), ")");
  if (out.numel() == 0) return out;
  const DType cdt = compute_dtype(a.dtype(), a.device());
  if (cdt == a.dtype()) {
    batched_matmul(out, a, b, 1, 0);
  } else {
    Tensor wide = empty(want, TensorOptions(cdt).device(a.device()));
    batched_matmul(wide, a.to(cdt), b.to(cdt), 1, 0);
    Tensor(out).copy_(wide);
  }
  out.bump_version();
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands("bmm", a, b);
  MICA_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-d batches of matrices, got shapes ",
             shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  MICA_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: shapes ", shape_str(a.sizes()),
             " and ", shape_str(b.sizes()));
  return detail::matmul_impl("bmm", a, b, nullptr, 0, 1);
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta,
             const Scalar& alpha) {
  check_operands("addmm", m1, m2);
  MICA_CHECK(m1.dim() == 2 && m2.dim() == 2, "addmm: expected 2-d matrices, got shapes ",
             shape_str(m1.sizes()), " and ", shape_str(m2.sizes()));
  return detail::matmul_impl("addmm", m1, m2, &input, beta, alpha);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::check_defined("linear", x, "input");
  detail::check_defined("linear", weight, "weight");
  MICA_CHECK(x.dim() >= 1, "linear: expected an input with at least 1 dim, got shape ",
             shape_str(x.sizes()));
  MICA_CHECK(weight.dim() == 1 || weight.dim() == 2,
             "linear: expected a weight of shape [out_features, in_features], got ",
             shape_str(weight.sizes()));
  MICA_CHECK(x.size(-1) == weight.size(-1), "linear: input of shape ", shape_str(x.sizes()),
             " does not match weight of shape ", shape_str(weight.sizes()), " (in_features ",
             weight.size(-1), ")");
  // weight.t() is a view with swapped strides: the GEMM reads it transposed, nothing is copied.
  const Tensor wt = weight.t();
  return detail::matmul_impl("linear", x, wt, bias.defined() ? &bias : nullptr, 1, 1);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  detail::check_defined("outer", a, "self");
  detail::check_defined("outer", b, "vec2");
  MICA_CHECK(a.dim() == 1 && b.dim() == 1, "outer: expected 1-d vectors, got shapes ",
             shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return mul(a.unsqueeze(1), b.unsqueeze(0));
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_operands("dot", a, b);
  MICA_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0),
             "dot: expected 1-d vectors of the same size, got shapes ", shape_str(a.sizes()),
             " and ", shape_str(b.sizes()));
  return detail::matmul_impl("dot", a, b, nullptr, 0, 1);
}

}  // namespace mica::ops
