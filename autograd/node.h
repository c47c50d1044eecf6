// The autograd graph: Node (a backward function), Edge (to the node of an input), and
// SavedVariable (a tensor kept for backward, checked against in-place modification).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace mica::autograd {

class Node;

// Where a gradient goes: input slot input_nr of fn (the fn's forward output number).
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// Shape, dtype and device of a forward input: the engine reduces (un-broadcasts) and casts each
// gradient a node returns to these, so backward formulas may return broadcast-shaped gradients.
struct InputMeta {
  Shape sizes;
  DType dtype = kFloat32;
  Device device;
};

using GradHook = std::function<Tensor(const Tensor&)>;

// A backward function. apply() receives the gradients of the forward outputs (undefined where
// none flowed) and returns one gradient per forward input (undefined where not needed).
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Frees saved tensors after a backward pass that does not retain the graph.
  virtual void release_saved() {}

  uint32_t num_outputs = 1;           // forward outputs = gradient slots this node receives
  std::vector<Edge> next_edges;       // one per forward input
  std::vector<InputMeta> input_meta;  // one per forward input
  uint64_t sequence_nr;               // creation order (later nodes run first on ties)
  // Hooks on the gradient of forward output `slot`, run before apply (register_hook, retain_grad).
  std::vector<std::pair<uint32_t, GradHook>> pre_hooks;

  bool released = false;  // set by the engine after release_saved
  // Whether gradient i is needed (its edge leads somewhere).
  bool needs_input_grad(size_t i) const { return i < next_edges.size() && next_edges[i].valid(); }
};

// A tensor saved for backward. Inputs are kept as they are (with their history, so
// create_graph works); outputs of the owning node are kept without history (no reference
// cycle) and get it back on unpack.
class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  // Throws when the tensor was modified in place after it was saved, or was released by an
  // earlier backward without retain_graph. owner: the node that saved it.
  Tensor unpack(const Node& owner) const;
  void reset() {
    data_ = Tensor();
    released_ = true;
  }
  bool defined() const { return data_.defined() || released_; }

 private:
  Tensor data_;
  uint64_t saved_version_ = 0;
  bool is_output_ = false;
  bool released_ = false;
  uint32_t output_nr_ = 0;
  std::weak_ptr<Node> grad_fn_;  // for outputs: the owning node
};

}  // namespace mica::autograd
