// CUDA normalization kernels: layer_norm and rms_norm over contiguous rows (one warp per row up
// to 1024 elements, one block per row above), group_norm with one block per (sample, group)
// block, batch_norm with one block per channel (statistics, running-stat update and apply).
// Like the CPU kernels (tensor/cpu/norm.cpp): statistics accumulate in double in two passes
// (mean, then squared deviations), the affine apply runs in the compute type (float for 16-bit
// floats). Reductions are fixed-order shuffles and shared memory: results are deterministic.
#include <cmath>
#include <limits>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/nn_common.cuh"
#include "tensor/cuda/norm.h"
#include "tensor/kernels/nn.h"

namespace mica::cuda {

namespace {

using nn_detail::AnyVec;
using nn_detail::kWarp;

// Rows longer than this get a block each; shorter ones a warp each.
constexpr int64_t kWarpRowMax = 1024;
constexpr int kWarpRowThreads = 256;  // 8 rows per block
constexpr int kBlockRowThreads = 512;
constexpr int64_t kMaxGrid = int64_t{1} << 24;  // kernels loop over rows beyond this

enum class RowKind { Layer, Rms, Group };

// The rows of a row-normalization kernel: rows of len contiguous elements; for group_norm a
// row is a (sample, group) block and element j's channel is (row % groups) * cpg + j / hw.
struct RowArgs {
  int64_t rows = 0;
  int64_t len = 0;
  int64_t groups = 1;
  int64_t cpg = 1;  // channels per group
  int64_t hw = 1;
  double eps = 0;
};

// ---- kernels ----

// mean (unused by Rms) and rstd: rows elements. Each row is reduced by a warp (kWarpRow;
// blockDim.x / 32 rows per block) or by the whole block.
template <class T, bool kWarpRow, RowKind kKind>
__global__ void norm_rows_kernel(T* __restrict__ out, compute_t<T>* __restrict__ mean,
                                 compute_t<T>* __restrict__ rstd, const T* __restrict__ x, AnyVec w,
                                 AnyVec b, RowArgs a) {
  using C = compute_t<T>;
  __shared__ double smem[kWarp];
  const int64_t lanes = kWarpRow ? kWarp : blockDim.x;
  const int64_t lane = kWarpRow ? threadIdx.x % kWarp : threadIdx.x;
  const int64_t per_block = kWarpRow ? blockDim.x / kWarp : 1;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * per_block +
                        (kWarpRow ? static_cast<int64_t>(threadIdx.x / kWarp) : 0);
  const int64_t step = static_cast<int64_t>(gridDim.x) * per_block;
  const double n = static_cast<double>(a.len);
  // warp rows: the loop bound differs between warps, which is fine (no block barriers); block
  // rows: it is uniform across the block.
  for (int64_t r = first; r < a.rows; r += step) {
    const T* p = x + r * a.len;
    T* o = out + r * a.len;
    double mu = 0;
    if constexpr (kKind != RowKind::Rms) {
      double s = 0;
      for (int64_t j = lane; j < a.len; j += lanes) s += static_cast<double>(convert<C>(p[j]));
      mu = nn_detail::row_allreduce_sum<kWarpRow>(s, smem) / n;
    }
    double q = 0;
    for (int64_t j = lane; j < a.len; j += lanes) {
      const double d = static_cast<double>(convert<C>(p[j])) - mu;
      q += d * d;
    }
    const double var = nn_detail::row_allreduce_sum<kWarpRow>(q, smem) / n;
    const C mc = static_cast<C>(mu);
    const C rs = static_cast<C>(1.0 / sqrt(var + a.eps));
    if (lane == 0) {
      if constexpr (kKind != RowKind::Rms) mean[r] = mc;
      rstd[r] = rs;
    }
    if constexpr (kKind == RowKind::Rms) {
      if (w.defined())
        for (int64_t j = lane; j < a.len; j += lanes)
          o[j] = convert<T>(convert<C>(p[j]) * rs * w.load<C>(j));
      else
        for (int64_t j = lane; j < a.len; j += lanes) o[j] = convert<T>(convert<C>(p[j]) * rs);
    } else {
      const int64_t ch0 = kKind == RowKind::Group ? (r % a.groups) * a.cpg : 0;
      for (int64_t j = lane; j < a.len; j += lanes) {
        const int64_t k = kKind == RowKind::Group ? ch0 + j / a.hw : j;  // parameter index
        const C wk = w.defined() ? w.load<C>(k) : C(1);
        const C bk = b.defined() ? b.load<C>(k) : C(0);
        o[j] = convert<T>(kernels::norm_apply<C>(convert<C>(p[j]), mc, rs, wk, bk));
      }
    }
  }
}

// One block per channel ch of x [n, c, hw]: the batch statistics (training) or the running ones
// (eval), the running-stat update (thread 0, in double like the CPU), then the apply.
template <class T>
__global__ void batch_norm_kernel(T* __restrict__ out, compute_t<T>* __restrict__ save_mean,
                                  compute_t<T>* __restrict__ save_invstd, const T* __restrict__ x,
                                  AnyVec w, AnyVec b, AnyVec running_mean, AnyVec running_var,
                                  int64_t n, int64_t c, int64_t hw, bool training, double momentum,
                                  double eps) {
  using C = compute_t<T>;
  __shared__ double smem[kWarp];
  const int64_t count = n * hw;
  const int64_t tid = threadIdx.x, threads = blockDim.x;
  for (int64_t ch = blockIdx.x; ch < c; ch += gridDim.x) {
    double mean = 0, var = 0;
    if (training) {
      double s = 0;
      for (int64_t j = tid; j < count; j += threads)
        s += static_cast<double>(convert<C>(x[((j / hw) * c + ch) * hw + j % hw]));
      mean = nn_detail::block_allreduce_sum(s, smem) / static_cast<double>(count);
      double q = 0;
      for (int64_t j = tid; j < count; j += threads) {
        const double d =
            static_cast<double>(convert<C>(x[((j / hw) * c + ch) * hw + j % hw])) - mean;
        q += d * d;
      }
      var = nn_detail::block_allreduce_sum(q, smem) / static_cast<double>(count);
      if (count == 0) {
        mean = var = std::numeric_limits<double>::quiet_NaN();
      } else if (tid == 0) {
        if (running_mean.defined()) {
          const double old = running_mean.load<double>(ch);
          running_mean.store(ch, (1.0 - momentum) * old + momentum * mean);
        }
        if (running_var.defined()) {
          const double corr = static_cast<double>(count) / static_cast<double>(count - 1);
          const double old = running_var.load<double>(ch);
          running_var.store(ch, (1.0 - momentum) * old + momentum * (var * corr));
        }
      }
    } else {
      mean = running_mean.load<double>(ch);
      var = running_var.load<double>(ch);
    }
    const C mu = static_cast<C>(mean);
    const C inv = static_cast<C>(1.0 / sqrt(var + eps));
    if (tid == 0) {
      save_mean[ch] = mu;
      save_invstd[ch] = inv;
    }
    // (x - mean) * (invstd * w) + b, as the CPU kernel
    const C scale = inv * (w.defined() ? w.load<C>(ch) : C(1));
    const C bc = b.defined() ? b.load<C>(ch) : C(0);
    for (int64_t j = tid; j < count; j += threads) {
      const int64_t idx = ((j / hw) * c + ch) * hw + j % hw;
      out[idx] = convert<T>(kernels::norm_apply<C>(convert<C>(x[idx]), mu, scale, C(1), bc));
    }
  }
}

// ---- launchers ----

unsigned grid_for(int64_t blocks) {
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, kMaxGrid));
}

template <RowKind kKind>
void launch_rows(const char* op, const Tensor& out, const Tensor& mean, const Tensor& rstd,
                 const Tensor& x, const Tensor& weight, const Tensor& bias, const RowArgs& a) {
  if (a.rows == 0) return;
  DeviceGuard guard(out.device().index);
  Tensor wh, bh;
  const AnyVec w = nn_detail::any_vec(weight, wh), b = nn_detail::any_vec(bias, bh);
  const cudaStream_t stream = stream_of(out);
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    using C = compute_t<T>;
    T* po = out.data_ptr<T>();
    C* pm = kKind == RowKind::Rms ? nullptr : mean.data_ptr<C>();
    C* pr = rstd.data_ptr<C>();
    const T* px = x.data_ptr<T>();
    if constexpr (kKind != RowKind::Group) {
      if (a.len <= kWarpRowMax) {
        constexpr int64_t per_block = kWarpRowThreads / kWarp;
        norm_rows_kernel<T, true, kKind>
            <<<grid_for((a.rows + per_block - 1) / per_block), kWarpRowThreads, 0, stream>>>(
                po, pm, pr, px, w, b, a);
        return;
      }
    }
    norm_rows_kernel<T, false, kKind>
        <<<grid_for(a.rows), kBlockRowThreads, 0, stream>>>(po, pm, pr, px, w, b, a);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace

void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t rows, int64_t m, double eps) {
  launch_rows<RowKind::Layer>("layer_norm", out, mean, rstd, x, weight, bias,
                              {.rows = rows, .len = m, .eps = eps});
}

void rms_norm(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight,
              int64_t rows, int64_t m, double eps) {
  launch_rows<RowKind::Rms>("rms_norm", out, Tensor(), rstd, x, weight, Tensor(),
                            {.rows = rows, .len = m, .eps = eps});
}

void group_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t n, int64_t c, int64_t hw,
                int64_t groups, double eps) {
  const int64_t cpg = c / groups;
  launch_rows<RowKind::Group>(
      "group_norm", out, mean, rstd, x, weight, bias,
      {.rows = n * groups, .len = cpg * hw, .groups = groups, .cpg = cpg, .hw = hw, .eps = eps});
}

void batch_norm(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                const Tensor& x, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, int64_t n, int64_t c,
                int64_t hw, bool training, double momentum, double eps) {
  if (c == 0) return;
  DeviceGuard guard(out.device().index);
  Tensor wh, bh, mh, vh;
  const AnyVec w = nn_detail::any_vec(weight, wh), b = nn_detail::any_vec(bias, bh);
  const AnyVec rm = nn_detail::any_vec(running_mean, mh), rv = nn_detail::any_vec(running_var, vh);
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    using C = compute_t<T>;
    batch_norm_kernel<T><<<grid_for(c), kBlockRowThreads, 0, stream_of(out)>>>(
        out.data_ptr<T>(), save_mean.data_ptr<C>(), save_invstd.data_ptr<C>(), x.data_ptr<T>(), w,
        b, rm, rv, n, c, hw, training, momentum, eps);
  });
  MICA_CUDA_LAUNCH_CHECK();
  if (training && n * hw > 0) {
    if (running_mean.defined()) running_mean.bump_version();
    if (running_var.defined()) running_var.bump_version();
  }
}

}  // namespace mica::cuda
