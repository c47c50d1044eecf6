// CUDA entry points for a build without CUDA: queries answer "no GPU", everything else throws.
#include "tensor/cuda/runtime.h"
#include "tensor/error.h"

namespace mica::cuda {

bool is_available() {
  return false;
}
int device_count() {
  return 0;
}
void* allocate(size_t, int) {
  MICA_FAIL("cuda allocate: mica was built without CUDA");
}
void free(void*, int) {
  MICA_FAIL("cuda free: mica was built without CUDA");
}
void copy_host_to_device(void*, const void*, size_t, int) {
  MICA_FAIL("copy to cuda: mica was built without CUDA");
}
void copy_device_to_host(void*, const void*, size_t, int) {
  MICA_FAIL("copy from cuda: mica was built without CUDA");
}
void copy_device_to_device(void*, const void*, size_t, int) {
  MICA_FAIL("cuda copy: mica was built without CUDA");
}
void synchronize(int) {
  MICA_FAIL("cuda synchronize: mica was built without CUDA");
}

void* pinned_allocate(size_t) {
  MICA_FAIL("cuda pinned_allocate: mica was built without CUDA");
}
void pinned_free(void*) {
  MICA_FAIL("cuda pinned_free: mica was built without CUDA");
}
void copy_host_to_device_async(void*, const void*, size_t, int) {
  MICA_FAIL("async copy to cuda: mica was built without CUDA");
}

}  // namespace mica::cuda
