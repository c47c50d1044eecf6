// nn::Module: the base of every layer and model — named parameters, buffers and child modules,
// train/eval mode, device/dtype moves, freezing, state_dict()/load_state_dict() and a
// torch-like printer.
//
// Style of the nn API (PyTorch's C++ frontend without ModuleHolder):
//   - Modules are plain classes held by std::shared_ptr and built with std::make_shared.
//   - Constructors follow PyTorch's Python signatures: the required sizes are positional
//     arguments, and a layer with several optional settings takes them as a last `XxxOptions`
//     struct with defaults, written with designated initializers:
//         nn::Linear fc(768, 3072, {.bias = false});
//         auto fc = std::make_shared<nn::Linear>(768, 3072, nn::LinearOptions{.bias = false});
//     Layers with one or two optional scalars take them positionally, as in Python
//     (nn::Dropout(0.1), nn::LeakyReLU(0.2), nn::GELU("tanh")).
//   - A module's tensors are public members set from the register_* calls; there is no virtual
//     forward (signatures differ): call m->forward(x). Tensor -> Tensor modules can be chained
//     in nn::Sequential.
//   - A user module:
//         struct MLP : nn::Module {
//           MLP() : Module("MLP") {
//             fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
//             fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));
//           }
//           Tensor forward(const Tensor& x) { return fc2->forward(relu(fc1->forward(x))); }
//           std::shared_ptr<nn::Linear> fc1, fc2;
//         };
//   - Parameters keep their identity for the module's lifetime: to(), load_state_dict(), init
//     functions and LoRA merge change their data in place, so optimizers built from
//     parameters() stay valid.
#pragma once

#include <concepts>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/state_dict.h"
#include "tensor/tensor.h"

namespace mica::nn {

class Module;

// What load_state_dict(sd, strict = false) skipped (strict mode throws instead).
struct LoadResult {
  std::vector<std::string> missing_keys;     // the module's names absent from sd
  std::vector<std::string> unexpected_keys;  // sd's names the module does not have
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // type_name is what the printer shows ("Linear", "MLP").
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& type_name() const { return type_name_; }

  // ---- registration (names: non-empty, no '.', unique among parameters, buffers, children) ----
  // Registers a leaf tensor as a parameter (requires_grad set as given; integer tensors never
  // require grad) and returns the same handle.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  // Registers a buffer (never requires grad). Non-persistent buffers stay out of state_dict().
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  // Registers a child module and returns it with its own type.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    add_child(name, module, unary_forward(module));
    return module;
  }
  // Replaces the existing child `name` (containers call their forward through the new one).
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "replace_module: M must derive from nn::Module");
    set_child(name, module, unary_forward(module));
    return module;
  }

  // Removes the child `name` (throws mica::Error when there is none).
  void unregister_module(const std::string& name);

  // ---- traversal (torch's order: depth-first, a module's own tensors before its children's,
  // registration order within a module; shared tensors/modules listed once) ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  // Dotted names: "h.0.attn.c_attn.weight".
  StateDict named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  StateDict named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module (name "") and all descendants. A root not owned by a shared_ptr is listed
  // through a non-owning pointer.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules(
      bool include_self = true);
  // The descendant at a dotted path ("h.0.attn"); throws mica::Error naming the missing part.
  std::shared_ptr<Module> get_submodule(const std::string& path) const;
  // The child's Tensor -> Tensor forward (set when its type has one), else null.
  const std::function<Tensor(const Tensor&)>& child_forward(const std::string& name) const;

  // ---- modes ----
  // Sets training mode on this module and all descendants.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // ---- device, dtype, gradients ----
  // Moves/converts every parameter, buffer and gradient in place (same handles). to(dtype)
  // converts floating tensors only, like torch.
  Module& to(Device device);
  Module& to(DType dtype);
  Module& to(Device device, DType dtype);
  // Clears every parameter's gradient: undefined (set_to_none) or zero-filled.
  void zero_grad(bool set_to_none = true);
  // fn on every descendant, then on this module (torch's order).
  Module& apply(const std::function<void(Module&)>& fn);
  // Elements of all (trainable_only: requires_grad) parameters, shared ones counted once.
  int64_t num_parameters(bool trainable_only = false) const;
  // Sets requires_grad on every floating parameter of the subtree (false: freeze).
  Module& requires_grad_(bool requires_grad = true);

  // ---- state ----
  // Parameters and persistent buffers under dotted names (the tensors themselves, not copies),
  // in torch's order: per module its parameters, its buffers, then its children.
  StateDict state_dict() const;
  // Copies sd's tensors into the parameters and buffers in place (converting dtype/device)
  // under NoGradGuard. Every problem is reported in one mica::Error: shape mismatches always,
  // missing and unexpected keys when strict. Nothing is copied when it throws.
  LoadResult load_state_dict(const StateDict& sd, bool strict = true);

  // ---- printing ----
  // The arguments shown inside the parentheses ("in_features=3, out_features=4, bias=True").
  virtual std::string extra_repr() const { return ""; }
  // The torch-style repr, with children indented one level per depth.
  std::string repr() const;

 protected:
  // Called after replace_module swapped the child `name` (containers keep their views in sync).
  virtual void child_replaced(const std::string& name, const std::shared_ptr<Module>& m) {
    (void)name;
    (void)m;
  }

  bool training_ = true;

 private:
  struct Child {
    std::string name;
    std::shared_ptr<Module> module;
    std::function<Tensor(const Tensor&)> forward;
  };
  struct Buffer {
    std::string name;
    Tensor tensor;
    bool persistent;
  };

  template <class M>
  static std::function<Tensor(const Tensor&)> unary_forward(const std::shared_ptr<M>& m) {
    if constexpr (requires(M & mm, const Tensor& x) {
                    { mm.forward(x) } -> std::convertible_to<Tensor>;
                  }) {
      M* raw_ptr = m.get();
      return [raw_ptr](const Tensor& x) -> Tensor { return raw_ptr->forward(x); };
    } else {
      return {};
    }
  }

  void check_new_name(const std::string& name, const char* what) const;
  void add_child(const std::string& name, std::shared_ptr<Module> m,
                 std::function<Tensor(const Tensor&)> forward);
  void set_child(const std::string& name, std::shared_ptr<Module> m,
                 std::function<Tensor(const Tensor&)> forward);
  std::shared_ptr<Module> self_ptr();
  // Visits (dotted name, tensor) of parameters or buffers in the subtree, duplicates included.
  void visit_params(const std::string& prefix, bool recurse,
                    const std::function<void(const std::string&, const Tensor&)>& fn) const;
  void visit_buffers(const std::string& prefix, bool recurse, bool persistent_only,
                     const std::function<void(const std::string&, const Tensor&)>& fn) const;
  void collect_state(const std::string& prefix, StateDict& out) const;
  void collect_modules(const std::string& prefix, const std::shared_ptr<Module>& self,
                       std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out,
                       std::vector<const Module*>& seen);
  void convert(const std::function<Tensor(const Tensor&)>& fn);
  void repr_into(std::string& out, int indent) const;

  std::string type_name_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<Buffer> buffers_;
  std::vector<Child> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace mica::nn
