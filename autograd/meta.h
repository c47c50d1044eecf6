// Per-tensor autograd state (stored in TensorImpl's opaque slot): accumulated gradient, the
// node that produced the tensor, hooks; and the helpers that connect tensors to the graph.
#pragma once

#include "autograd/node.h"
#include "tensor/autograd_hooks.h"

namespace mica::autograd {

struct AutogradMeta : AutogradMetaInterface {
  Tensor grad;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;  // leaves: their AccumulateGrad node, made on demand
  std::vector<std::pair<int64_t, GradHook>> leaf_hooks;  // leaves: run before accumulation
  bool retains_grad = false;
};

// The meta of t, or null when t never touched autograd.
AutogradMeta* meta(const Tensor& t);
AutogradMeta& ensure_meta(const Tensor& t);
const std::shared_ptr<Node>& grad_fn(const Tensor& t);
// Where t's gradient must go: its grad_fn, or its leaf accumulator; invalid when t needs none.
Edge gradient_edge(const Tensor& t);
// Makes out an output of fn (output number output_nr): out requires grad and is not a leaf.
void set_history(const Tensor& out, const std::shared_ptr<Node>& fn, uint32_t output_nr = 0);
// A new handle on t's storage (same version counter) with no autograd state.
Tensor alias_without_history(const Tensor& t);

// Installs the hook table that makes Tensor's methods differentiable. Idempotent and cheap;
// every differentiable op calls it, and including mica.h runs it before main.
void init();

}  // namespace mica::autograd
