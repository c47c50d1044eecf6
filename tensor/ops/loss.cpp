// nll_loss / cross_entropy front-ends: input/target/weight shape and dtype checks, the
// [outer, classes, inner] layout, output allocation, dispatch by device to tensor/cpu/loss.cpp
// or tensor/cuda/loss.cu.
#include "tensor/cuda/loss.h"
#include "tensor/cpu/nn.h"
#include "tensor/ops/common.h"

namespace mica::ops {

namespace {
DType stat_dtype(DType t) {
  return t == kFloat16 || t == kBFloat16 ? kFloat32 : t;
}

// input [C] -> batch shape []; [N, C, d1, ...] -> [N, d1, ...].
struct Layout {
  cpu::LossLayout rows;
  Shape batch;
};

Layout loss_layout(const char* op, const Tensor& input, const char* name) {
  MICA_CHECK(input.dim() >= 1, op, ": expected ", name, " of shape [C], [N, C] or [N, C, d1, ...]",
             ", got ", detail::describe(input));
  MICA_CHECK(is_floating(input.dtype()), op, ": expected a floating ", name, ", got ",
             detail::describe(input));
  Layout l;
  if (input.dim() == 1) {
    l.rows.classes = input.size(0);
    return l;
  }
  l.rows.outer = input.size(0);
  l.rows.classes = input.size(1);
  l.batch.push_back(input.size(0));
  for (int64_t i = 2; i < input.dim(); ++i) {
    l.rows.inner *= input.size(i);
    l.batch.push_back(input.size(i));
  }
  return l;
}

void check_weight(const char* op, const Tensor& weight, int64_t classes) {
  if (!weight.defined()) return;
  MICA_CHECK(weight.dim() == 1 && weight.size(0) == classes && is_floating(weight.dtype()), op,
             ": expected a floating weight of shape [", classes, "] (one per class), got ",
             detail::describe(weight));
}

void check_index_target(const char* op, const Tensor& input, const Tensor& target,
                        const Layout& l) {
  MICA_CHECK(target.dtype() == kInt64, op, ": expected class-index targets of dtype int64",
             std::string(op) == "cross_entropy" ? " (or floating class probabilities)" : "",
             ", got ", detail::describe(target));
  MICA_CHECK(target.sizes() == l.batch, op, ": target shape ", shape_str(target.sizes()),
             " does not match input shape ", shape_str(input.sizes()), " (expected target shape ",
             shape_str(l.batch), ")");
}

LossForward alloc(const Tensor& input, const Layout& l, Reduction reduction, bool with_lse) {
  const TensorOptions so = TensorOptions(stat_dtype(input.dtype())).device(input.device());
  LossForward f;
  f.loss = empty(reduction == Reduction::None ? l.batch : Shape{}, input.options());
  f.total_weight = empty({}, so);
  if (with_lse) f.lse = empty(l.batch, so);
  return f;
}
}  // namespace

LossForward nll_loss_forward(const Tensor& log_probs, const Tensor& target, const Tensor& weight,
                             Reduction reduction, int64_t ignore_index) {
  const char* op = "nll_loss";
  detail::check_defined(op, log_probs, "input");
  detail::check_defined(op, target, "target");
  const Layout l = loss_layout(op, log_probs, "input");
  check_index_target(op, log_probs, target, l);
  check_weight(op, weight, l.rows.classes);
  detail::check_same_device(op, {&log_probs, &target, &weight});
  LossForward f = alloc(log_probs, l, reduction, false);
  const auto run = log_probs.is_cuda() ? cuda::class_index_loss : cpu::class_index_loss;
  run(op, f.loss, f.total_weight, f.lse, log_probs.contiguous(), target.contiguous(), weight,
      l.rows, reduction, ignore_index, 0.0, false);
  return f;
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight,
                Reduction reduction, int64_t ignore_index) {
  return nll_loss_forward(log_probs, target, weight, reduction, ignore_index).loss;
}

LossForward cross_entropy_forward(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                  Reduction reduction, int64_t ignore_index,
                                  double label_smoothing) {
  const char* op = "cross_entropy";
  detail::check_defined(op, logits, "input");
  detail::check_defined(op, target, "target");
  const Layout l = loss_layout(op, logits, "input");
  MICA_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
             ": label_smoothing must be in [0, 1], got ", label_smoothing);
  check_weight(op, weight, l.rows.classes);
  detail::check_same_device(op, {&logits, &target, &weight});
  LossForward f = alloc(logits, l, reduction, true);
  if (is_floating(target.dtype())) {
    MICA_CHECK(target.sizes() == logits.sizes(), op, ": probability targets must have the ",
               "input's shape ", shape_str(logits.sizes()), ", got ", detail::describe(target));
    const Tensor q = target.dtype() == logits.dtype() ? target : target.to(logits.dtype());
    const auto run = logits.is_cuda() ? cuda::prob_target_loss : cpu::prob_target_loss;
    run(f.loss, f.total_weight, f.lse, logits.contiguous(), q.contiguous(), weight, l.rows,
        reduction, label_smoothing);
  } else {
    check_index_target(op, logits, target, l);
    const auto run = logits.is_cuda() ? cuda::class_index_loss : cpu::class_index_loss;
    run(op, f.loss, f.total_weight, f.lse, logits.contiguous(), target.contiguous(), weight, l.rows,
        reduction, ignore_index, label_smoothing, true);
  }
  return f;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     Reduction reduction, int64_t ignore_index, double label_smoothing) {
  return cross_entropy_forward(logits, target, weight, reduction, ignore_index, label_smoothing)
      .loss;
}

}  // namespace mica::ops
