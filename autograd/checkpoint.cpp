// Activation checkpointing: a node that keeps only fn and its inputs, and on backward recomputes
// fn with recording from the saved RNG state and backpropagates through the fresh graph.
#include "autograd/checkpoint.h"

#include "autograd/engine.h"
#include "autograd/function.h"
#include "tensor/generator.h"

namespace mica::autograd {

namespace {
class CheckpointBackward : public Node {
 public:
  MICA_NODE_NAME("CheckpointBackward")
  CheckpointFn fn;
  std::vector<SavedVariable> inputs;
  std::vector<bool> input_requires_grad;
  GeneratorState rng_state;

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    MICA_CHECK(!GradMode::is_enabled(),
               "checkpoint: create_graph (double backward) through a checkpointed function is not "
               "supported; call the function without checkpoint for gradients of gradients");
    std::vector<Tensor> detached;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].defined()) {
        detached.emplace_back();
        continue;
      }
      Tensor t = inputs[i].unpack(*this).detach();
      if (input_requires_grad[i]) t.requires_grad_(true);
      detached.push_back(t);
    }
    // Recompute from the forward's RNG state, then put the current state back.
    Generator& gen = default_generator();
    const GeneratorState current = gen.get_state();
    gen.set_state(rng_state);
    std::vector<Tensor> outputs;
    {
      AutoGradMode record(true);
      outputs = fn(detached);
    }
    gen.set_state(current);
    MICA_CHECK(outputs.size() == grads.size(), "checkpoint: the function returned ", outputs.size(),
               " outputs when recomputed but ", grads.size(), " in the forward pass");
    std::vector<Tensor> roots, seeds;
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (!grads[k].defined() || !outputs[k].defined() || !outputs[k].requires_grad()) continue;
      roots.push_back(outputs[k]);
      seeds.push_back(grads[k]);
    }
    if (!roots.empty()) backward(roots, seeds);
    std::vector<Tensor> result;
    for (size_t i = 0; i < detached.size(); ++i)
      result.push_back(input_requires_grad[i] ? detached[i].grad() : Tensor());
    return result;
  }
  void release_saved() override {
    for (SavedVariable& v : inputs) v.reset();
    fn = nullptr;
  }
};
}  // namespace

std::vector<Tensor> checkpoint(const CheckpointFn& fn, const std::vector<Tensor>& inputs) {
  auto node = make_node<CheckpointBackward>(inputs);
  if (!node) return fn(inputs);
  node->rng_state = default_generator().get_state();
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;  // nothing inside is recorded or saved
    outputs = fn(inputs);
  }
  node->fn = fn;
  node->num_outputs = static_cast<uint32_t>(outputs.size());
  for (const Tensor& t : inputs) {
    node->inputs.emplace_back(t.defined() ? SavedVariable(t, false) : SavedVariable());
    node->input_requires_grad.push_back(t.defined() && t.requires_grad());
  }
  for (size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].defined() && is_floating(outputs[k].dtype()))
      set_history(outputs[k], node, static_cast<uint32_t>(k));
  return outputs;
}

Tensor checkpoint(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x) {
  return checkpoint([fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0])}; },
                    {x})[0];
}

}  // namespace mica::autograd
