// TensorImpl construction: caches numel and contiguity.
#include "tensor/tensor_impl.h"

namespace mica {

namespace {
bool compute_contiguous(const Shape& sizes, const Shape& strides) {
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    if (sizes[i] == 1) continue;
    if (sizes[i] == 0) return true;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}
}  // namespace

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, int64_t offset, Shape sizes, Shape strides,
                       DType dtype, std::shared_ptr<VersionCounter> version)
    : storage_(std::move(storage)),
      offset_(offset),
      sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      dtype_(dtype),
      numel_(shape_numel(sizes_)),
      contiguous_(compute_contiguous(sizes_, strides_)),
      version_(version ? std::move(version) : std::make_shared<VersionCounter>()) {}

}  // namespace mica
