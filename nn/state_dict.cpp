// StateDict: an insertion-ordered name -> tensor map with checked lookups.
#include "nn/state_dict.h"

#include "tensor/error.h"

namespace mica::nn {

void StateDict::insert(const std::string& name, Tensor t) {
  MICA_CHECK(!contains(name), "StateDict: duplicate name '", name, "'");
  index_.emplace(name, items_.size());
  items_.emplace_back(name, std::move(t));
}

void StateDict::set(const std::string& name, Tensor t) {
  auto it = index_.find(name);
  if (it == index_.end()) {
    insert(name, std::move(t));
    return;
  }
  items_[it->second].second = std::move(t);
}

const Tensor& StateDict::at(const std::string& name) const {
  auto it = index_.find(name);
  MICA_CHECK(it != index_.end(), "StateDict: no entry named '", name, "'");
  return items_[it->second].second;
}

Tensor& StateDict::at(const std::string& name) {
  auto it = index_.find(name);
  MICA_CHECK(it != index_.end(), "StateDict: no entry named '", name, "'");
  return items_[it->second].second;
}

bool StateDict::erase(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return false;
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
  return true;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const Item& item : items_) out.push_back(item.first);
  return out;
}

StateDict StateDict::with_prefix_removed(const std::string& prefix) const {
  StateDict out;
  for (const Item& item : items_)
    if (item.first.compare(0, prefix.size(), prefix) == 0)
      out.insert(item.first.substr(prefix.size()), item.second);
  return out;
}

}  // namespace mica::nn
