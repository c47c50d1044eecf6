// Sequential's forward chain and the containers' checked lookups.
#include "nn/containers.h"

namespace mica::nn {

Tensor Sequential::forward(const Tensor& x) const {
  Tensor y = x;
  for (const std::string& name : names_) {
    const auto& fn = child_forward(name);
    MICA_CHECK(fn != nullptr, "Sequential: module '", name, "' (", get_submodule(name)->type_name(),
               ") has no forward(const Tensor&)");
    y = fn(y);
  }
  return y;
}

std::shared_ptr<Module> Sequential::operator[](size_t index) const {
  MICA_CHECK(index < names_.size(), "Sequential: index ", index, " out of range for ",
             names_.size(), " modules");
  return get_submodule(names_[index]);
}

std::shared_ptr<Module> ModuleList::operator[](size_t index) const {
  MICA_CHECK(index < items_.size(), "ModuleList: index ", index, " out of range for ",
             items_.size(), " modules");
  return items_[index];
}

void ModuleList::child_replaced(const std::string& name, const std::shared_ptr<Module>& m) {
  items_.at(std::stoul(name)) = m;
}

bool ModuleDict::contains(const std::string& key) const {
  for (const std::string& k : keys_)
    if (k == key) return true;
  return false;
}

std::shared_ptr<Module> ModuleDict::operator[](const std::string& key) const {
  MICA_CHECK(contains(key), "ModuleDict: no module named '", key, "'");
  return get_submodule(key);
}

}  // namespace mica::nn
