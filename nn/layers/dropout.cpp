// nn::Dropout: mica::dropout with the module's training flag.
#include "nn/layers/dropout.h"

#include <cstdio>

#include "autograd/ops/norm.h"
#include "tensor/error.h"

namespace mica::nn {

Dropout::Dropout(double p_) : Module("Dropout"), p(p_) {
  MICA_CHECK(p >= 0 && p <= 1, "Dropout: probability must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) const {
  return dropout(x, p, is_training(), generator);
}

std::string Dropout::extra_repr() const {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "p=%g", p);
  return buf;
}

}  // namespace mica::nn
