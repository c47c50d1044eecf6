// CPU NLL / cross-entropy kernels. Rows of the input viewed as [outer, classes, inner] (row
// stride inner); cross_entropy fuses log_softmax into the loss: each row is read once for its
// running log-sum-exp, then only the target entry (and, with label smoothing or probability
// targets, the row once more) is touched. Per-row losses are summed in double in row order, so
// results do not depend on the thread count.
#include <cmath>
#include <limits>

#include "tensor/cpu/nn.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {
void check_targets(const char* op, const int64_t* t, int64_t rows, int64_t classes,
                   int64_t ignore_index) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t v = t[r];
    MICA_CHECK(v == ignore_index || (v >= 0 && v < classes), op, ": target value ", v,
               " is out of range for ", classes, " classes (expected 0 <= target < ", classes,
               ", or ignore_index ", ignore_index, ")");
  }
}

// Writes per-row losses (Reduction::None) or their sum / mean into loss, and the divisor.
template <class T>
void finish(const Tensor& loss, const Tensor& total_weight, const std::vector<double>& row_loss,
            double divisor, ops::Reduction reduction) {
  using C = compute_t<T>;
  total_weight.data_ptr<C>()[0] = static_cast<C>(divisor);
  T* out = loss.data_ptr<T>();
  if (reduction == ops::Reduction::None) {
    for (size_t r = 0; r < row_loss.size(); ++r) out[r] = convert<T>(row_loss[r]);
    return;
  }
  double sum = 0;
  for (double v : row_loss) sum += v;
  out[0] = convert<T>(reduction == ops::Reduction::Sum ? sum : sum / divisor);
}

int64_t grain_for(int64_t classes) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(classes, 1));
}
}  // namespace

void class_index_loss(const char* op, const Tensor& loss, const Tensor& total_weight,
                      const Tensor& lse, const Tensor& input, const Tensor& target,
                      const Tensor& weight, LossLayout layout, ops::Reduction reduction,
                      int64_t ignore_index, double label_smoothing, bool logits) {
  const int64_t rows = layout.rows(), classes = layout.classes, inner = layout.inner;
  const int64_t* tgt = target.data_ptr<int64_t>();
  check_targets(op, tgt, rows, classes, ignore_index);
  dispatch_floating(input.dtype(), op, [&]<class T>() {
    using A = compute_t<T>;
    const std::vector<A> w = read_vector<A>(weight);
    const T* x = input.data_ptr<T>();
    A* lse_out = logits ? lse.data_ptr<A>() : nullptr;
    const A eps = static_cast<A>(label_smoothing);
    std::vector<double> row_loss(static_cast<size_t>(rows)), row_weight(static_cast<size_t>(rows));
    parallel_for(0, rows, grain_for(classes), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const T* p = x + (r / inner) * classes * inner + r % inner;  // p[c * inner]: class c
        A l = 0;  // log-sum-exp of the row (0 for log-probability inputs)
        if (logits) {
          l = row_lse<T, A>(p, classes, inner).lse();
          lse_out[r] = l;
        }
        const int64_t t = tgt[r];
        if (t == ignore_index) {
          row_loss[r] = 0;
          row_weight[r] = 0;
          continue;
        }
        const A wt = w.empty() ? A(1) : w[t];
        A value = -wt * (convert<A>(p[t * inner]) - l);
        if (eps != A(0)) {
          A smooth = 0;  // -sum_c w_c * log_softmax_c
          if (w.empty()) {
#pragma omp simd reduction(- : smooth)
            for (int64_t c = 0; c < classes; ++c) smooth -= convert<A>(p[c * inner]) - l;
          } else {
            const A* wp = w.data();
#pragma omp simd reduction(- : smooth)
            for (int64_t c = 0; c < classes; ++c) smooth -= wp[c] * (convert<A>(p[c * inner]) - l);
          }
          value = (A(1) - eps) * value + eps / static_cast<A>(classes) * smooth;
        }
        row_loss[r] = static_cast<double>(value);
        row_weight[r] = static_cast<double>(wt);
      }
    });
    double total = 0;
    for (double v : row_weight) total += v;
    finish<T>(loss, total_weight, row_loss, total, reduction);
  });
}

void prob_target_loss(const Tensor& loss, const Tensor& total_weight, const Tensor& lse,
                      const Tensor& logits, const Tensor& target, const Tensor& weight,
                      LossLayout layout, ops::Reduction reduction, double label_smoothing) {
  const int64_t rows = layout.rows(), classes = layout.classes, inner = layout.inner;
  dispatch_floating(logits.dtype(), "cross_entropy", [&]<class T>() {
    using A = compute_t<T>;
    const std::vector<A> w = read_vector<A>(weight);
    const T* x = logits.data_ptr<T>();
    const T* q = target.data_ptr<T>();
    A* lse_out = lse.data_ptr<A>();
    const A eps = static_cast<A>(label_smoothing), n_classes = static_cast<A>(classes);
    std::vector<double> row_loss(static_cast<size_t>(rows));
    parallel_for(0, rows, grain_for(classes), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const int64_t off = (r / inner) * classes * inner + r % inner;
        const T* p = x + off;
        const T* pq = q + off;
        const A l = row_lse<T, A>(p, classes, inner).lse();
        lse_out[r] = l;
        A value = 0;
        for (int64_t c = 0; c < classes; ++c) {
          const A qc = kernels::smooth_target<A>(convert<A>(pq[c * inner]), eps, n_classes);
          value -= (w.empty() ? A(1) : w[c]) * qc * (convert<A>(p[c * inner]) - l);
        }
        row_loss[r] = static_cast<double>(value);
      }
    });
    finish<T>(loss, total_weight, row_loss, static_cast<double>(rows), reduction);
  });
}

}  // namespace mica::cpu
