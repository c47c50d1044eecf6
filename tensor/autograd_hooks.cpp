// Grad mode, the below-autograd marker and the autograd hook table (see autograd_hooks.h).
#include "tensor/autograd_hooks.h"

#include <atomic>

#include "tensor/error.h"
#include "tensor/tensor.h"

namespace mica {

namespace {
thread_local bool t_grad_enabled = true;
thread_local int t_below_autograd = 0;
thread_local bool t_inference = false;
std::atomic<const AutogradHooks*> g_hooks{nullptr};
}  // namespace

bool GradMode::is_enabled() {
  return t_grad_enabled;
}
void GradMode::set_enabled(bool enabled) {
  t_grad_enabled = enabled;
}

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) {
  t_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  t_grad_enabled = previous_;
}

AutoGradMode::AutoGradMode(bool enabled) : previous_(t_grad_enabled) {
  t_grad_enabled = enabled;
}
AutoGradMode::~AutoGradMode() {
  t_grad_enabled = previous_;
}

InferenceMode::InferenceMode(bool enabled)
    : previous_grad_(t_grad_enabled), previous_inference_(t_inference) {
  t_inference = enabled;
  if (enabled) t_grad_enabled = false;
}
InferenceMode::~InferenceMode() {
  t_grad_enabled = previous_grad_;
  t_inference = previous_inference_;
}
bool InferenceMode::is_enabled() {
  return t_inference;
}

BelowAutogradGuard::BelowAutogradGuard() {
  ++t_below_autograd;
}
BelowAutogradGuard::~BelowAutogradGuard() {
  --t_below_autograd;
}
bool BelowAutogradGuard::active() {
  return t_below_autograd > 0;
}

bool needs_autograd(const Tensor& t) {
  return t_grad_enabled && t_below_autograd == 0 && t.defined() && t.requires_grad() &&
         g_hooks.load(std::memory_order_relaxed) != nullptr;
}

const AutogradHooks& autograd_hooks(const char* op) {
  const AutogradHooks* h = g_hooks.load(std::memory_order_acquire);
  MICA_CHECK(h != nullptr, op, ": needs mica's autograd layer, which is not initialized ",
             "(link mica::mica and include mica.h, or call mica::autograd::init())");
  return *h;
}

void install_autograd_hooks(const AutogradHooks* hooks) {
  g_hooks.store(hooks, std::memory_order_release);
}
bool autograd_hooks_installed() {
  return g_hooks.load(std::memory_order_acquire) != nullptr;
}

}  // namespace mica
