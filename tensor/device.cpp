// Device parsing and printing.
#include "tensor/device.h"

#include <string>

#include "tensor/error.h"

namespace mica {

Device::Device(const std::string& spec) {
  if (spec == "cpu") {
    type = kCPU;
    index = 0;
    return;
  }
  if (spec.rfind("cuda", 0) == 0) {
    type = kCUDA;
    index = 0;
    if (spec.size() > 4) {
      MICA_CHECK(spec[4] == ':' && spec.size() > 5, "Device: cannot parse '", spec,
                 "' (expected cpu, cuda or cuda:N)");
      try {
        index = std::stoi(spec.substr(5));
      } catch (const std::exception&) {
        MICA_FAIL("Device: cannot parse '", spec, "' (expected cpu, cuda or cuda:N)");
      }
      MICA_CHECK(index >= 0, "Device: negative device index in '", spec, "'");
    }
    return;
  }
  MICA_FAIL("Device: cannot parse '", spec, "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const {
  return is_cpu() ? "cpu" : "cuda:" + std::to_string(index);
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << d.str();
}

}  // namespace mica
