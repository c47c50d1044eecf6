// DataLoader: batches of a dataset in sampler order, loaded by worker threads into a bounded
// prefetch queue and delivered in the same deterministic order whatever the number of workers,
// with a checkpointable position (epoch, batches consumed, seed) and optional pinned memory and
// asynchronous copy to a CUDA device.
//
//   DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .num_workers = 2, .seed = 7});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (Batch& b : loader) train_step(b[0], b[1]);   // each full pass reshuffles
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "data/collate.h"
#include "data/dataset.h"
#include "data/sampler.h"
#include "tensor/device.h"
#include "tensor/generator.h"

namespace mica::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;     // a RandomSampler seeded with `seed`, reshuffled every epoch
  bool drop_last = false;   // drop the last batch when it is smaller than batch_size
  int num_workers = 0;      // 0: batches are loaded in the calling thread
  int prefetch_factor = 2;  // batches loaded ahead per worker
  // Seeds the shuffle and worker_generator(). Unset: drawn from mica's default CPU generator
  // when the loader is built (so mica::manual_seed makes it reproducible).
  std::optional<uint64_t> seed = std::nullopt;
  // Collate into page-locked host memory (faster copies to a GPU). Ignored when no CUDA device
  // is available.
  bool pin_memory = false;
  Collate collate = {};  // empty: default_collate
  // Visits the indices this sampler gives instead (e.g. a DistributedSampler); the loader calls
  // its set_epoch. Not together with shuffle.
  std::shared_ptr<Sampler> sampler = nullptr;
  // Deliver batches on this device. For CUDA with pin_memory the workers queue asynchronous
  // copies from pinned memory on the device's default stream.
  std::optional<Device> device = std::nullopt;
};

// Where a loader is: epoch, batches of that epoch already handed out, and the seed. Saving it
// with a checkpoint and restoring it with load_state makes the next loop continue with exactly
// the next batch.
struct LoaderState {
  int64_t epoch = 0;
  int64_t batches_consumed = 0;
  uint64_t seed = 0;
  friend bool operator==(const LoaderState&, const LoaderState&) = default;
};

// The generator for random work inside Dataset::get / collate while a DataLoader loads a batch
// (random crops, flips, masking): seeded from (loader seed, epoch, batch index), so results do
// not depend on the number of workers. Outside a loader: the default CPU generator.
Generator& worker_generator();

namespace detail {
class LoaderPass;
}

class DataLoader {
 public:
  struct End {};
  // An input iterator over the batches of one pass (move-only). Destroying it (leaving the loop
  // early, or an exception) stops and joins the workers.
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;

    Iterator(Iterator&& other) noexcept;
    Iterator& operator=(Iterator&& other) noexcept;
    Iterator(const Iterator&) = delete;
    Iterator& operator=(const Iterator&) = delete;
    ~Iterator();

    Batch& operator*() { return current_; }
    Batch* operator->() { return &current_; }
    Iterator& operator++();
    bool operator==(End) const { return done_; }

   private:
    friend class DataLoader;
    explicit Iterator(DataLoader* loader);
    void advance();
    void finish();

    DataLoader* loader_ = nullptr;
    std::unique_ptr<detail::LoaderPass> pass_;
    Batch current_;
    bool done_ = true;
  };

  // The loader shares ownership of dataset (and of opts.sampler).
  explicit DataLoader(DatasetPtr dataset, DataLoaderOptions opts = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Starts (or resumes, from state()) a pass over the current epoch; at most one pass at a time.
  // A pass that runs to the end moves the loader to the next epoch.
  Iterator begin();
  End end() const { return {}; }

  // Batches per epoch.
  int64_t size() const;
  int64_t epoch() const { return epoch_; }
  // The next pass runs this epoch from its first batch.
  void set_epoch(int64_t epoch);

  LoaderState state() const { return {epoch_, consumed_, seed_}; }
  // Restores a position saved by state() (not while a pass is running).
  void load_state(const LoaderState& state);

  const DatasetPtr& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return opts_; }

 private:
  int64_t num_examples() const;
  std::vector<int64_t> epoch_indices() const;

  DatasetPtr dataset_;
  DataLoaderOptions opts_;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
  int64_t consumed_ = 0;
  bool active_ = false;
};

}  // namespace mica::data
