// The tensor layer's door to autograd. Grad mode lives here (thread-local), and so does a table
// of functions that the autograd layer installs (AutogradHooks) so that Tensor's view and copy
// methods, backward() and grad() are differentiable without the tensor layer linking to
// autograd. Dispatch is explicit: a Tensor method that needs autograd calls autograd_hooks().
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tensor/shape.h"

namespace mica {

class Tensor;

// ---- grad mode (thread-local, like torch::GradMode) ----
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Disables gradient recording in its scope (like torch::NoGradGuard).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Sets grad mode to `enabled` in its scope (torch::AutoGradMode).
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled);
  ~AutoGradMode();
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

// Inference scope (torch::InferenceMode's name and use): nothing is recorded, as under
// NoGradGuard. mica's no-grad path already skips all autograd bookkeeping (no nodes, no saved
// tensors, no view records), so the two cost the same; InferenceMode::is_enabled() additionally
// lets code keep inference-only state (e.g. a KV cache) only where no gradient can be wanted.
class InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true);
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  static bool is_enabled();

 private:
  bool previous_grad_;
  bool previous_inference_;
};

// Marks code that runs below the differentiable layer (the raw op a differentiable wrapper
// calls): Tensor's view/copy methods used inside stay raw there.
class BelowAutogradGuard {
 public:
  BelowAutogradGuard();
  ~BelowAutogradGuard();
  BelowAutogradGuard(const BelowAutogradGuard&) = delete;
  BelowAutogradGuard& operator=(const BelowAutogradGuard&) = delete;
  static bool active();
};

// True when an operation on t must be recorded: grad mode on, not below autograd, t requires
// grad, and the autograd layer is installed (without it no graph exists, and backward() says so).
bool needs_autograd(const Tensor& t);

// ---- the hook table ----
enum class ViewKind {
  View,       // view / reshape without copy / flatten / unflatten: args.sizes = the input's sizes
  Permute,    // args.dims = the permutation
  Expand,     // args.sizes = the input's sizes (gradient summed back)
  Squeeze,    // args.sizes = the input's sizes
  Unsqueeze,  // args.sizes = the input's sizes
  Slice,      // args.dim, args.start, args.step (args.sizes = the input's sizes)
  Select,     // args.dim, args.start = index (args.sizes = the input's sizes)
  Diagonal,   // args.start = offset, args.dims = {dim1, dim2}, args.sizes = the input's sizes
  AsStrided,  // args.sizes = the input's sizes; the view's geometry is its own
};

struct ViewRecord {
  ViewKind kind;
  Shape sizes;  // the base tensor's sizes
  Shape dims;
  int64_t dim = 0;
  int64_t start = 0;
  int64_t step = 1;
};

enum class CopyKind { Clone, ToDtype, ToDevice };

struct AutogradHooks {
  // out is a raw view of base (sharing storage); attaches the view's backward to out.
  void (*record_view)(const Tensor& base, Tensor& out, const ViewRecord& rec);
  // out is a fresh copy (clone / contiguous, dtype or device conversion) of in.
  void (*record_copy)(const Tensor& in, Tensor& out, CopyKind kind);
  // Called before self is modified in place (op names the operation); src (may be undefined)
  // is what is copied into self. Refuses leaves that require grad; records copy_ history.
  void (*before_inplace)(const Tensor& self, const char* op);
  void (*after_copy_)(Tensor& self, const Tensor& src);
  void (*backward)(const Tensor& root, const Tensor& gradient, bool retain_graph,
                   bool create_graph);
  Tensor (*grad)(const Tensor& t);
  void (*set_grad)(const Tensor& t, const Tensor& grad);
  bool (*is_leaf)(const Tensor& t);
  void (*retain_grad)(const Tensor& t);
  Tensor (*detach)(const Tensor& t);
  // Registers fn(grad) -> new grad (or undefined Tensor to keep grad) on t; returns a handle.
  int64_t (*register_hook)(const Tensor& t, std::function<Tensor(const Tensor&)> fn);
  std::string (*grad_fn_name)(const Tensor& t);
};

// Installed by mica::autograd::init() (the autograd layer calls it itself; including mica.h does
// too). Throws a mica::Error naming op when autograd is needed but not installed.
const AutogradHooks& autograd_hooks(const char* op);
void install_autograd_hooks(const AutogradHooks* hooks);
bool autograd_hooks_installed();

}  // namespace mica
