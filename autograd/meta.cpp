// AutogradMeta access, gradient edges (with lazily created leaf accumulators) and history.
#include "autograd/meta.h"

#include "autograd/accumulate_grad.h"
#include "autograd/function.h"

namespace mica::autograd {

AutogradMeta* meta(const Tensor& t) {
  return t.defined() ? static_cast<AutogradMeta*>(t.impl()->autograd_meta()) : nullptr;
}

AutogradMeta& ensure_meta(const Tensor& t) {
  if (AutogradMeta* m = meta(t)) return *m;
  t.impl()->set_autograd_meta(std::make_unique<AutogradMeta>());
  return *meta(t);
}

const std::shared_ptr<Node>& grad_fn(const Tensor& t) {
  static const std::shared_ptr<Node> none;
  AutogradMeta* m = meta(t);
  return m ? m->grad_fn : none;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  AutogradMeta* m = meta(t);
  if (m && m->grad_fn) return {m->grad_fn, m->output_nr};
  if (!t.requires_grad()) return {};
  AutogradMeta& leaf = ensure_meta(t);
  std::shared_ptr<Node> acc = leaf.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    leaf.grad_accumulator = acc;
  }
  return {acc, 0};
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  AutogradMeta& m = ensure_meta(out);
  m.grad_fn = fn;
  m.output_nr = output_nr;
  out.impl()->set_requires_grad(true);
}

Tensor alias_without_history(const Tensor& t) {
  return t.make_view(t.sizes(), t.strides(), t.storage_offset());
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

namespace {
void connect_one(Node& node, const Tensor& t) {
  node.next_edges.push_back(gradient_edge(t));
  if (t.defined())
    node.input_meta.push_back({t.sizes(), t.dtype(), t.device()});
  else
    node.input_meta.push_back({});
}
}  // namespace

void connect(Node& node, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* t : inputs) connect_one(node, t ? *t : Tensor());
}

void connect(Node& node, const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) connect_one(node, t);
}

}  // namespace mica::autograd
