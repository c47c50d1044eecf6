// Checkpoints: one StateDict with "model." / "optimizer." / "extra." prefixes and a JSON
// attribute for everything that is not a tensor.
#include "optim/checkpoint.h"

#include <nlohmann/json.hpp>

#include "nn/serialization.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace mica::optim {

using json = nlohmann::json;

namespace {

constexpr int kVersion = 1;

void add_prefixed(nn::StateDict& out, const std::string& prefix, const nn::StateDict& sd) {
  for (const auto& [name, t] : sd) out.insert(prefix + name, t);
}

// Checks file (the loaded part) against want when want is non-empty (strict names, dtypes,
// shapes); returns the pairs to copy. When want is empty it is filled.
std::vector<std::pair<Tensor, Tensor>> match(const std::string& path, const char* part,
                                             const nn::StateDict& file, nn::StateDict& want) {
  std::vector<std::pair<Tensor, Tensor>> copies;
  if (want.empty()) {
    want = file;
    return copies;
  }
  for (const auto& [name, t] : file) {
    MICA_CHECK(want.contains(name), "load_checkpoint: ", path, ": unexpected ", part, " tensor '",
               name, "'");
    const Tensor& dst = want.at(name);
    MICA_CHECK(dst.dtype() == t.dtype(), "load_checkpoint: ", path, ": ", part, " tensor '", name,
               "' has dtype ", dtype_name(t.dtype()), ", expected ", dtype_name(dst.dtype()));
    MICA_CHECK(dst.sizes() == t.sizes(), "load_checkpoint: ", path, ": ", part, " tensor '", name,
               "' has shape ", shape_str(t.sizes()), ", expected ", shape_str(dst.sizes()));
    copies.emplace_back(dst, t);
  }
  for (const auto& [name, t] : want)
    MICA_CHECK(file.contains(name), "load_checkpoint: ", path, ": missing ", part, " tensor '",
               name, "'");
  return copies;
}

}  // namespace

data::LoaderState loader_state(const std::vector<int64_t>& position) {
  MICA_CHECK(position.size() == 3, "loader_state: expected 3 values (epoch, batches, seed), got ",
             position.size());
  return {position[0], position[1], static_cast<uint64_t>(position[2])};
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  nn::StateDict all;
  add_prefixed(all, "model.", ckpt.model);
  json meta = {{"version", kVersion},
               {"step", ckpt.step},
               {"epoch", ckpt.epoch},
               {"data_position", ckpt.data_position}};
  if (ckpt.rng) meta["rng"] = {{"seed", ckpt.rng->seed}, {"offset", ckpt.rng->offset}};
  if (ckpt.optimizer) {
    OptimizerState st = ckpt.optimizer->state_dict();
    add_prefixed(all, "optimizer.", st.tensors);
    meta["optimizer"] = json::parse(st.json);
  }
  if (ckpt.scheduler) meta["scheduler"] = json::parse(ckpt.scheduler->state_dict());
  if (ckpt.scaler) meta["scaler"] = json::parse(ckpt.scaler->state_dict());
  add_prefixed(all, "extra.", ckpt.extra);
  nn::save_state_dict(path, all, {{"checkpoint", meta.dump()}, {"config", ckpt.config}});
}

void load_checkpoint(const std::string& path, Checkpoint& ckpt) {
  nn::Attributes attrs;
  const nn::StateDict all = nn::load_state_dict(path, &attrs);
  auto it = attrs.find("checkpoint");
  MICA_CHECK(it != attrs.end(), "load_checkpoint: ", path,
             " is a state-dict file without checkpoint metadata (saved by save_state_dict?)");
  json meta;
  try {
    meta = json::parse(it->second);
  } catch (const json::exception& e) {
    MICA_FAIL("load_checkpoint: ", path, ": the checkpoint metadata does not parse (", e.what(),
              ")");
  }
  try {
    MICA_CHECK(meta.at("version").get<int>() == kVersion, "load_checkpoint: ", path,
               ": unsupported checkpoint version ", meta.at("version").dump());
    const nn::StateDict model_part = all.with_prefix_removed("model.");
    const nn::StateDict extra_part = all.with_prefix_removed("extra.");
    for (const auto& [name, t] : all)
      MICA_CHECK(name.rfind("model.", 0) == 0 || name.rfind("optimizer.", 0) == 0 ||
                     name.rfind("extra.", 0) == 0,
                 "load_checkpoint: ", path, ": unexpected tensor '", name, "'");
    nn::StateDict model = ckpt.model, extra = ckpt.extra;
    auto model_copies = match(path, "model", model_part, model);
    auto extra_copies = match(path, "extra", extra_part, extra);
    // The parts' own errors, prefixed with the file.
    auto with_path = [&](const char* part, auto&& load) {
      MICA_CHECK(meta.contains(part), "load_checkpoint: ", path, ": no ", part,
                 " state in the file");
      try {
        load(meta.at(part).dump());
      } catch (const Error& e) {
        MICA_FAIL("load_checkpoint: ", path, ": ", e.what());
      }
    };
    if (ckpt.optimizer)
      with_path("optimizer", [&](const std::string& j) {
        ckpt.optimizer->load_state_dict({all.with_prefix_removed("optimizer."), j});
      });
    if (ckpt.scheduler)
      with_path("scheduler", [&](const std::string& j) { ckpt.scheduler->load_state_dict(j); });
    if (ckpt.scaler)
      with_path("scaler", [&](const std::string& j) { ckpt.scaler->load_state_dict(j); });
    {
      NoGradGuard no_grad;
      for (auto& [dst, src] : model_copies) dst.copy_(src);
      for (auto& [dst, src] : extra_copies) dst.copy_(src);
    }
    ckpt.model = std::move(model);
    ckpt.extra = std::move(extra);
    ckpt.step = meta.at("step").get<int64_t>();
    ckpt.epoch = meta.at("epoch").get<int64_t>();
    ckpt.data_position = meta.at("data_position").get<std::vector<int64_t>>();
    ckpt.rng.reset();
    if (meta.contains("rng"))
      ckpt.rng = GeneratorState{meta.at("rng").at("seed").get<uint64_t>(),
                                meta.at("rng").at("offset").get<uint64_t>()};
    ckpt.config = attrs.count("config") ? attrs.at("config") : std::string();
  } catch (const json::exception& e) {
    MICA_FAIL("load_checkpoint: ", path, ": malformed checkpoint metadata (", e.what(), ")");
  }
}

}  // namespace mica::optim
