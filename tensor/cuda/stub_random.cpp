// The CUDA random entry points (tensor/cuda/random.h) for a build without CUDA: each throws.
#include "tensor/cuda/random.h"

namespace mica::cuda {

void uniform_(const Tensor&, double, double, PhiloxDraw) {
  MICA_FAIL("uniform_: mica was built without CUDA");
}
void normal_(const Tensor&, double, double, PhiloxDraw) {
  MICA_FAIL("normal_: mica was built without CUDA");
}
void randint_(const Tensor&, int64_t, uint64_t, PhiloxDraw) {
  MICA_FAIL("randint: mica was built without CUDA");
}
void bernoulli_(const Tensor&, double, PhiloxDraw) {
  MICA_FAIL("bernoulli_: mica was built without CUDA");
}
void bernoulli_(const Tensor&, const Tensor&, PhiloxDraw) {
  MICA_FAIL("bernoulli_: mica was built without CUDA");
}
void dropout(const Tensor&, const Tensor&, const Tensor&, double, PhiloxDraw) {
  MICA_FAIL("dropout: mica was built without CUDA");
}
std::optional<double> first_invalid_probability(const Tensor&) {
  MICA_FAIL("bernoulli: mica was built without CUDA");
}

}  // namespace mica::cuda
