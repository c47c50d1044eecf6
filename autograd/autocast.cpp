// Autocast state (thread-local, per device type) and the two casts the op wrappers apply.
#include "autograd/autocast.h"

#include "tensor/error.h"

namespace mica {

namespace {
struct AutocastState {
  std::optional<DType> cpu, cuda;
};
thread_local AutocastState t_state;

std::optional<DType>& slot(DeviceType device_type) {
  return device_type == kCPU ? t_state.cpu : t_state.cuda;
}
}  // namespace

AutocastGuard::AutocastGuard(DType dtype, DeviceType device_type)
    : previous_{t_state.cpu, t_state.cuda} {
  MICA_CHECK(dtype == kBFloat16 || dtype == kFloat16,
             "AutocastGuard: the autocast dtype must be bfloat16 or float16, got ",
             dtype_name(dtype));
  slot(device_type) = dtype;
}

AutocastGuard AutocastGuard::disabled() {
  AutocastGuard g{DisabledTag{}};
  g.previous_ = {t_state.cpu, t_state.cuda};
  t_state = {};
  return g;
}

AutocastGuard::AutocastGuard(AutocastGuard&& o) noexcept
    : previous_(o.previous_), active_(o.active_) {
  o.active_ = false;
}

AutocastGuard::~AutocastGuard() {
  if (active_) t_state = {previous_.cpu, previous_.cuda};
}

std::optional<DType> autocast_dtype(DeviceType device_type) {
  return slot(device_type);
}

namespace autocast {

Tensor lower(const Tensor& x) {
  if (!x.defined() || (!t_state.cpu && !t_state.cuda)) return x;
  const std::optional<DType> d = slot(x.device().type);
  if (!d || !is_floating(x.dtype()) || x.dtype() == kFloat64 || x.dtype() == *d) return x;
  return x.to(*d);
}

Tensor to_float(const Tensor& x) {
  if (!x.defined() || (!t_state.cpu && !t_state.cuda)) return x;
  if (!slot(x.device().type)) return x;
  if (x.dtype() != kBFloat16 && x.dtype() != kFloat16) return x;
  return x.to(kFloat32);
}

}  // namespace autocast
}  // namespace mica
