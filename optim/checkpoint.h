// Training checkpoints: the model's tensors, optimizer and scheduler state, step, epoch, the
// RNG state, a JSON config, the data loader's position and extra tensors (e.g. an EMA) in one
// HDF5 state-dict file (nn/serialization.h), written atomically. Tensors are named "model.*",
// "optimizer.*" and "extra.*"; the rest is JSON in the file's "checkpoint" attribute, and the
// config is also the "config" attribute. Restoring everything and continuing gives bitwise the
// same training as never stopping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/dataloader.h"
#include "nn/state_dict.h"
#include "optim/grad_scaler.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "tensor/generator.h"

namespace mica::optim {

struct Checkpoint {
  // Save: the model's tensors. Load: when empty, filled with the file's (CPU) tensors; else
  // the file's are checked against these (names, dtypes, shapes) and copied into them.
  nn::StateDict model{};
  Optimizer* optimizer = nullptr;    // saved / restored when set
  LRScheduler* scheduler = nullptr;  // saved / restored when set
  GradScaler* scaler = nullptr;      // saved / restored when set
  int64_t step = 0;
  int64_t epoch = 0;
  // E.g. default_generator().get_state(); restored into this field (apply it with set_state).
  std::optional<GeneratorState> rng{};
  std::string config{};                  // JSON text, stored as is
  std::vector<int64_t> data_position{};  // opaque; see loader_position()
  // More tensors (e.g. EMA::state_dict()); like model: filled when empty, else checked + copied.
  nn::StateDict extra{};
};

void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
// Reads path into ckpt (see the fields). The optimizer, scheduler and scaler given must have
// state in the file. Errors (missing parts, mismatched tensors, corrupt files) are mica::Errors
// naming the file; the model and extra tensors are only written once everything else loaded.
void load_checkpoint(const std::string& path, Checkpoint& ckpt);

// A DataLoader position as opaque int64s and back.
inline std::vector<int64_t> loader_position(const data::LoaderState& s) {
  return {s.epoch, s.batches_consumed, static_cast<int64_t>(s.seed)};
}
data::LoaderState loader_state(const std::vector<int64_t>& position);

}  // namespace mica::optim
