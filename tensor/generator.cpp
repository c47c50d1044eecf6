// Generator state handling (mutex-guarded seed and offset) and the per-device default generators.
#include "tensor/generator.h"

#include <map>
#include <memory>

#include "tensor/error.h"

namespace mica {

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

uint64_t Generator::offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_;
}

GeneratorState Generator::get_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {seed_, offset_};
}

void Generator::set_state(const GeneratorState& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = state.seed;
  offset_ = state.offset;
}

PhiloxDraw Generator::reserve(uint64_t blocks) {
  std::lock_guard<std::mutex> lock(mutex_);
  MICA_CHECK(blocks <= ~uint64_t{0} - offset_, "Generator: the Philox counter would overflow ",
             "(offset ", offset_, " + ", blocks, " blocks)");
  const PhiloxDraw d{seed_, offset_};
  offset_ += blocks;
  return d;
}

namespace {
struct DefaultGenerators {
  std::mutex mutex;
  uint64_t seed = Generator::kDefaultSeed;
  std::unique_ptr<Generator> cpu = std::make_unique<Generator>(Generator::kDefaultSeed);
  std::map<int, std::unique_ptr<Generator>> cuda;
};

DefaultGenerators& defaults() {
  static DefaultGenerators d;
  return d;
}
}  // namespace

Generator& default_generator(Device device) {
  DefaultGenerators& d = defaults();
  if (device.is_cpu()) return *d.cpu;
  MICA_CHECK(device.index >= 0, "default_generator: invalid device ", device);
  std::lock_guard<std::mutex> lock(d.mutex);
  auto& g = d.cuda[device.index];
  if (!g) g = std::make_unique<Generator>(d.seed);
  return *g;
}

void manual_seed(uint64_t seed) {
  DefaultGenerators& d = defaults();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.seed = seed;
  d.cpu->manual_seed(seed);
  for (auto& [index, g] : d.cuda) g->manual_seed(seed);
}

Generator& generator_or_default(Generator* gen, Device device) {
  return gen ? *gen : default_generator(device);
}

}  // namespace mica
