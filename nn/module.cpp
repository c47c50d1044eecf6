// nn::Module: registration, traversal, modes, in-place device/dtype moves, state dicts, printer.
#include "nn/module.h"

#include <ostream>
#include <unordered_set>

#include "autograd/meta.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"

namespace mica::nn {

namespace {
std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string list_str(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s;
}
}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {
  autograd::init();  // parameters need autograd even when only nn/nn.h is included
}

void Module::check_new_name(const std::string& name, const char* what) const {
  MICA_CHECK(!name.empty(), type_name_, ": ", what, " name must not be empty");
  MICA_CHECK(name.find('.') == std::string::npos, type_name_, ": ", what, " name '", name,
             "' must not contain '.'");
  bool taken = false;
  for (const auto& p : params_) taken |= p.first == name;
  for (const auto& b : buffers_) taken |= b.name == name;
  for (const auto& c : children_) taken |= c.name == name;
  MICA_CHECK(!taken, type_name_, ": cannot register ", what, " '", name,
             "': the name is already used by a parameter, buffer or submodule");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name(name, "parameter");
  MICA_CHECK(t.defined(), type_name_, ": parameter '", name, "' is an undefined tensor");
  MICA_CHECK(t.is_leaf(), type_name_, ": parameter '", name,
             "' must be a leaf tensor (detach() it first)");
  if (t.is_floating_point() || t.requires_grad()) t.requires_grad_(requires_grad);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_new_name(name, "buffer");
  MICA_CHECK(t.defined(), type_name_, ": buffer '", name, "' is an undefined tensor");
  if (t.requires_grad()) t = t.detach();
  buffers_.push_back({name, t, persistent});
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m,
                       std::function<Tensor(const Tensor&)> forward) {
  check_new_name(name, "submodule");
  MICA_CHECK(m != nullptr, type_name_, ": submodule '", name, "' is null");
  MICA_CHECK(m.get() != this, type_name_, ": a module cannot be its own submodule ('", name, "')");
  children_.push_back({name, std::move(m), std::move(forward)});
}

void Module::set_child(const std::string& name, std::shared_ptr<Module> m,
                       std::function<Tensor(const Tensor&)> forward) {
  MICA_CHECK(m != nullptr, type_name_, ": replacement for submodule '", name, "' is null");
  for (Child& c : children_) {
    if (c.name != name) continue;
    c.module = std::move(m);
    c.forward = std::move(forward);
    child_replaced(name, c.module);
    return;
  }
  MICA_FAIL(type_name_, ": replace_module: no submodule named '", name, "'");
}

void Module::unregister_module(const std::string& name) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->name != name) continue;
    children_.erase(it);
    return;
  }
  MICA_FAIL(type_name_, ": unregister_module: no submodule named '", name, "'");
}

// ---- traversal ----

void Module::visit_params(const std::string& prefix, bool recurse,
                          const std::function<void(const std::string&, const Tensor&)>& fn) const {
  for (const auto& p : params_) fn(join(prefix, p.first), p.second);
  if (!recurse) return;
  for (const Child& c : children_) c.module->visit_params(join(prefix, c.name), true, fn);
}

void Module::visit_buffers(const std::string& prefix, bool recurse, bool persistent_only,
                           const std::function<void(const std::string&, const Tensor&)>& fn) const {
  for (const Buffer& b : buffers_)
    if (b.persistent || !persistent_only) fn(join(prefix, b.name), b.tensor);
  if (!recurse) return;
  for (const Child& c : children_)
    c.module->visit_buffers(join(prefix, c.name), true, persistent_only, fn);
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict out;
  std::unordered_set<const TensorImpl*> seen;
  visit_params("", recurse, [&](const std::string& n, const Tensor& t) {
    if (seen.insert(t.impl()).second) out.insert(n, t);
  });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (const auto& item : named_parameters(recurse)) out.push_back(item.second);
  return out;
}

StateDict Module::named_buffers(bool recurse) const {
  StateDict out;
  std::unordered_set<const TensorImpl*> seen;
  visit_buffers("", recurse, false, [&](const std::string& n, const Tensor& t) {
    if (seen.insert(t.impl()).second) out.insert(n, t);
  });
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (const auto& item : named_buffers(recurse)) out.push_back(item.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const Child& c : children_) out.push_back(c.module);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  for (const Child& c : children_) out.emplace_back(c.name, c.module);
  return out;
}

std::shared_ptr<Module> Module::self_ptr() {
  if (auto p = weak_from_this().lock()) return p;
  return std::shared_ptr<Module>(std::shared_ptr<Module>(), this);  // non-owning
}

void Module::collect_modules(const std::string& prefix, const std::shared_ptr<Module>& self,
                             std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out,
                             std::vector<const Module*>& seen) {
  for (const Module* s : seen)
    if (s == this) return;
  seen.push_back(this);
  out.emplace_back(prefix, self);
  for (const Child& c : children_)
    c.module->collect_modules(join(prefix, c.name), c.module, out, seen);
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules(
    bool include_self) {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::vector<const Module*> seen;
  collect_modules("", self_ptr(), out, seen);
  if (!include_self) out.erase(out.begin());
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& item : named_modules(include_self)) out.push_back(std::move(item.second));
  return out;
}

std::shared_ptr<Module> Module::get_submodule(const std::string& path) const {
  MICA_CHECK(!path.empty(), type_name_, ": get_submodule: empty path");
  const Module* cur = this;
  std::shared_ptr<Module> found;
  size_t start = 0;
  std::string walked;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    found = nullptr;
    for (const Child& c : cur->children_)
      if (c.name == part) found = c.module;
    MICA_CHECK(found != nullptr, type_name_, ": get_submodule('", path,
               "'): ", walked.empty() ? std::string("the module") : "'" + walked + "'",
               " has no submodule named '", part, "'");
    walked = join(walked, part);
    if (dot == std::string::npos) return found;
    cur = found.get();
    start = dot + 1;
  }
}

const std::function<Tensor(const Tensor&)>& Module::child_forward(const std::string& name) const {
  for (const Child& c : children_)
    if (c.name == name) return c.forward;
  MICA_FAIL(type_name_, ": no submodule named '", name, "'");
}

// ---- modes, device, gradients ----

void Module::train(bool on) {
  training_ = on;
  for (const Child& c : children_) c.module->train(on);
}

namespace {
// Makes t's TensorImpl describe src's data (storage, geometry, dtype) while keeping the object
// itself, its requires_grad flag, its autograd state (gradient, hooks) and its version counter
// (bumped): every handle on t, such as an optimizer's, sees the new data. Like torch's
// Variable::set_data.
void set_data(const Tensor& t, const Tensor& src) {
  TensorImpl& impl = *t.impl();
  TensorImpl fresh(src.impl()->storage(), src.storage_offset(), src.sizes(), src.strides(),
                   src.dtype(), impl.version_counter());
  fresh.set_requires_grad(impl.requires_grad());
  if (const autograd::AutogradMeta* m = autograd::meta(t))
    fresh.set_autograd_meta(std::make_unique<autograd::AutogradMeta>(*m));
  impl = std::move(fresh);
  impl.bump_version();
}
}  // namespace

void Module::convert(const std::function<Tensor(const Tensor&)>& fn) {
  NoGradGuard no_grad;
  std::unordered_set<const TensorImpl*> seen;
  auto move = [&](const Tensor& t) {
    if (!seen.insert(t.impl()).second) return;
    Tensor converted = fn(t);
    if (!converted.is_same(t)) set_data(t, converted);
  };
  visit_params("", true, [&](const std::string&, const Tensor& p) {
    move(p);
    if (Tensor g = p.grad(); g.defined()) {
      // The gradient follows its parameter (a new tensor; set_grad checks the shape only).
      Tensor converted = fn(g);
      if (!converted.is_same(g)) p.set_grad(converted);
    }
  });
  visit_buffers("", true, false, [&](const std::string&, const Tensor& b) { move(b); });
}

Module& Module::to(Device device) {
  convert([&](const Tensor& t) { return t.device() == device ? t : t.to(device); });
  return *this;
}

Module& Module::to(DType dtype) {
  convert([&](const Tensor& t) {
    return (!t.is_floating_point() || t.dtype() == dtype) ? t : t.to(dtype);
  });
  return *this;
}

Module& Module::to(Device device, DType dtype) {
  convert([&](const Tensor& t) {
    const DType dt = t.is_floating_point() ? dtype : t.dtype();
    return (t.device() == device && t.dtype() == dt) ? t : t.to(device, dt);
  });
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      Tensor d = g.detach();
      d.zero_();
      p.set_grad(d);
    }
  }
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (const Child& c : children_) c.module->apply(fn);
  fn(*this);
  return *this;
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

Module& Module::requires_grad_(bool requires_grad) {
  for (const Tensor& p : parameters()) {
    Tensor h = p;
    if (h.is_floating_point()) h.requires_grad_(requires_grad);
  }
  return *this;
}

// ---- state ----

void Module::collect_state(const std::string& prefix, StateDict& out) const {
  // torch's order: each module's own parameters, then its persistent buffers, then children.
  for (const auto& p : params_) out.insert(join(prefix, p.first), p.second);
  for (const Buffer& b : buffers_)
    if (b.persistent) out.insert(join(prefix, b.name), b.tensor);
  for (const Child& c : children_) c.module->collect_state(join(prefix, c.name), out);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", out);
  return out;
}

LoadResult Module::load_state_dict(const StateDict& sd, bool strict) {
  const StateDict own = state_dict();
  LoadResult result;
  std::vector<std::string> mismatches;
  for (const auto& [name, dst] : own) {
    if (!sd.contains(name)) {
      result.missing_keys.push_back(name);
      continue;
    }
    const Tensor& src = sd.at(name);
    MICA_CHECK(src.defined(), type_name_, ": load_state_dict: '", name, "' is undefined");
    if (src.sizes() != dst.sizes())
      mismatches.push_back("'" + name + "': checkpoint " + shape_str(src.sizes()) + " vs model " +
                           shape_str(dst.sizes()));
  }
  for (const auto& item : sd)
    if (!own.contains(item.first)) result.unexpected_keys.push_back(item.first);

  const bool key_errors =
      strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty());
  if (!mismatches.empty() || key_errors) {
    std::string msg = type_name_ + ": load_state_dict failed:";
    if (strict && !result.missing_keys.empty())
      msg += "\n  missing keys (" + std::to_string(result.missing_keys.size()) +
             "): " + list_str(result.missing_keys);
    if (strict && !result.unexpected_keys.empty())
      msg += "\n  unexpected keys (" + std::to_string(result.unexpected_keys.size()) +
             "): " + list_str(result.unexpected_keys);
    if (!mismatches.empty()) {
      msg += "\n  shape mismatches (" + std::to_string(mismatches.size()) + "):";
      for (const std::string& m : mismatches) msg += "\n    " + m;
    }
    throw Error(msg);
  }

  NoGradGuard no_grad;
  for (const auto& [name, dst] : own) {
    if (!sd.contains(name)) continue;
    const Tensor& src = sd.at(name);
    if (src.is_same(dst)) continue;
    Tensor d = dst;
    d.copy_(src);
  }
  return result;
}

// ---- printing ----

void Module::repr_into(std::string& out, int indent) const {
  // torch's layout: the extra repr inline when there are no children, else on its own line.
  const std::string extra = extra_repr();
  if (children_.empty()) {
    out += type_name_ + "(" + extra + ")";
    return;
  }
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  out += type_name_ + "(\n";
  if (!extra.empty()) out += pad + extra + "\n";
  for (const Child& c : children_) {
    out += pad + "(" + c.name + "): ";
    c.module->repr_into(out, indent + 2);
    out += "\n";
  }
  out += std::string(static_cast<size_t>(indent), ' ') + ")";
}

std::string Module::repr() const {
  std::string out;
  repr_into(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  return os << m.repr();
}

}  // namespace mica::nn
