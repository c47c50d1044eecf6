// Storage lifetime: owned blocks return to the allocator, borrowed ones call their deleter.
#include "tensor/storage.h"

#include "tensor/allocator.h"

namespace mica {

Storage::Storage(size_t nbytes, Device device)
    : data_(device_allocate(nbytes, device)), nbytes_(nbytes), device_(device), owned_(true) {}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), owned_(false), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (owned_) {
    try {
      device_free(data_, nbytes_, device_);
    } catch (...) {  // a destructor must not throw; a failed free leaks rather than aborts
    }
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace mica
