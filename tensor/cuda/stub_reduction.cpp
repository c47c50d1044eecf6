// Reductions for a build without CUDA: every entry point of tensor/cuda/reduction.h throws.
#include "tensor/cuda/reduction.h"
#include "tensor/error.h"

namespace mica::cuda {

void sum(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("sum: mica was built without CUDA");
}
void prod(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("prod: mica was built without CUDA");
}
void mean(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("mean: mica was built without CUDA");
}
void var(const Tensor&, const Tensor&, int64_t, double, bool take_sqrt) {
  MICA_FAIL(take_sqrt ? "std" : "var", ": mica was built without CUDA");
}
void max_min(const Tensor&, const Tensor&, const Tensor&, int64_t, bool is_max) {
  MICA_FAIL(is_max ? "max" : "min", ": mica was built without CUDA");
}
void norm(const Tensor&, const Tensor&, int64_t, double) {
  MICA_FAIL("norm: mica was built without CUDA");
}
void logsumexp(const Tensor&, const Tensor&, int64_t) {
  MICA_FAIL("logsumexp: mica was built without CUDA");
}
void all_any(const Tensor&, const Tensor&, int64_t, bool is_all) {
  MICA_FAIL(is_all ? "all" : "any", ": mica was built without CUDA");
}

}  // namespace mica::cuda
