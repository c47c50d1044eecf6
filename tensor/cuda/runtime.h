// The CUDA runtime entry points the tensor layer needs (device memory and copies). Built from
// runtime.cu with CUDA, or from stub.cpp without it, where every call throws
// "<op>: mica was built without CUDA".
#pragma once

#include <cstddef>

namespace mica::cuda {

bool is_available();  // built with CUDA and at least one device present
int device_count();   // 0 when built without CUDA or no device
void* allocate(size_t nbytes, int device);
void free(void* ptr, int device);
void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device);
void copy_device_to_device(void* dst, const void* src, size_t nbytes, int device);
void synchronize(int device);
// Page-locked host memory (for fast, asynchronous host-to-device copies), and a copy that is
// queued on the device's legacy default stream (so kernels launched later see its result) and
// returns at once: src must stay allocated until the copy has run (synchronize(device)).
void* pinned_allocate(size_t nbytes);
void pinned_free(void* ptr);
void copy_host_to_device_async(void* dst, const void* src, size_t nbytes, int device);

}  // namespace mica::cuda
