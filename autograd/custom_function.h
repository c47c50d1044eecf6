// User-written differentiable functions (like torch::autograd::Function): a forward on tensors
// that runs without recording, and a backward that returns one gradient per input. Example, a
// straight-through estimator for rounding:
//
//   struct RoundSTE {
//     static std::vector<Tensor> forward(autograd::FunctionContext& ctx,
//                                        const std::vector<Tensor>& in) {
//       return {ops::round(in[0])};
//     }
//     static std::vector<Tensor> backward(autograd::FunctionContext& ctx,
//                                         const std::vector<Tensor>& grad_out) {
//       return {grad_out[0]};  // pass the gradient straight through
//     }
//   };
//   Tensor y = autograd::apply_function<RoundSTE>({x})[0];
//
// backward receives one gradient per output (zeros where none flowed, unless
// set_materialize_grads(false), then undefined) and returns one per input (undefined = none).
// Written with the differentiable API (mica::mul, ...), backward supports create_graph.
#pragma once

#include <any>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/function.h"
#include "autograd/node.h"

namespace mica::autograd {

class FunctionContext {
 public:
  // Tensors needed by backward (inputs or outputs); version-checked like built-in ops' saves.
  void save_for_backward(std::vector<Tensor> tensors);
  // The saved tensors (in backward); throws if modified in place since.
  std::vector<Tensor> saved_tensors() const;
  // Non-tensor state for backward (sizes, flags, scalars).
  std::map<std::string, std::any> saved_data;
  // Outputs that get no gradient (e.g. indices); they do not require grad.
  void mark_non_differentiable(std::vector<Tensor> outputs);
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether input i requires a gradient (valid in forward and backward).
  bool needs_input_grad(size_t i) const {
    return i < needs_input_grad_.size() && needs_input_grad_[i];
  }

 private:
  friend class CustomFunctionNode;
  std::vector<Tensor> to_save_;  // raw, during forward
  std::vector<SavedVariable> saved_;
  std::vector<Tensor> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  bool materialize_grads_ = true;
  const Node* owner_ = nullptr;
};

// The node recorded for a custom function: calls the user's backward.
class CustomFunctionNode : public Node {
 public:
  using BackwardFn = std::vector<Tensor> (*)(FunctionContext&,
                                             const std::vector<Tensor>& grad_outputs);
  std::string name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  void release_saved() override;

  // Runs forward, then (when recording) wires the outputs to a new node.
  static std::vector<Tensor> run(const std::string& name, const std::vector<Tensor>& inputs,
                                 std::vector<Tensor> (*forward)(FunctionContext&,
                                                                const std::vector<Tensor>&),
                                 BackwardFn backward);

 private:
  std::string name_;
  BackwardFn backward_ = nullptr;
  FunctionContext ctx_;
  std::vector<InputMeta> output_meta_;  // to materialize missing output gradients as zeros
};

// Applies F (a type with static forward and backward as above, and optionally a
// `static constexpr const char* name` shown as the node's name) to inputs.
template <class F>
std::vector<Tensor> apply_function(const std::vector<Tensor>& inputs) {
  std::string name = "CustomFunctionBackward";
  if constexpr (requires { F::name; }) name = std::string(F::name) + "Backward";
  return CustomFunctionNode::run(name, inputs, &F::forward, &F::backward);
}

}  // namespace mica::autograd
