// MasterWeights: float32 master copies of low-precision (bfloat16/float16) parameters for
// mixed-precision training. The optimizer is built on master_params(); each step copies the
// model's gradients up to float32, steps, and rounds the masters back into the model:
//   MasterWeights mw(model_params);
//   AdamW opt(mw.master_params(), {.lr = 1e-3});
//   loss.backward(); mw.step(opt); mw.zero_grad();
// float32/float64 parameters are their own masters (no copy).
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace mica::optim {

class MasterWeights {
 public:
  explicit MasterWeights(std::vector<Tensor> model_params);

  // The float32 masters (leaves requiring grad), in the order of the model's parameters.
  const std::vector<Tensor>& master_params() const { return master_; }
  const std::vector<Tensor>& model_params() const { return model_; }

  // master.grad = model.grad in float32 (undefined stays undefined).
  void copy_grads_to_master();
  // model = master rounded to the model's dtype (round to nearest even).
  void copy_master_to_model();
  // copy_grads_to_master(), optimizer.step(), copy_master_to_model().
  void step(Optimizer& optimizer);
  // Clears the gradients of the model and of the masters.
  void zero_grad();
  // Re-reads the masters from the model (after loading model weights).
  void copy_model_to_master();

 private:
  std::vector<Tensor> model_, master_;
  std::vector<bool> copied_;  // whether master_[i] is a separate float32 copy
};

}  // namespace mica::optim
