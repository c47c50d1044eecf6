// MasterWeights: float32 copies of 16-bit parameters, gradients copied up, weights copied down.
#include "optim/master_weights.h"

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"

namespace mica::optim {

MasterWeights::MasterWeights(std::vector<Tensor> model_params) : model_(std::move(model_params)) {
  NoGradGuard no_grad;
  for (size_t i = 0; i < model_.size(); ++i) {
    const Tensor& p = model_[i];
    MICA_CHECK(p.defined() && p.is_floating_point(), "MasterWeights: parameter ", i,
               " must be a floating tensor");
    const bool low = p.dtype() == kBFloat16 || p.dtype() == kFloat16;
    if (!low) {
      master_.push_back(p);
    } else {
      Tensor m = empty(p.sizes(), p.options().dtype(kFloat32));
      m.copy_(p);
      m.requires_grad_();
      master_.push_back(m);
    }
    copied_.push_back(low);
  }
}

void MasterWeights::copy_grads_to_master() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < model_.size(); ++i) {
    if (!copied_[i]) continue;
    const Tensor g = model_[i].grad();
    if (!g.defined()) {
      master_[i].set_grad(Tensor());
      continue;
    }
    Tensor mg = master_[i].grad();
    if (!mg.defined()) {
      mg = empty(master_[i].sizes(), master_[i].options());
      master_[i].set_grad(mg);
    }
    mg.copy_(g);
  }
}

void MasterWeights::copy_master_to_model() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < model_.size(); ++i)
    if (copied_[i]) model_[i].copy_(master_[i]);
}

void MasterWeights::copy_model_to_master() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < model_.size(); ++i)
    if (copied_[i]) master_[i].copy_(model_[i]);
}

void MasterWeights::step(Optimizer& optimizer) {
  copy_grads_to_master();
  optimizer.step();
  copy_master_to_model();
}

void MasterWeights::zero_grad() {
  for (size_t i = 0; i < model_.size(); ++i) {
    model_[i].set_grad(Tensor());
    if (copied_[i]) master_[i].set_grad(Tensor());
  }
}

}  // namespace mica::optim
