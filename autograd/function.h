// Helpers for writing differentiable ops: decide whether to record, create a node wired to the
// inputs' gradient edges, and attach it to the outputs. Typical use:
//
//   Tensor exp(const Tensor& x) {
//     Tensor out = raw([&] { return ops::exp(x); });
//     if (auto node = make_node<ExpBackward>({&x})) {
//       set_history(out, node);  // first, so the saved output keeps its history (double backward)
//       node->result = SavedVariable(out, /*is_output=*/true);
//     }
//     return out;
//   }
#pragma once

#include <initializer_list>
#include <memory>

#include "autograd/meta.h"

namespace mica::autograd {

// Runs a raw op with Tensor's view/copy methods left raw inside it.
template <class F>
decltype(auto) raw(F&& f) {
  BelowAutogradGuard guard;
  return f();
}

// True when grad mode is on and any defined input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Wires node's next_edges and input_meta to inputs (in order).
void connect(Node& node, std::initializer_list<const Tensor*> inputs);
void connect(Node& node, const std::vector<Tensor>& inputs);

// A new N connected to inputs when recording is needed, else nullptr.
template <class N>
std::shared_ptr<N> make_node(std::initializer_list<const Tensor*> inputs) {
  if (!any_requires_grad(inputs)) return nullptr;
  init();
  auto node = std::make_shared<N>();
  connect(*node, inputs);
  return node;
}
template <class N>
std::shared_ptr<N> make_node(const std::vector<Tensor>& inputs) {
  if (!any_requires_grad(inputs)) return nullptr;
  init();
  auto node = std::make_shared<N>();
  connect(*node, inputs);
  return node;
}

// "AddBackward"-style names: every node type states its own.
#define MICA_NODE_NAME(n)             \
  std::string name() const override { \
    return n;                         \
  }

}  // namespace mica::autograd
