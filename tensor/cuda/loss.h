// CUDA backend of the NLL / cross-entropy losses: the same contracts as tensor/cpu/nn.h's
// class_index_loss and prob_target_loss (front-ends in tensor/ops/loss.cpp validate shapes,
// make input and target contiguous and allocate). Built from loss.cu with CUDA, or from
// stub_loss.cpp without it (every call throws).
#pragma once

#include "tensor/kernels/nn.h"
#include "tensor/ops/nn.h"

namespace mica::cuda {

// input: contiguous [outer, classes, inner] on one GPU; target: contiguous int64 with rows
// elements (each in [0, classes) or ignore_index, else mica::Error naming op; checking costs one
// stream synchronization); weight: [classes] (any stride) or undefined. logits: input holds
// logits (cross_entropy; lse receives each row's log-sum-exp) rather than log-probabilities
// (nll_loss; lse undefined). loss: rows elements (Reduction::None) or 0-d; total_weight: 0-d.
void class_index_loss(const char* op, const Tensor& loss, const Tensor& total_weight,
                      const Tensor& lse, const Tensor& input, const Tensor& target,
                      const Tensor& weight, kernels::LossLayout layout, ops::Reduction reduction,
                      int64_t ignore_index, double label_smoothing, bool logits);
// Cross-entropy with probability targets: logits and target contiguous, same shape and dtype.
void prob_target_loss(const Tensor& loss, const Tensor& total_weight, const Tensor& lse,
                      const Tensor& logits, const Tensor& target, const Tensor& weight,
                      kernels::LossLayout layout, ops::Reduction reduction, double label_smoothing);

}  // namespace mica::cuda
