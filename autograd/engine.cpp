// The backward engine: discovers the graph from the roots with an explicit stack (no recursion,
// so 10,000-deep chains are fine), counts dependencies, runs each node once all its incoming
// gradients are summed (in one place: accumulate()), reduces each produced gradient to its
// input's shape and dtype, and releases saved tensors unless the graph is retained.
#include "autograd/engine.h"
#include "autograd/autocast.h"

#include <atomic>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "autograd/accumulate_grad.h"
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops/reduction.h"

namespace mica::autograd {

namespace {
std::atomic<bool> g_anomaly{false};

// Sums a gradient into a slot: the only place where gradients of one tensor are added up.
void accumulate(Tensor& slot, Tensor g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
  } else {
    slot = add(slot, g);  // differentiable when the backward is being recorded
  }
}

bool has_nan_or_inf(const Tensor& g) {
  if (!g.defined() || !is_floating(g.dtype()) || g.numel() == 0) return false;
  NoGradGuard no_grad;
  const Tensor finite_sum = raw([&] { return ops::sum(g.to(kFloat64)); });
  return !std::isfinite(finite_sum.item<double>());
}

// Fits a gradient produced for forward input i to that input: un-broadcast, cast.
Tensor fit_to_input(Tensor g, const InputMeta& m, const Node& node, size_t i) {
  if (!g.defined()) return g;
  if (g.sizes() != m.sizes) {
    MICA_CHECK(broadcast_shapes(g.sizes(), m.sizes, "backward") == g.sizes(), node.name(),
               ": returned a gradient of shape ", shape_str(g.sizes()), " for input ", i,
               " of shape ", shape_str(m.sizes));
    g = sum_to(g, m.sizes);
  }
  if (g.dtype() != m.dtype && is_floating(m.dtype)) g = g.to(m.dtype);
  return g;
}

struct Target {
  Node* node;
  uint32_t slot;
};

// Runs the graph. With targets (grad()), nothing is accumulated into leaves: the gradients
// arriving at the targets are returned instead, and nodes that lead to no target are skipped.
std::vector<Tensor> run(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs,
                        bool retain_graph, bool create_graph, const std::vector<Edge>* targets) {
  init();
  MICA_CHECK(grad_outputs.empty() || grad_outputs.size() == roots.size(), "backward: got ",
             roots.size(), " tensors but ", grad_outputs.size(), " gradients");
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::vector<std::shared_ptr<Node>> root_nodes;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    MICA_CHECK(r.defined(), "backward: tensor ", i, " is undefined");
    const Edge e = gradient_edge(r);
    MICA_CHECK(e.valid(), "backward: tensor ", i, " (shape ", shape_str(r.sizes()),
               ") does not require grad ",
               "and has no grad_fn (did you compute it under NoGradGuard, or from tensors without "
               "requires_grad?)");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      MICA_CHECK(r.numel() == 1,
                 "backward: a gradient can be created implicitly only for one-element outputs; ",
                 "tensor ", i, " has shape ", shape_str(r.sizes()),
                 " (pass a gradient of that shape)");
      g = ones_like(r);
    } else {
      MICA_CHECK(g.sizes() == r.sizes(), "backward: gradient ", i, " has shape ",
                 shape_str(g.sizes()), " but the tensor has shape ", shape_str(r.sizes()));
    }
    auto& buf = buffers[e.fn.get()];
    buf.resize(e.fn->num_outputs);
    accumulate(buf[e.input_nr], g);
    root_nodes.push_back(e.fn);
  }

  // Discover the graph (explicit stack) and count incoming edges.
  std::unordered_map<Node*, int> deps;
  std::unordered_map<Node*, std::shared_ptr<Node>> keep_alive;
  std::vector<Node*> order;  // discovery order, for the "needed" pass
  {
    std::vector<Node*> stack;
    std::unordered_set<Node*> seen;
    for (auto& n : root_nodes)
      if (seen.insert(n.get()).second) {
        stack.push_back(n.get());
        keep_alive[n.get()] = n;
      }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next_edges) {
        if (!e.valid()) continue;
        ++deps[e.fn.get()];
        if (seen.insert(e.fn.get()).second) {
          keep_alive[e.fn.get()] = e.fn;
          stack.push_back(e.fn.get());
        }
      }
    }
  }

  // For grad(): which nodes lead to a target (computed by iterating to a fixed point in
  // reverse discovery order; cheap next to the backward itself).
  std::unordered_set<Node*> needed;
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> target_slots;
  std::vector<Tensor> captured;
  if (targets) {
    captured.resize(targets->size());
    for (size_t i = 0; i < targets->size(); ++i)
      if ((*targets)[i].valid())
        target_slots[(*targets)[i].fn.get()].push_back({(*targets)[i].input_nr, i});
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (needed.count(n)) continue;
        bool need = false;
        for (const Edge& e : n->next_edges)
          if (e.valid() && (needed.count(e.fn.get()) || target_slots.count(e.fn.get())))
            need = true;
        if (need) {
          needed.insert(n);
          changed = true;
        }
      }
    }
  }

  AutoGradMode mode(create_graph);
  // Backward formulas run in the dtypes the forward saved, whatever autocast region the caller is
  // in.
  const AutocastGuard no_autocast = AutocastGuard::disabled();
  std::vector<Node*> ready;
  for (auto& n : root_nodes)
    if (deps[n.get()] == 0 && std::find(ready.begin(), ready.end(), n.get()) == ready.end())
      ready.push_back(n.get());
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    std::vector<Tensor> grads = std::move(buffers[n]);
    buffers.erase(n);
    grads.resize(n->num_outputs);
    for (auto& [slot, hook] : n->pre_hooks) {
      if (slot < grads.size() && grads[slot].defined()) {
        Tensor replaced = hook(grads[slot]);
        if (replaced.defined()) grads[slot] = replaced;
      }
    }
    if (targets) {
      auto ts = target_slots.find(n);
      if (ts != target_slots.end())
        for (auto [slot, idx] : ts->second) accumulate(captured[idx], grads[slot]);
    }
    const bool any_grad =
        std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); });
    const bool execute =
        any_grad && (!targets || (needed.count(n) && dynamic_cast<AccumulateGrad*>(n) == nullptr));
    if (execute) {
      MICA_CHECK(
          !n->released, n->name(),
          ": its saved tensors were already freed by an earlier backward; ",
          "call backward(..., retain_graph=true) to backward through the graph a second time");
      std::vector<Tensor> out = n->apply(std::move(grads));
      MICA_CHECK(out.size() == n->next_edges.size() || out.empty(), n->name(), ": returned ",
                 out.size(), " gradients for ", n->next_edges.size(), " inputs");
      for (size_t i = 0; i < out.size(); ++i) {
        const Edge& e = n->next_edges[i];
        if (!e.valid() || !out[i].defined()) continue;
        Tensor g = fit_to_input(std::move(out[i]), n->input_meta[i], *n, i);
        if (g_anomaly.load() && has_nan_or_inf(g))
          MICA_FAIL("anomaly: ", n->name(),
                    " returned a gradient with NaN or Inf values for its input ", i, " (shape ",
                    shape_str(g.sizes()), ")");
        auto& buf = buffers[e.fn.get()];
        buf.resize(e.fn->num_outputs);
        accumulate(buf[e.input_nr], std::move(g));
      }
      if (!retain_graph &&
          dynamic_cast<AccumulateGrad*>(n) == nullptr) {  // accumulators are reused
        n->release_saved();
        n->released = true;
      }
    }
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      if (--deps[e.fn.get()] == 0) ready.push_back(e.fn.get());
    }
  }
  return captured;
}
}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs,
              BackwardOptions opts) {
  run(roots, grad_outputs, opts.retain_graph || opts.create_graph, opts.create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, GradOptions opts) {
  std::vector<Edge> targets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    MICA_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i,
               " does not require grad");
    targets.push_back(gradient_edge(inputs[i]));
  }
  std::vector<Tensor> result = run(outputs, grad_outputs, opts.retain_graph || opts.create_graph,
                                   opts.create_graph, &targets);
  for (size_t i = 0; i < result.size(); ++i) {
    MICA_CHECK(result[i].defined() || opts.allow_unused, "grad: input ", i, " (shape ",
               shape_str(inputs[i].sizes()),
               ") was not used to compute the outputs (pass allow_unused = true)");
    if (result[i].defined() && result[i].sizes() != inputs[i].sizes())
      result[i] = sum_to(result[i], inputs[i].sizes());
  }
  return result;
}

bool AnomalyMode::is_enabled() {
  return g_anomaly.load();
}
void AnomalyMode::set_enabled(bool enabled) {
  g_anomaly.store(enabled);
}
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(g_anomaly.load()) {
  g_anomaly.store(true);
}
DetectAnomalyGuard::~DetectAnomalyGuard() {
  g_anomaly.store(previous_);
}

}  // namespace mica::autograd
