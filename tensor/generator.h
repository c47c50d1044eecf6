// Generator: the state of one Philox random stream (a 64-bit seed and a 64-bit counter offset
// in Philox blocks), the per-device default generators and mica::manual_seed. The state is
// device-independent: the same seed and offset give the same numbers on the CPU and on CUDA
// (docs/rng.md).
#pragma once

#include <cstdint>
#include <mutex>

#include "tensor/device.h"

namespace mica {

// A checkpointable snapshot of a generator: restoring it reproduces the continuation exactly.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;  // in Philox blocks (4 words each) already consumed
  friend bool operator==(const GeneratorState&, const GeneratorState&) = default;
};

// What a draw reserved: read words from blocks offset, offset + 1, ... of the seed's stream.
struct PhiloxDraw {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

class Generator {
 public:
  // PyTorch's default seed, so a fresh generator is reproducible from run to run.
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;

  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Restarts the stream: the given seed, offset 0.
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const;
  uint64_t offset() const;
  GeneratorState get_state() const;
  void set_state(const GeneratorState& state);

  // Reserves `blocks` Philox blocks for one draw and advances the offset past them (thread-safe:
  // concurrent draws get disjoint ranges). Ops call this once per draw.
  PhiloxDraw reserve(uint64_t blocks);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The default generator of a device (CPU, or a CUDA device by index), used when an op's
// generator argument is null. Each device has its own, so CPU and CUDA runs with one seed
// draw the same numbers.
Generator& default_generator(Device device = Device(kCPU));
// Seeds every default generator (the CPU's and each CUDA device's, also ones created later)
// with seed and resets their offsets.
void manual_seed(uint64_t seed);
// The generator an op uses: gen if given, else the default generator of device.
Generator& generator_or_default(Generator* gen, Device device);

}  // namespace mica
