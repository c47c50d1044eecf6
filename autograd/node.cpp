// Node construction (sequence numbers) and SavedVariable's version checks.
#include "autograd/node.h"

#include <atomic>

#include "autograd/meta.h"

namespace mica::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

Node::Node() : sequence_nr(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

SavedVariable::SavedVariable(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  saved_version_ = t.version();
  if (is_output) {
    data_ = alias_without_history(t);
    if (AutogradMeta* m = meta(t)) {
      grad_fn_ = m->grad_fn;
      output_nr_ = m->output_nr;
    }
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(const Node& owner) const {
  MICA_CHECK(!released_, owner.name(),
             ": its saved tensors were already freed by an earlier backward; ",
             "call backward(..., retain_graph=true) to backward through the graph a second time");
  if (!data_.defined()) return Tensor();
  MICA_CHECK(data_.version() == saved_version_, owner.name(), ": a tensor of shape ",
             shape_str(data_.sizes()),
             " saved for backward was modified by an in-place operation (it is at version ",
             data_.version(), ", it was saved at version ", saved_version_,
             "); compute on a clone() instead");
  if (!is_output_) return data_;
  // An output gets its history back so that create_graph can differentiate through it.
  auto fn = grad_fn_.lock();
  if (!fn || !GradMode::is_enabled()) return data_;
  Tensor t = alias_without_history(data_);
  set_history(t, fn, output_nr_);
  return t;
}

}  // namespace mica::autograd
