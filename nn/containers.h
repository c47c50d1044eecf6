// Module containers: Sequential (chains Tensor -> Tensor modules), ModuleList and ModuleDict.
// Children of Sequential and ModuleList are named "0", "1", ... so parameters read
// "layers.0.weight"; ModuleDict's children are named by their keys.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/error.h"

namespace mica::nn {

// Runs its modules in order, each on the previous one's output:
//   auto mlp = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 8),
//                                               std::make_shared<nn::ReLU>(),
//                                               std::make_shared<nn::Linear>(8, 2));
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <class... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) : Module("Sequential") {
    (push_back(std::move(modules)), ...);
  }

  // Appends a module whose forward(const Tensor&) returns a Tensor, named by its position
  // (or by name).
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return push_back(std::to_string(names_.size()), std::move(module));
  }
  template <class M>
  std::shared_ptr<M> push_back(const std::string& name, std::shared_ptr<M> module) {
    static_assert(
        requires(M & m, const Tensor& x) {
          { m.forward(x) } -> std::convertible_to<Tensor>;
        },
        "Sequential::push_back: the module needs Tensor forward(const Tensor&)");
    register_module(name, module);
    names_.push_back(name);
    return module;
  }

  // x: the first module's input -> the last module's output (x itself when empty).
  Tensor forward(const Tensor& x) const;

  size_t size() const { return names_.size(); }
  bool empty() const { return names_.empty(); }
  std::shared_ptr<Module> operator[](size_t index) const;
  // The module at index as M (throws mica::Error when it is not an M).
  template <class M>
  std::shared_ptr<M> at(size_t index) const {
    return module_at<M>(index);
  }

 private:
  template <class M>
  std::shared_ptr<M> module_at(size_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    MICA_CHECK(m != nullptr, "Sequential: module ", index, " (", (*this)[index]->type_name(),
               ") is not of the requested type");
    return m;
  }
  std::vector<std::string> names_;
};

// A list of modules registered as children "0", "1", ...; forward is up to the owner.
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  template <class... Ms>
  explicit ModuleList(std::shared_ptr<Ms>... modules) : Module("ModuleList") {
    (push_back(std::move(modules)), ...);
  }

  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    register_module(std::to_string(items_.size()), module);
    items_.push_back(module);
    return module;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::shared_ptr<Module> operator[](size_t index) const;
  template <class M>
  std::shared_ptr<M> at(size_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    MICA_CHECK(m != nullptr, "ModuleList: module ", index, " (", (*this)[index]->type_name(),
               ") is not of the requested type");
    return m;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 protected:
  void child_replaced(const std::string& name, const std::shared_ptr<Module>& m) override;

 private:
  std::vector<std::shared_ptr<Module>> items_;
};

// Modules by string key, in insertion order; keys are the children's names.
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}

  template <class M>
  std::shared_ptr<M> insert(const std::string& key, std::shared_ptr<M> module) {
    register_module(key, module);
    keys_.push_back(key);
    return module;
  }
  bool contains(const std::string& key) const;
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  const std::vector<std::string>& keys() const { return keys_; }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <class M>
  std::shared_ptr<M> at(const std::string& key) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[key]);
    MICA_CHECK(m != nullptr, "ModuleDict: module '", key, "' (", (*this)[key]->type_name(),
               ") is not of the requested type");
    return m;
  }

 private:
  std::vector<std::string> keys_;
};

}  // namespace mica::nn
