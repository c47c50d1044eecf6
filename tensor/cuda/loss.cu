// CUDA NLL / cross-entropy kernels, mirroring tensor/cpu/loss.cpp. Rows of the input viewed as
// [outer, classes, inner] (row stride inner). Kernel 1 takes one block per row: cross_entropy's
// running log-sum-exp over the row (per-thread online states merged in a fixed order, so any
// width works, e.g. GPT-2's 50257 classes), then the row's loss (and, with label smoothing or
// probability targets, a second pass over the row) and its weight, into double workspaces.
// Kernel 2, one block, sums the rows' losses and weights in double in a fixed order (no float
// atomics: deterministic), writes total_weight and the reduced loss, and finds the first
// out-of-range class-index target, which the launcher reports as a mica::Error.
#include <limits>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/loss.h"
#include "tensor/cuda/nn_common.cuh"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace {

using nn_detail::AnyVec;
using nn_detail::kWarp;

constexpr int kFinishThreads = 1024;
constexpr int64_t kMaxGrid = int64_t{1} << 24;  // kernel 1 loops over rows beyond this

struct LossArgs {
  int64_t rows = 0;
  int64_t classes = 0;
  int64_t inner = 1;
  int64_t ignore_index = -100;
  double smoothing = 0;
};

// ---- kernels ----

// One block per row r. kLogits: x holds logits (the row's log-sum-exp is computed and written
// to lse); else log-probabilities. kProb: q (x's layout) holds probability targets, else tgt
// holds class indices. Writes row_loss[r], row_weight[r] (class indices only) and, when
// loss_none is given (Reduction::None), the row's loss in T.
template <class T, bool kLogits, bool kProb>
__global__ void loss_rows_kernel(const T* __restrict__ x, const int64_t* __restrict__ tgt,
                                 const T* __restrict__ q, AnyVec w, compute_t<T>* __restrict__ lse,
                                 double* __restrict__ row_loss, double* __restrict__ row_weight,
                                 T* __restrict__ loss_none, LossArgs a) {
  using A = compute_t<T>;
  __shared__ A sm[kWarp], ss[kWarp];
  const int64_t tid = threadIdx.x, threads = blockDim.x;
  const int64_t classes = a.classes, inner = a.inner;
  const A eps = static_cast<A>(a.smoothing);
  for (int64_t r = blockIdx.x; r < a.rows; r += gridDim.x) {  // uniform across the block
    const int64_t off = (r / inner) * classes * inner + r % inner;
    const T* p = x + off;  // p[c * inner]: class c
    A l = 0;               // log-sum-exp of the row (0 for log-probability inputs)
    if constexpr (kLogits) {
      kernels::LseState<A> st;
      for (int64_t c = tid; c < classes; c += threads)
        nn_detail::lse_push<A>(st, convert<A>(p[c * inner]));
      l = nn_detail::block_allreduce_lse<A>(st, sm, ss).lse();
      if (tid == 0) lse[r] = l;
    }
    double value = 0, weight = 0;
    if constexpr (kProb) {
      const T* pq = q + off;
      const A n_classes = static_cast<A>(classes);
      A v = 0;
      for (int64_t c = tid; c < classes; c += threads) {
        const A qc = kernels::smooth_target<A>(convert<A>(pq[c * inner]), eps, n_classes);
        v -= (w.defined() ? w.load<A>(c) : A(1)) * qc * (convert<A>(p[c * inner]) - l);
      }
      value = static_cast<double>(nn_detail::block_allreduce_sum<A>(v, sm));
      weight = 1;
    } else {
      const int64_t t = tgt[r];  // the same for every thread: the branches below are uniform
      if (t == a.ignore_index) {
        value = 0;
        weight = 0;
      } else if (t < 0 || t >= classes) {
        value = std::numeric_limits<double>::quiet_NaN();  // reported by the launcher
        weight = 0;
      } else {
        const A wt = w.defined() ? w.load<A>(t) : A(1);
        A v = -wt * (convert<A>(p[t * inner]) - l);
        if (eps != A(0)) {
          A smooth = 0;  // -sum_c w_c * log_softmax_c
          for (int64_t c = tid; c < classes; c += threads)
            smooth -= (w.defined() ? w.load<A>(c) : A(1)) * (convert<A>(p[c * inner]) - l);
          smooth = nn_detail::block_allreduce_sum<A>(smooth, sm);
          v = (A(1) - eps) * v + eps / static_cast<A>(classes) * smooth;
        }
        value = static_cast<double>(v);
        weight = static_cast<double>(wt);
      }
    }
    if (tid == 0) {
      row_loss[r] = value;
      if (row_weight) row_weight[r] = weight;
      if (loss_none) loss_none[r] = convert<T>(value);
    }
  }
}

// One block: the sums of row_loss and row_weight (or rows as the divisor when row_weight is
// null) in double, total_weight, the Mean/Sum loss (loss_reduced null for None), and in bad
// {row, value} of the first out-of-range target in tgt ({-1, 0} when all are valid).
template <class T>
__global__ void loss_finish_kernel(T* __restrict__ loss_reduced,
                                   compute_t<T>* __restrict__ total_weight,
                                   const double* __restrict__ row_loss,
                                   const double* __restrict__ row_weight,
                                   const int64_t* __restrict__ tgt, int64_t* __restrict__ bad,
                                   LossArgs a, bool sum) {
  using C = compute_t<T>;
  __shared__ double smem[kWarp];
  __shared__ int64_t sbad[kWarp];
  const int64_t tid = threadIdx.x, threads = blockDim.x;
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  double sl = 0, sw = 0;
  int64_t first_bad = kNone;
  for (int64_t r = tid; r < a.rows; r += threads) {
    sl += row_loss[r];
    if (row_weight) sw += row_weight[r];
    if (tgt) {
      const int64_t t = tgt[r];
      if (t != a.ignore_index && (t < 0 || t >= a.classes) && r < first_bad) first_bad = r;
    }
  }
  sl = nn_detail::block_allreduce_sum(sl, smem);
  sw = nn_detail::block_allreduce_sum(sw, smem);
  for (int o = kWarp / 2; o > 0; o /= 2) {
    const int64_t other = __shfl_xor_sync(0xffffffffu, first_bad, o);
    if (other < first_bad) first_bad = other;
  }
  if (tid % kWarp == 0) sbad[tid / kWarp] = first_bad;
  __syncthreads();
  if (tid != 0) return;
  for (int64_t i = 0; i < threads / kWarp; ++i)
    if (sbad[i] < first_bad) first_bad = sbad[i];
  const double divisor = row_weight ? sw : static_cast<double>(a.rows);
  total_weight[0] = static_cast<C>(divisor);
  if (loss_reduced) loss_reduced[0] = convert<T>(sum ? sl : sl / divisor);
  if (bad) {
    bad[0] = first_bad == kNone ? -1 : first_bad;
    bad[1] = first_bad == kNone ? 0 : tgt[first_bad];
  }
}

// ---- launchers ----

// Threads per row: a power of two from 32 to 1024 covering the row once where possible.
int row_threads(int64_t classes, bool row_pass) {
  if (!row_pass) return kWarp;
  int t = kWarp;
  while (t < 1024 && t < classes) t *= 2;
  return t;
}

// The shared body of both losses. tgt: class indices (nullptr for probability targets q).
template <class T>
void run_loss(const char* op, const Tensor& loss, const Tensor& total_weight, const Tensor& lse,
              const Tensor& input, const Tensor& target, const Tensor& weight, const LossArgs& a,
              ops::Reduction reduction, bool logits, bool prob) {
  using A = compute_t<T>;
  const Device dev = input.device();
  DeviceGuard guard(dev.index);
  const cudaStream_t stream = stream_of(input);
  Tensor wh;
  const AnyVec w = nn_detail::any_vec(weight, wh);
  // row losses, then row weights (class indices), in double
  const Tensor work = empty({(prob ? 1 : 2) * a.rows}, TensorOptions(kFloat64).device(dev));
  double* row_loss = work.data_ptr<double>();
  double* row_weight = prob ? nullptr : row_loss + a.rows;
  const T* px = input.data_ptr<T>();
  const int64_t* tgt = prob ? nullptr : target.data_ptr<int64_t>();
  const T* pq = prob ? target.data_ptr<T>() : nullptr;
  A* plse = logits ? lse.data_ptr<A>() : nullptr;
  T* none = reduction == ops::Reduction::None ? loss.data_ptr<T>() : nullptr;
  if (a.rows > 0) {
    const unsigned grid = static_cast<unsigned>(std::min(a.rows, kMaxGrid));
    const int threads = row_threads(a.classes, logits || prob || a.smoothing != 0.0);
    if (prob)
      loss_rows_kernel<T, true, true>
          <<<grid, threads, 0, stream>>>(px, tgt, pq, w, plse, row_loss, row_weight, none, a);
    else if (logits)
      loss_rows_kernel<T, true, false>
          <<<grid, threads, 0, stream>>>(px, tgt, pq, w, plse, row_loss, row_weight, none, a);
    else
      loss_rows_kernel<T, false, false>
          <<<grid, threads, 0, stream>>>(px, tgt, pq, w, plse, row_loss, row_weight, none, a);
    MICA_CUDA_LAUNCH_CHECK();
  }
  Tensor bad;
  if (!prob) bad = empty({2}, TensorOptions(kInt64).device(dev));
  loss_finish_kernel<T><<<1, kFinishThreads, 0, stream>>>(
      reduction == ops::Reduction::None ? nullptr : loss.data_ptr<T>(), total_weight.data_ptr<A>(),
      row_loss, row_weight, tgt, prob ? nullptr : bad.data_ptr<int64_t>(), a,
      reduction == ops::Reduction::Sum);
  MICA_CUDA_LAUNCH_CHECK();
  if (prob) return;
  int64_t host_bad[2] = {-1, 0};
  MICA_CUDA_CHECK(
      cudaMemcpyAsync(host_bad, bad.raw_data(), sizeof(host_bad), cudaMemcpyDeviceToHost, stream));
  MICA_CUDA_CHECK(cudaStreamSynchronize(stream));
  MICA_CHECK(host_bad[0] < 0, op, ": target value ", host_bad[1], " is out of range for ",
             a.classes, " classes (expected 0 <= target < ", a.classes, ", or ignore_index ",
             a.ignore_index, ")");
}

}  // namespace

void class_index_loss(const char* op, const Tensor& loss, const Tensor& total_weight,
                      const Tensor& lse, const Tensor& input, const Tensor& target,
                      const Tensor& weight, kernels::LossLayout layout, ops::Reduction reduction,
                      int64_t ignore_index, double label_smoothing, bool logits) {
  const LossArgs a{.rows = layout.rows(),
                   .classes = layout.classes,
                   .inner = layout.inner,
                   .ignore_index = ignore_index,
                   .smoothing = label_smoothing};
  dispatch_floating(input.dtype(), op, [&]<class T>() {
    run_loss<T>(op, loss, total_weight, lse, input, target, weight, a, reduction, logits, false);
  });
}

void prob_target_loss(const Tensor& loss, const Tensor& total_weight, const Tensor& lse,
                      const Tensor& logits, const Tensor& target, const Tensor& weight,
                      kernels::LossLayout layout, ops::Reduction reduction,
                      double label_smoothing) {
  const LossArgs a{.rows = layout.rows(),
                   .classes = layout.classes,
                   .inner = layout.inner,
                   .smoothing = label_smoothing};
  dispatch_floating(logits.dtype(), "cross_entropy", [&]<class T>() {
    run_loss<T>("cross_entropy", loss, total_weight, lse, logits, target, weight, a, reduction,
                true, true);
  });
}

}  // namespace mica::cuda
