// CPU backend of the non-spatial nn ops (softmax, normalization, losses). Front-ends in
// tensor/ops/{softmax,norm,loss}.cpp validate, make inputs contiguous and allocate; these
// kernels only compute.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/kernels/nn.h"
#include "tensor/ops/nn.h"

namespace mica::cpu {

// x, out: contiguous, same floating dtype, viewed as [outer, dim, inner]; (log-)softmax along
// the middle dim.
void softmax(const Tensor& out, const Tensor& x, int64_t outer, int64_t dim, int64_t inner,
             bool log);
// out, grad, y: contiguous, same floating dtype, viewed as [outer, dim, inner]; softmax's (or
// log_softmax's) backward along the middle dim from the output y.
void softmax_backward(const Tensor& out, const Tensor& grad, const Tensor& y, int64_t outer,
                      int64_t dim, int64_t inner, bool log);

// x, out: contiguous [rows, m]; weight, bias: contiguous [m] or undefined; mean, rstd:
// contiguous with rows elements (stat dtype).
void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t rows, int64_t m, double eps);
// x, out: contiguous [rows, m]; weight: contiguous [m] or undefined; rstd: rows elements.
void rms_norm(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight,
              int64_t rows, int64_t m, double eps);
// x, out: contiguous [n, c, hw]; weight, bias: contiguous [c] or undefined; mean, rstd: [n, g].
void group_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t n, int64_t c, int64_t hw,
                int64_t groups, double eps);
// x, out: contiguous [n, c, hw]; weight, bias, running stats: [c] (any strides) or undefined;
// save_mean, save_invstd: contiguous [c]. Updates the running stats in place when training.
void batch_norm(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                const Tensor& x, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, int64_t n, int64_t c,
                int64_t hw, bool training, double momentum, double eps);

// The input of a loss viewed as [outer, classes, inner] (shared with the CUDA kernels).
using LossLayout = kernels::LossLayout;

// Class-index losses. input: contiguous; target: contiguous int64 with rows elements (checked
// here: each in [0, classes) or ignore_index, else mica::Error naming op); weight: contiguous
// [classes] or undefined. logits: input holds logits (cross_entropy, log_softmax fused; lse
// receives each row's log-sum-exp) rather than log-probabilities (nll_loss; lse undefined).
// loss: rows elements (Reduction::None) or 0-d; total_weight: 0-d.
void class_index_loss(const char* op, const Tensor& loss, const Tensor& total_weight,
                      const Tensor& lse, const Tensor& input, const Tensor& target,
                      const Tensor& weight, LossLayout layout, ops::Reduction reduction,
                      int64_t ignore_index, double label_smoothing, bool logits);
// Cross-entropy with probability targets: logits and target contiguous, same shape.
void prob_target_loss(const Tensor& loss, const Tensor& total_weight, const Tensor& lse,
                      const Tensor& logits, const Tensor& target, const Tensor& weight,
                      LossLayout layout, ops::Reduction reduction, double label_smoothing);

namespace detail {
template <class T, class A, bool kUnit>
kernels::LseState<A> row_lse(const T* p, int64_t n, int64_t stride_arg) {
  constexpr int64_t kBlock = 256;
  const int64_t stride = kUnit ? 1 : stride_arg;
  kernels::LseState<A> st;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    A bm = -std::numeric_limits<A>::infinity();
#pragma omp simd reduction(max : bm)
    for (int64_t i = b; i < e; ++i) bm = std::max(bm, convert<A>(p[i * stride]));
    st.rebase(bm);
    const A m = st.shift();
    A s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = b; i < e; ++i) s += kernels::exp_c<A>(convert<A>(p[i * stride]) - m);
    st.s += s;
  }
  return st;
}
}  // namespace detail

// The running log-sum-exp of p[0], p[stride], ..., p[(n - 1) * stride] in the compute type A,
// in blocks: a block's max rebases the state once, then its exps are summed (one read of the
// row from memory; the block is still in cache for the second loop).
template <class T, class A>
kernels::LseState<A> row_lse(const T* p, int64_t n, int64_t stride) {
  if (stride == 1) return detail::row_lse<T, A, true>(p, n, 1);
  return detail::row_lse<T, A, false>(p, n, stride);
}

// A 1-d tensor's values (any floating dtype, any strides) converted to A; empty if undefined.
template <class A>
std::vector<A> read_vector(const Tensor& t) {
  std::vector<A> v;
  if (!t.defined()) return v;
  const Tensor c = t.contiguous();
  v.resize(static_cast<size_t>(c.numel()));
  dispatch_floating(c.dtype(), "read_vector", [&]<class T>() {
    const T* p = c.data_ptr<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<A>(convert<compute_t<T>>(p[i]));
  });
  return v;
}

}  // namespace mica::cpu
