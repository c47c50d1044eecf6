// CUDA streams and events (tensor/cuda/stream.h): a per-thread current stream per device.
#include <map>

#include "tensor/cuda/check.h"
#include "tensor/cuda/device_guard.cuh"
#include "tensor/cuda/stream.h"

namespace mica::cuda {

namespace {
thread_local std::map<int, void*> t_current;  // device -> stream handle; absent: legacy default
}  // namespace

Stream Stream::default_stream(int device) {
  return Stream(device, nullptr);
}

Stream Stream::create(int device) {
  DeviceGuard g(device);
  cudaStream_t s = nullptr;
  MICA_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return Stream(device, s);
}

void Stream::synchronize() const {
  DeviceGuard g(device_);
  MICA_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(handle_)));
}

Stream current_stream(int device) {
  const auto it = t_current.find(device);
  return it == t_current.end() ? Stream::default_stream(device) : Stream(device, it->second);
}

StreamGuard::StreamGuard(Stream s) : previous_(current_stream(s.device())) {
  t_current[s.device()] = s.handle();
}

StreamGuard::~StreamGuard() {
  t_current[previous_.device()] = previous_.handle();
}

Event::Event() {
  MICA_CUDA_CHECK(cudaGetDevice(&device_));
  cudaEvent_t e = nullptr;
  MICA_CUDA_CHECK(cudaEventCreate(&e));
  event_ = e;
}

Event::~Event() {
  if (event_ != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(event_));
}

void Event::record(const Stream& s) {
  DeviceGuard g(s.device());
  MICA_CUDA_CHECK(
      cudaEventRecord(static_cast<cudaEvent_t>(event_), static_cast<cudaStream_t>(s.handle())));
  device_ = s.device();
}

void Event::synchronize() const {
  MICA_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event_)));
}

void Event::block(const Stream& s) const {
  DeviceGuard g(s.device());
  MICA_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(s.handle()),
                                      static_cast<cudaEvent_t>(event_), 0));
}

float Event::elapsed_ms_since(const Event& start) const {
  float ms = 0;
  MICA_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start.event_),
                                       static_cast<cudaEvent_t>(event_)));
  return ms;
}

}  // namespace mica::cuda
