// The autograd layer's side of tensor/autograd_hooks.h: the hook table that makes Tensor's
// view/copy methods, backward(), grad(), hooks and detach() work, and init() that installs it.
#include <atomic>

#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/functions/view.h"
#include "tensor/ops.h"

namespace mica::autograd {

namespace {
std::atomic<int64_t> g_next_hook_id{1};

void hook_backward(const Tensor& root, const Tensor& gradient, bool retain_graph,
                   bool create_graph) {
  backward({root}, {gradient}, {.retain_graph = retain_graph, .create_graph = create_graph});
}

Tensor hook_grad(const Tensor& t) {
  AutogradMeta* m = meta(t);
  return m ? m->grad : Tensor();
}

void hook_set_grad(const Tensor& t, const Tensor& g) {
  MICA_CHECK(!g.defined() || g.sizes() == t.sizes(), "set_grad: gradient shape ",
             shape_str(g.sizes()), " does not match the tensor's shape ", shape_str(t.sizes()));
  ensure_meta(t).grad = g;
}

bool hook_is_leaf(const Tensor& t) {
  return grad_fn(t) == nullptr;
}

void hook_retain_grad(const Tensor& t) {
  const auto& fn = grad_fn(t);
  if (!fn) return;  // leaves keep their gradient anyway
  AutogradMeta& m = ensure_meta(t);
  if (m.retains_grad) return;
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = t.impl_ptr();
  fn->pre_hooks.push_back({m.output_nr, [weak](const Tensor& g) {
                             if (auto impl = weak.lock()) {
                               Tensor self(impl);
                               AutogradMeta& sm = ensure_meta(self);
                               sm.grad = sm.grad.defined()
                                             ? raw([&] { return ops::add(sm.grad, g); })
                                             : g.detach();
                             }
                             return Tensor();
                           }});
}

Tensor hook_detach(const Tensor& t) {
  Tensor d = alias_without_history(t);
  d.impl()->set_requires_grad(false);
  return d;
}

int64_t hook_register(const Tensor& t, std::function<Tensor(const Tensor&)> fn) {
  MICA_CHECK(t.requires_grad(), "register_hook: the tensor does not require grad");
  const int64_t id = g_next_hook_id.fetch_add(1);
  if (const auto& node = grad_fn(t)) {
    node->pre_hooks.push_back({ensure_meta(t).output_nr, std::move(fn)});
  } else {
    ensure_meta(t).leaf_hooks.push_back({id, std::move(fn)});
  }
  return id;
}

std::string hook_grad_fn_name(const Tensor& t) {
  const auto& fn = grad_fn(t);
  return fn ? fn->name() : "";
}

const AutogradHooks kHooks{
    .record_view = record_view,
    .record_copy = record_copy,
    .before_inplace = before_inplace,
    .after_copy_ = after_copy_,
    .backward = hook_backward,
    .grad = hook_grad,
    .set_grad = hook_set_grad,
    .is_leaf = hook_is_leaf,
    .retain_grad = hook_retain_grad,
    .detach = hook_detach,
    .register_hook = hook_register,
    .grad_fn_name = hook_grad_fn_name,
};
}  // namespace

void init() {
  if (!autograd_hooks_installed()) install_autograd_hooks(&kHooks);
}

}  // namespace mica::autograd
