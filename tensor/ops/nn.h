// Raw (non-differentiable) nn ops that are not spatial: softmax/log_softmax, layer/RMS/group/
// batch normalization, and the NLL/cross-entropy losses. PyTorch semantics; the *_forward
// variants also return the statistics a backward pass needs.
#pragma once

#include <optional>

#include "tensor/tensor.h"

namespace mica::ops {

// How a loss reduces its per-element values (PyTorch's reduction='none'|'mean'|'sum').
enum class Reduction { None, Mean, Sum };

// ---- softmax ----
// x: [*], any floating dtype; softmax along dim (negative dims wrap; a 0-d x takes dim 0 or -1).
// dtype: cast x to it first (torch's dtype= argument). Output: x's shape, x's (or dtype's) dtype.
// Numerically stable (max subtraction); 16-bit floats compute in float.
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
// The first-order backward of softmax (log = false) or log_softmax (log = true) along dim from
// the forward's output y and its gradient grad (same shape and floating dtype; 16-bit compute in
// float): y * (grad - sum(grad * y, dim)), or grad - exp(y) * sum(grad, dim).
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log);

// ---- normalization ----
// Statistics tensors (mean, rstd, invstd) are float32 for 16-bit inputs, else x's dtype.
struct NormForward {
  Tensor out;
  Tensor mean;
  Tensor rstd;  // 1 / sqrt(biased var + eps)
};

// x: [*, normalized_shape...], weight, bias: normalized_shape (each optional: undefined Tensor).
// out = (x - mean) * rstd * weight + bias over the trailing normalized dims; out has x's dtype.
// mean, rstd: [*, 1, ..., 1] (x's leading dims, then a 1 per normalized dim, like torch).
NormForward layer_norm_forward(const Tensor& x, const Shape& normalized_shape,
                               const Tensor& weight = {}, const Tensor& bias = {},
                               double eps = 1e-5);
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// x: [*, normalized_shape...], weight: normalized_shape (optional).
// out = x * rsqrt(mean(x^2) + eps) * weight (torch 2.4's rms_norm); eps defaults to the machine
// epsilon of the compute type (float for float32/16-bit, double for float64).
// rstd: [*, 1, ..., 1] like layer_norm's.
struct RmsNormForward {
  Tensor out;
  Tensor rstd;  // 1 / sqrt(mean(x^2) + eps)
};
RmsNormForward rms_norm_forward(const Tensor& x, const Shape& normalized_shape,
                                const Tensor& weight = {},
                                std::optional<double> eps = std::nullopt);
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);

// x: [N, C, *], weight, bias: [C] (optional). C must be divisible by num_groups (G); each of
// the N * G groups of C / G channels (and all their spatial positions) is normalized.
// mean, rstd: [N, G].
NormForward group_norm_forward(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                               const Tensor& bias = {}, double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// x: [N, C, *], running_mean, running_var, weight, bias: [C] (each optional: undefined Tensor).
// training: normalizes with the batch statistics (biased variance) and, when given, updates
//   running_mean/running_var in place: r = (1 - momentum) * r + momentum * batch_stat, using
//   the unbiased variance for running_var (like torch). Needs more than one value per channel.
// eval: normalizes with running_mean/running_var (both required).
// save_mean, save_invstd: [C], the statistics the output was normalized with (in eval mode the
//   running statistics and 1 / sqrt(running_var + eps), where torch returns empty tensors).
struct BatchNormForward {
  Tensor out;
  Tensor save_mean;
  Tensor save_invstd;
};
BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& running_mean,
                                    const Tensor& running_var, const Tensor& weight = {},
                                    const Tensor& bias = {}, bool training = false,
                                    double momentum = 0.1, double eps = 1e-5);
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// ---- losses ----
// Shapes for the class-index losses: input [N, C] with target [N], input [C] with target [],
// or input [N, C, d1, ...] with target [N, d1, ...]; target is int64 in [0, C) or ignore_index.
// weight: [C] (optional) rescales each class. Reduction::None gives target's shape;
// Mean divides the summed losses by the summed weights of the non-ignored targets (NaN when
// all are ignored); Sum sums. Losses have the input's dtype.
struct LossForward {
  Tensor loss;
  // The mean's divisor (0-d; float32 for 16-bit inputs, else the input's dtype): the summed
  // weights of the non-ignored targets, or for probability targets the number of rows.
  Tensor total_weight;
  // cross_entropy only: the log-sum-exp of each row of logits (the batch shape: input's shape
  // without the class dim; float32 for 16-bit inputs), so a backward can rebuild softmax.
  Tensor lse;
};

// log_probs: see above. loss_i = -weight[target_i] * log_probs[i, target_i].
LossForward nll_loss_forward(const Tensor& log_probs, const Tensor& target,
                             const Tensor& weight = {}, Reduction reduction = Reduction::Mean,
                             int64_t ignore_index = -100);
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = {},
                Reduction reduction = Reduction::Mean, int64_t ignore_index = -100);

// logits: as log_probs above; log_softmax over the class dim fused with the NLL (one pass per
// row). target is either
//  - class indices (int64, shapes as above): with label smoothing s, loss_i =
//    (1 - s) * nll_i + s / C * sum_c -weight[c] * log_softmax(logits)[i, c] (0 when ignored);
//  - class probabilities (a floating tensor of logits' shape): loss_i =
//    -sum_c weight[c] * q[i, c] * log_softmax(logits)[i, c] with q = (1 - s) * target + s / C;
//    Mean divides by the number of rows (N * d1 * ...); ignore_index does not apply.
LossForward cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                  const Tensor& weight = {}, Reduction reduction = Reduction::Mean,
                                  int64_t ignore_index = -100, double label_smoothing = 0.0);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = {},
                     Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);

}  // namespace mica::ops
