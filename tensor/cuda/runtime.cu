// CUDA runtime entry points: device memory and host/device copies, every call checked.
// Allocation lives in caching_allocator.cu.
#include "tensor/cuda/check.h"
#include "tensor/cuda/device_guard.cuh"
#include "tensor/cuda/runtime.h"
#include "tensor/cuda/stream.h"

namespace mica::cuda {

namespace {
cudaStream_t current(int device) {
  return static_cast<cudaStream_t>(current_stream(device).handle());
}
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

void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, current(device)));
  MICA_CUDA_CHECK(cudaStreamSynchronize(current(device)));  // src may be freed on return
}

void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, current(device)));
  MICA_CUDA_CHECK(cudaStreamSynchronize(current(device)));
}

void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device) {
  DeviceGuard g(device);
  MICA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, current(device)));
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
  MICA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, current(device)));
}

}  // namespace mica::cuda
