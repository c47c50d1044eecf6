// Custom functions: forward runs unrecorded; when an input requires grad, the outputs are wired
// to a CustomFunctionNode whose apply calls the user's backward with the saved context.
#include "autograd/custom_function.h"

#include <algorithm>

#include "autograd/meta.h"
#include "tensor/ops/factory.h"

namespace mica::autograd {

namespace {
bool contains_same(const std::vector<Tensor>& list, const Tensor& t) {
  return std::any_of(list.begin(), list.end(), [&](const Tensor& u) { return u.is_same(t); });
}
}  // namespace

void FunctionContext::save_for_backward(std::vector<Tensor> tensors) {
  to_save_ = std::move(tensors);
}

std::vector<Tensor> FunctionContext::saved_tensors() const {
  if (!owner_) return to_save_;  // still in forward
  std::vector<Tensor> out;
  out.reserve(saved_.size());
  for (const SavedVariable& v : saved_) out.push_back(v.defined() ? v.unpack(*owner_) : Tensor());
  return out;
}

void FunctionContext::mark_non_differentiable(std::vector<Tensor> outputs) {
  for (Tensor& t : outputs) non_differentiable_.push_back(std::move(t));
}

std::vector<Tensor> CustomFunctionNode::run(
    const std::string& name, const std::vector<Tensor>& inputs,
    std::vector<Tensor> (*forward)(FunctionContext&, const std::vector<Tensor>&),
    BackwardFn backward) {
  const bool record = any_requires_grad(inputs);
  FunctionContext ctx;
  for (const Tensor& t : inputs)
    ctx.needs_input_grad_.push_back(record && t.defined() && t.requires_grad());
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;  // the user's forward is not recorded
    outputs = forward(ctx, inputs);
  }
  if (!record) return outputs;

  init();
  auto node = std::make_shared<CustomFunctionNode>();
  connect(*node, inputs);
  node->name_ = name;
  node->backward_ = backward;
  node->num_outputs = static_cast<uint32_t>(outputs.size());
  const std::vector<Tensor> raw_outputs = outputs;
  for (size_t k = 0; k < outputs.size(); ++k) {
    Tensor& o = outputs[k];
    node->output_meta_.push_back(o.defined() ? InputMeta{o.sizes(), o.dtype(), o.device()}
                                             : InputMeta{});
    if (!o.defined() || !is_floating(o.dtype()) || contains_same(ctx.non_differentiable_, o))
      continue;
    // An input returned as an output gets a new handle, so the input keeps its own history.
    if (contains_same(inputs, o)) o = alias_without_history(o);
    set_history(o, node, static_cast<uint32_t>(k));
  }
  // Saved outputs keep their new history (double backward); anything else is saved as an input.
  for (const Tensor& t : ctx.to_save_) {
    if (!t.defined()) {
      ctx.saved_.emplace_back();
      continue;
    }
    auto it = std::find_if(raw_outputs.begin(), raw_outputs.end(),
                           [&](const Tensor& u) { return u.is_same(t); });
    if (it != raw_outputs.end()) {
      const Tensor& out = outputs[static_cast<size_t>(it - raw_outputs.begin())];
      ctx.saved_.emplace_back(out, grad_fn(out) == node);
    } else {
      ctx.saved_.emplace_back(t, false);
    }
  }
  ctx.to_save_.clear();
  node->ctx_ = std::move(ctx);
  node->ctx_.owner_ = node.get();
  return outputs;
}

std::vector<Tensor> CustomFunctionNode::apply(std::vector<Tensor>&& grads) {
  for (size_t k = 0; k < grads.size(); ++k) {
    if (grads[k].defined() || !ctx_.materialize_grads_) continue;
    const InputMeta& m = output_meta_[k];
    if (is_floating(m.dtype)) grads[k] = zeros(m.sizes, TensorOptions(m.dtype).device(m.device));
  }
  std::vector<Tensor> out = backward_(ctx_, grads);
  MICA_CHECK(out.size() == next_edges.size(), name(), ": backward returned ", out.size(),
             " gradients for ", next_edges.size(), " inputs (return an undefined Tensor for an ",
             "input without gradient)");
  // The engine fits each gradient to its input (un-broadcast, cast) and rejects wrong shapes.
  for (size_t i = 0; i < out.size(); ++i)
    if (!needs_input_grad(i)) out[i] = Tensor();
  return out;
}

void CustomFunctionNode::release_saved() {
  for (SavedVariable& v : ctx_.saved_) v.reset();
}

}  // namespace mica::autograd
