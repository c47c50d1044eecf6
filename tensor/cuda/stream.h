// CUDA streams and events for users and kernels. Every mica kernel and copy on a device runs on
// that device's current stream (the legacy default stream unless a StreamGuard says otherwise),
// so work queued by one op is ordered before the next op's. Without CUDA every call throws.
#pragma once

#include <cstdint>

namespace mica::cuda {

class Stream {
 public:
  // The legacy default stream of device (ordered with every other legacy-stream call).
  static Stream default_stream(int device);
  // A new non-blocking stream on device; it lives for the rest of the process (like PyTorch's
  // pooled streams), so copies of a Stream never dangle.
  static Stream create(int device);

  int device() const { return device_; }
  // The cudaStream_t, as an opaque pointer (nullptr for the legacy default stream).
  void* handle() const { return handle_; }
  void synchronize() const;
  bool operator==(const Stream& o) const { return device_ == o.device_ && handle_ == o.handle_; }

 private:
  friend Stream current_stream(int device);
  Stream(int device, void* handle) : device_(device), handle_(handle) {}
  int device_ = 0;
  void* handle_ = nullptr;
};

// The stream mica's kernels use on device (per host thread).
Stream current_stream(int device);
// Makes s the current stream of its device on this thread until the guard goes out of scope.
class StreamGuard {
 public:
  explicit StreamGuard(Stream s);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

// A CUDA event with timing: record on a stream, wait for it, or measure between two events.
class Event {
 public:
  Event();
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(const Stream& s);
  void synchronize() const;
  // Makes s wait (on the device, not the host) until this event has happened.
  void block(const Stream& s) const;
  // Milliseconds from start to this event; both must have been recorded and completed.
  float elapsed_ms_since(const Event& start) const;

 private:
  void* event_ = nullptr;
  int device_ = 0;
};

}  // namespace mica::cuda
