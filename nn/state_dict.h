// StateDict: named tensors in insertion order (PyTorch's OrderedDict state_dict), the currency
// of Module::state_dict(), optimizer state and checkpoint files. Names are dotted paths like
// "h.0.attn.c_attn.weight"; each name appears once.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace mica::nn {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  // Adds name -> t at the end; a name already present throws mica::Error.
  void insert(const std::string& name, Tensor t);
  // Adds or replaces (keeps the original position when replacing).
  void set(const std::string& name, Tensor t);
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // The tensor named name; a missing name throws mica::Error naming it.
  const Tensor& at(const std::string& name) const;
  Tensor& at(const std::string& name);
  // Removes name if present; returns whether it was.
  bool erase(const std::string& name);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }

  // The entries whose names start with prefix, with the prefix removed ("encoder." picks
  // "encoder.weight" as "weight").
  StateDict with_prefix_removed(const std::string& prefix) const;

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace mica::nn
