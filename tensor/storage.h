// Storage: one block of device memory shared by a tensor and all of its views.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "tensor/device.h"

namespace mica {

class Storage {
 public:
  // Owns nbytes freshly allocated on device.
  Storage(size_t nbytes, Device device);
  // Wraps memory mica does not own (from_blob); deleter (may be empty) runs on destruction.
  Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
  bool owned_;
  std::function<void(void*)> deleter_;
};

}  // namespace mica
