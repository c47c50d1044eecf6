// gradcheck / gradgradcheck (like torch.autograd.gradcheck): compares the analytic Jacobian
// from the engine with central finite differences, in float64.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace mica::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch: input, element, output, analytic vs numerical
  explicit operator bool() const { return ok; }
};

using TensorFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// inputs: float64 tensors; those with requires_grad are checked. fn must be deterministic.
GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs,
                          GradcheckOptions opts = {});
// Checks the gradient of fn's backward (gradients of gradients, with create_graph).
GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions opts = {});

}  // namespace mica::autograd
