// Device: where a tensor's memory lives (CPU, or a CUDA device with an index).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace mica {

enum class DeviceType : uint8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

struct Device {
  DeviceType type = kCPU;
  int index = 0;

  Device() = default;
  Device(DeviceType t, int i = 0) : type(t), index(i) {}
  // Parses "cpu", "cuda", "cuda:1".
  explicit Device(const std::string& spec);

  bool is_cpu() const { return type == kCPU; }
  bool is_cuda() const { return type == kCUDA; }
  std::string str() const;
  friend bool operator==(const Device& a, const Device& b) {
    return a.type == b.type && (a.type == kCPU || a.index == b.index);
  }
};

std::ostream& operator<<(std::ostream& os, const Device& d);

}  // namespace mica
