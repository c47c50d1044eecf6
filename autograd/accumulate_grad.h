// AccumulateGrad: the node at a leaf that adds incoming gradients into leaf.grad().
#pragma once

#include "autograd/node.h"

namespace mica::autograd {

class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf);
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  const Tensor& leaf() const { return leaf_; }

 private:
  Tensor leaf_;
};

}  // namespace mica::autograd
