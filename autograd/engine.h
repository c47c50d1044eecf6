// The backward engine and the public entry points: backward() (accumulate into leaves' .grad)
// and grad() (return gradients of chosen inputs without touching .grad), anomaly mode.
#pragma once

#include <vector>

#include "autograd/node.h"

namespace mica::autograd {

struct BackwardOptions {
  bool retain_graph = false;  // keep saved tensors for another backward through the same graph
  bool create_graph = false;  // record the backward pass itself (gradients of gradients)
};

// Backpropagates from roots (each a scalar, or with grad_outputs of its shape) into the .grad()
// of every leaf that requires grad.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs = {},
              BackwardOptions opts = {});

struct GradOptions {
  bool retain_graph = false;
  bool create_graph = false;
  bool allow_unused = false;  // an input the outputs do not depend on gives an undefined tensor
};

// Gradients of outputs with respect to inputs (like torch.autograd.grad); .grad() is untouched.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, GradOptions opts = {});

// Anomaly mode: after each node's backward, gradients are checked for NaN/Inf and the first
// offending node is named in a mica::Error.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();

 private:
  bool previous_;
};

}  // namespace mica::autograd
