// CPU kernels of the linear-algebra ops: batched matrix products over strided views. Floating
// types call cpu::gemm once per matrix, passing transposed views as trans flags (a copy only when
// neither the rows nor the columns of a matrix are unit-stride); many small matrices run one per
// thread, large ones use the BLAS's own threads. Integers use a plain row loop.
#include "tensor/cpu/linalg.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "tensor/cpu/gemm.h"
#include "tensor/kernels/gemm_layout.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

using kernels::blas_layout;
using kernels::MatLayout;

MatLayout layout_of(const Tensor& t) {
  const int64_t d = t.dim();
  return blas_layout(t.size(d - 2), t.size(d - 1), t.stride(d - 2), t.stride(d - 1));
}

// Element offsets of every matrix of a batched [*, r, c] view, in row-major batch order.
std::vector<int64_t> batch_offsets(const Tensor& t) {
  const int64_t nb = t.dim() - 2;
  int64_t count = 1;
  for (int64_t d = 0; d < nb; ++d) count *= t.size(d);
  std::vector<int64_t> offs(static_cast<size_t>(count));
  std::vector<int64_t> idx(static_cast<size_t>(nb), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < count; ++i) {
    offs[static_cast<size_t>(i)] = off;
    for (int64_t d = nb - 1; d >= 0; --d) {  // odometer increment
      off += t.stride(d);
      if (++idx[d] < t.size(d)) break;
      off -= t.stride(d) * t.size(d);
      idx[d] = 0;
    }
  }
  return offs;
}

// A copy with contiguous matrices when BLAS cannot read the view's matrices as they are.
Tensor blas_ready(const Tensor& t) {
  return layout_of(t).ok ? t : t.contiguous();
}

template <class T>
void floating_matmul(const Tensor& out, const Tensor& a_in, const Tensor& b_in, T alpha, T beta) {
  const Tensor a = blas_ready(a_in), b = blas_ready(b_in);
  const int64_t m = out.size(-2), n = out.size(-1), k = a.size(-1);
  const MatLayout la = layout_of(a), lb = layout_of(b);
  const std::vector<int64_t> oa = batch_offsets(a), ob = batch_offsets(b);
  const int64_t count = static_cast<int64_t>(oa.size());
  const T* pa = a.data_ptr<T>();
  const T* pb = b.data_ptr<T>();
  T* pc = out.data_ptr<T>();
  auto one = [&](int64_t i) {
    gemm(la.trans, lb.trans, m, n, k, alpha, pa + oa[i], la.ld, pb + ob[i], lb.ld, beta,
         pc + i * m * n, n);
  };
  // Small matrices: one GEMM per thread (the BLAS stays single-threaded inside the region);
  // large ones: one after the other, each on all of the BLAS's threads.
  const int64_t work = std::max<int64_t>(m * n * std::max<int64_t>(k, 1), 1);
  constexpr int64_t kSmallGemm = int64_t{1} << 21;
  if (count > 1 && work < kSmallGemm) {
    parallel_for(0, count, std::max<int64_t>(1, kSmallGemm / work), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < count; ++i) one(i);
  }
}

template <class T>
void integer_matmul(const Tensor& out, const Tensor& a, const Tensor& b, T alpha_t, T beta_t) {
  using U = std::make_unsigned_t<T>;  // wrapping arithmetic, no signed-overflow UB
  const int64_t m = out.size(-2), n = out.size(-1), k = a.size(-1);
  const int64_t ars = a.stride(-2), acs = a.stride(-1), brs = b.stride(-2), bcs = b.stride(-1);
  const std::vector<int64_t> oa = batch_offsets(a), ob = batch_offsets(b);
  const int64_t rows = static_cast<int64_t>(oa.size()) * m;
  const T* pa = a.data_ptr<T>();
  const T* pb = b.data_ptr<T>();
  T* pc = out.data_ptr<T>();
  const U alpha = static_cast<U>(alpha_t), beta = static_cast<U>(beta_t);
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n * k, 1));
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<U> acc(static_cast<size_t>(n));
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t bi = r / m, i = r % m;
      const T* arow = pa + oa[bi] + i * ars;
      const T* bmat = pb + ob[bi];
      std::fill(acc.begin(), acc.end(), U(0));
      for (int64_t p = 0; p < k; ++p) {
        const U av = static_cast<U>(arow[p * acs]);
        const T* brow = bmat + p * brs;
        for (int64_t j = 0; j < n; ++j) acc[j] += av * static_cast<U>(brow[j * bcs]);
      }
      T* crow = pc + r * n;
      for (int64_t j = 0; j < n; ++j) {
        U v = static_cast<U>(alpha * acc[j]);
        if (beta != U(0)) v = static_cast<U>(v + beta * static_cast<U>(crow[j]));
        crow[j] = static_cast<T>(v);
      }
    }
  });
}

}  // namespace

void batched_matmul(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
                    const Scalar& beta) {
  MICA_CHECK(out.is_contiguous(), "batched_matmul: the output must be contiguous");
  MICA_CHECK(a.dtype() == out.dtype() && b.dtype() == out.dtype(),
             "batched_matmul: operands must share the output's dtype");
  if (out.numel() == 0) return;
  switch (out.dtype()) {
    case kFloat32:
      return floating_matmul<float>(out, a, b, alpha.to<float>(), beta.to<float>());
    case kFloat64:
      return floating_matmul<double>(out, a, b, alpha.to<double>(), beta.to<double>());
    case kUInt8:
      return integer_matmul<uint8_t>(out, a, b, alpha.to<uint8_t>(), beta.to<uint8_t>());
    case kInt32:
      return integer_matmul<int32_t>(out, a, b, alpha.to<int32_t>(), beta.to<int32_t>());
    case kInt64:
      return integer_matmul<int64_t>(out, a, b, alpha.to<int64_t>(), beta.to<int64_t>());
    default:
      break;
  }
  MICA_FAIL("batched_matmul: unsupported dtype ", dtype_name(out.dtype()));
}

}  // namespace mica::cpu
