// CUDA entry points for a build without CUDA: queries answer "no GPU", everything else throws.
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"
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
CacheStats cache_stats(int) {
  MICA_FAIL("cuda cache_stats: mica was built without CUDA");
}
void empty_cache() {}
size_t rounded_allocation_size(size_t) {
  MICA_FAIL("cuda rounded_allocation_size: mica was built without CUDA");
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

// ---- streams and events (tensor/cuda/stream.h) ----

namespace mica::cuda {

Stream Stream::default_stream(int) {
  MICA_FAIL("cuda Stream: mica was built without CUDA");
}
Stream Stream::create(int) {
  MICA_FAIL("cuda Stream: mica was built without CUDA");
}
void Stream::synchronize() const {
  MICA_FAIL("cuda Stream: mica was built without CUDA");
}
Stream current_stream(int) {
  MICA_FAIL("cuda current_stream: mica was built without CUDA");
}
StreamGuard::StreamGuard(Stream s) : previous_(s) {
  MICA_FAIL("cuda StreamGuard: mica was built without CUDA");
}
StreamGuard::~StreamGuard() = default;
Event::Event() {
  MICA_FAIL("cuda Event: mica was built without CUDA");
}
Event::~Event() = default;
void Event::record(const Stream&) {}
void Event::synchronize() const {}
void Event::block(const Stream&) const {}
float Event::elapsed_ms_since(const Event&) const {
  return 0;
}

}  // namespace mica::cuda
