// EMA of weights: lerp of float shadows toward the parameters under NoGradGuard.
#include "optim/ema.h"

#include <algorithm>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/pointwise.h"
#include "tensor/shape.h"

namespace mica::optim {

namespace {

bool is_16bit(DType t) {
  return t == kBFloat16 || t == kFloat16;
}

}  // namespace

EMA::EMA(std::vector<Tensor> params, const EMAOptions& options)
    : params_(std::move(params)), options_(options) {
  MICA_CHECK(options_.decay >= 0 && options_.decay <= 1, "EMA: decay must be in [0, 1], got ",
             options_.decay);
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    MICA_CHECK(p.defined(), "EMA: tensor ", i, " is undefined");
    Tensor s = empty(p.sizes(), p.options().dtype(is_16bit(p.dtype()) ? kFloat32 : p.dtype()));
    s.copy_(p);
    shadow_.push_back(s);
  }
}

double EMA::decay_at(int64_t n) const {
  if (!options_.warmup) return options_.decay;
  const double nd = static_cast<double>(n);
  return std::min(options_.decay, (1 + nd) / (10 + nd));
}

void EMA::update() {
  NoGradGuard no_grad;
  const double weight = 1 - decay_at(num_updates_);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& s = shadow_[i];
    const Tensor& p = params_[i];
    MICA_CHECK(p.sizes() == s.sizes(), "EMA::update: tensor ", i, " changed shape from ",
               shape_str(s.sizes()), " to ", shape_str(p.sizes()));
    if (!s.is_floating_point()) {
      s.copy_(p);
    } else {
      ops::lerp_(s, p.dtype() == s.dtype() ? p : p.to(s.dtype()), weight);
    }
  }
  ++num_updates_;
}

void EMA::copy_to() const {
  copy_to(params_);
}

void EMA::copy_to(const std::vector<Tensor>& params) const {
  MICA_CHECK(params.size() == shadow_.size(), "EMA::copy_to: got ", params.size(),
             " tensors, the EMA tracks ", shadow_.size());
  NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    MICA_CHECK(params[i].sizes() == shadow_[i].sizes(), "EMA::copy_to: tensor ", i, " has shape ",
               shape_str(params[i].sizes()), ", its average has ", shape_str(shadow_[i].sizes()));
    Tensor(params[i]).copy_(shadow_[i]);
  }
}

void EMA::store() {
  NoGradGuard no_grad;
  stored_.clear();
  for (const Tensor& p : params_) stored_.push_back(p.detach().clone());
}

void EMA::restore() {
  MICA_CHECK(!stored_.empty() || params_.empty(), "EMA::restore: store() was not called");
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) Tensor(params_[i]).copy_(stored_[i]);
  stored_.clear();
}

nn::StateDict EMA::state_dict() const {
  nn::StateDict sd;
  for (size_t i = 0; i < shadow_.size(); ++i) sd.insert("shadow." + std::to_string(i), shadow_[i]);
  sd.insert("num_updates", scalar_tensor(num_updates_, kInt64));
  return sd;
}

void EMA::load_state_dict(const nn::StateDict& state) {
  MICA_CHECK(state.size() == shadow_.size() + 1, "EMA::load_state_dict: expected ",
             shadow_.size() + 1, " entries (", shadow_.size(), " shadows + num_updates), got ",
             state.size());
  MICA_CHECK(state.contains("num_updates") && state.at("num_updates").numel() == 1,
             "EMA::load_state_dict: missing 'num_updates'");
  for (size_t i = 0; i < shadow_.size(); ++i) {
    const std::string name = "shadow." + std::to_string(i);
    MICA_CHECK(state.contains(name), "EMA::load_state_dict: missing '", name, "'");
    MICA_CHECK(state.at(name).sizes() == shadow_[i].sizes(), "EMA::load_state_dict: '", name,
               "' has shape ", shape_str(state.at(name).sizes()), ", expected ",
               shape_str(shadow_[i].sizes()));
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < shadow_.size(); ++i)
    shadow_[i].copy_(state.at("shadow." + std::to_string(i)));
  num_updates_ = state.at("num_updates").item<int64_t>();
}

}  // namespace mica::optim
