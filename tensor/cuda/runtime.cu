// CUDA runtime entry points: device memory and host/device copies, every call checked.
// (A caching allocator replaces the plain cudaMalloc here with the CUDA backend issue.)
#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"

namespace mica::cuda {

namespace {
struct DeviceGuard {
  int previous = 0;
  explicit DeviceGuard(int device) {
    MICA_CUDA_CHECK(cudaGetDevice(&previous));
    if (previous != device) MICA_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(previous); }
};
}  // namespace

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return n;
}

bool is_available() {
  return device_count() > 0;
}

void* allocate(size_t nbytes, int device) {
  MICA_CHECK(device >= 0 && device < device_count(), "cuda allocate: device cuda:", device,
             " does not exist (", device_count(), " CUDA devices present)");
  DeviceGuard g(device);
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, nbytes == 0 ? 1 : nbytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    MICA_FAIL("cuda allocate: out of memory asking for ", nbytes, " bytes on cuda:", device, " (",
              free_b, " of ", total_b, " bytes free)");
  }
  MICA_CUDA_CHECK(err);
  return p;
}

void free(void* ptr, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaFree(ptr));
}

void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
}

void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));
}

void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToDevice));
}

void synchronize(int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaDeviceSynchronize());
}

void* pinned_allocate(size_t nbytes) {
  void* p = nullptr;
  const cudaError_t err = cudaMallocHost(&p, nbytes == 0 ? 1 : nbytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    MICA_FAIL("cuda pinned_allocate: cannot page-lock ", nbytes, " bytes of host memory");
  }
  MICA_CUDA_CHECK(err);
  return p;
}

void pinned_free(void* ptr) {
  MICA_CUDA_CHECK(cudaFreeHost(ptr));
}

void copy_host_to_device_async(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, cudaStreamLegacy));
}

}  // namespace mica::cuda
