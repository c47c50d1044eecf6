// DataLoader: the per-pass worker pipeline (workers claim batch numbers in order, at most
// num_workers * prefetch_factor ahead of the consumer; results are handed out by batch number,
// so the order never depends on thread timing), error propagation, pinned memory and the
// checkpointable position.
#include "data/dataloader.h"

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "tensor/cuda/runtime.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::data {

namespace {

thread_local Generator* t_worker_generator = nullptr;
constexpr uint64_t kWorkerStream = 0x6D6963612D776B72ull;  // separates worker and shuffle seeds

struct GeneratorScope {
  Generator* previous;
  explicit GeneratorScope(Generator* g) : previous(t_worker_generator) { t_worker_generator = g; }
  ~GeneratorScope() { t_worker_generator = previous; }
};

// "[4, 9, 1]" or "[4, 9, 1, 7, 3, 0, 2, 8, ... (64 indices)]"
std::string indices_summary(const int64_t* idx, int64_t n) {
  std::ostringstream os;
  os << "[";
  for (int64_t i = 0; i < std::min<int64_t>(n, 8); ++i) os << (i ? ", " : "") << idx[i];
  if (n > 8) os << ", ... (" << n << " indices)";
  os << "]";
  return os.str();
}

// A page-locked copy of t (contiguous). When the buffer feeds an async copy to cuda:device, its
// release first waits for that device so that the copy has run.
Tensor pinned_copy(const Tensor& t, int device) {
  void* p = cuda::pinned_allocate(t.nbytes());
  auto release = [device](void* q) {
    try {
      if (device >= 0) cuda::synchronize(device);
      cuda::pinned_free(q);
    } catch (...) {  // a deleter must not throw; the CUDA error resurfaces on the next call
    }
  };
  Tensor out = from_blob(p, t.sizes(), TensorOptions(t.dtype()), release);
  out.copy_(t);
  return out;
}

}  // namespace

Generator& worker_generator() {
  return t_worker_generator != nullptr ? *t_worker_generator : default_generator();
}

namespace detail {

// One pass over an epoch, from batch `first` on.
class LoaderPass {
 public:
  struct Config {
    DatasetPtr dataset;
    Collate collate;
    std::vector<int64_t> indices;
    int64_t batch_size = 1;
    int64_t num_batches = 0;
    int64_t first = 0;
    int64_t epoch = 0;
    uint64_t seed = 0;
    int num_workers = 0;
    int prefetch_factor = 2;
    bool pin = false;
    std::optional<Device> device;
  };

  explicit LoaderPass(Config cfg)
      : cfg_(std::move(cfg)), next_fetch_(cfg_.first), next_deliver_(cfg_.first) {
    capacity_ = static_cast<int64_t>(cfg_.num_workers) * cfg_.prefetch_factor;
    try {
      for (int w = 0; w < cfg_.num_workers; ++w) workers_.emplace_back([this, w] { work(w); });
    } catch (...) {
      stop();
      throw;
    }
  }
  ~LoaderPass() { stop(); }

  bool has_next() const { return next_deliver_ < cfg_.num_batches; }
  int64_t next_index() const { return next_deliver_; }

  Batch next() {
    const int64_t b = next_deliver_;
    if (workers_.empty()) {
      Batch batch = produce(b, "the calling thread");
      ++next_deliver_;
      return batch;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    ready_cv_.wait(lock, [&] { return ready_.count(b) > 0; });
    auto node = ready_.extract(b);
    ++next_deliver_;
    lock.unlock();
    claim_cv_.notify_all();
    if (node.mapped().error) std::rethrow_exception(node.mapped().error);
    return std::move(node.mapped().batch);
  }

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    claim_cv_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
    workers_.clear();
  }

  void work(int w) {
    const std::string where = "worker " + std::to_string(w);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      claim_cv_.wait(lock, [&] {
        return stopping_ || next_fetch_ >= cfg_.num_batches ||
               next_fetch_ < next_deliver_ + capacity_;
      });
      if (stopping_ || next_fetch_ >= cfg_.num_batches) return;
      const int64_t b = next_fetch_++;
      lock.unlock();
      Slot slot;
      try {
        slot.batch = produce(b, where);
      } catch (...) {
        slot.error = std::current_exception();
      }
      lock.lock();
      ready_.emplace(b, std::move(slot));
      ready_cv_.notify_all();
    }
  }

  // Batch b, loaded and collated; failures are rethrown as a mica::Error naming the batch, its
  // dataset indices and the thread, with the original exception nested.
  Batch produce(int64_t b, const std::string& where) const {
    const int64_t start = b * cfg_.batch_size;
    const int64_t end =
        std::min<int64_t>(start + cfg_.batch_size, static_cast<int64_t>(cfg_.indices.size()));
    const int64_t* idx = cfg_.indices.data() + start;
    try {
      Generator gen(mix_seed(mix_seed(cfg_.seed ^ kWorkerStream, static_cast<uint64_t>(cfg_.epoch)),
                             static_cast<uint64_t>(b)));
      GeneratorScope scope(&gen);
      std::vector<Example> examples;
      examples.reserve(static_cast<size_t>(end - start));
      for (int64_t i = start; i < end; ++i) examples.push_back(cfg_.dataset->get(cfg_.indices[i]));
      Batch batch = cfg_.collate ? cfg_.collate(examples) : default_collate(examples);
      place(batch);
      return batch;
    } catch (const std::exception& e) {
      std::throw_with_nested(Error(mica::detail::str_cat(
          "DataLoader: loading batch ", b, " of epoch ", cfg_.epoch, " (dataset indices ",
          indices_summary(idx, end - start), ") failed in ", where, ": ", e.what())));
    } catch (...) {
      std::throw_with_nested(Error(mica::detail::str_cat(
          "DataLoader: loading batch ", b, " of epoch ", cfg_.epoch, " (dataset indices ",
          indices_summary(idx, end - start), ") failed in ", where, ": unknown exception")));
    }
  }

  // Pinned memory and the copy to the target device.
  void place(Batch& batch) const {
    const bool to_cuda = cfg_.device && cfg_.device->is_cuda();
    for (Tensor& t : batch.tensors()) {
      if (!t.defined()) continue;
      if (cfg_.pin && t.is_cpu()) {
        Tensor pinned = pinned_copy(t, to_cuda ? cfg_.device->index : -1);
        if (!to_cuda) {
          t = pinned;
          continue;
        }
        Tensor dev = empty(t.sizes(), TensorOptions(t.dtype()).device(*cfg_.device));
        if (pinned.nbytes() > 0)
          cuda::copy_host_to_device_async(dev.raw_data(), pinned.raw_data(), pinned.nbytes(),
                                          cfg_.device->index);
        batch.hold(pinned);
        t = dev;
      } else if (cfg_.device && !(t.device() == *cfg_.device)) {
        t = t.to(*cfg_.device);
      }
    }
  }

  Config cfg_;
  int64_t capacity_ = 0;
  std::mutex mutex_;
  std::condition_variable claim_cv_;  // workers wait for room or stop
  std::condition_variable ready_cv_;  // the consumer waits for its batch
  std::map<int64_t, Slot> ready_;
  int64_t next_fetch_;
  int64_t next_deliver_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace detail

// ---- DataLoader ----

DataLoader::DataLoader(DatasetPtr dataset, DataLoaderOptions opts)
    : dataset_(std::move(dataset)), opts_(std::move(opts)) {
  MICA_CHECK(dataset_ != nullptr, "DataLoader: null dataset");
  MICA_CHECK(opts_.batch_size >= 1, "DataLoader: batch_size must be positive, got ",
             opts_.batch_size);
  MICA_CHECK(opts_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got ",
             opts_.num_workers);
  MICA_CHECK(opts_.prefetch_factor >= 1, "DataLoader: prefetch_factor must be positive, got ",
             opts_.prefetch_factor);
  MICA_CHECK(!(opts_.sampler && opts_.shuffle),
             "DataLoader: give either shuffle or a sampler, not both");
  if (opts_.device && opts_.device->is_cuda())
    MICA_CHECK(opts_.device->index >= 0 && opts_.device->index < cuda::device_count(),
               "DataLoader: device ", opts_.device->str(), " requested but ", cuda::device_count(),
               " CUDA devices are available");
  seed_ =
      opts_.seed ? *opts_.seed : static_cast<uint64_t>(randint(0, INT64_MAX, {1}).item<int64_t>());
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::num_examples() const {
  return opts_.sampler ? opts_.sampler->size() : dataset_->size();
}

int64_t DataLoader::size() const {
  const int64_t n = num_examples();
  const int64_t bs = opts_.batch_size;
  return opts_.drop_last ? n / bs : (n + bs - 1) / bs;
}

std::vector<int64_t> DataLoader::epoch_indices() const {
  if (opts_.sampler) {
    opts_.sampler->set_epoch(epoch_);
    return opts_.sampler->indices();
  }
  if (opts_.shuffle) {
    RandomSampler sampler(dataset_->size(), {.seed = seed_});
    sampler.set_epoch(epoch_);
    return sampler.indices();
  }
  return SequentialSampler(dataset_->size()).indices();
}

void DataLoader::set_epoch(int64_t epoch) {
  MICA_CHECK(!active_, "DataLoader::set_epoch: a pass over this loader is still running");
  MICA_CHECK(epoch >= 0, "DataLoader::set_epoch: negative epoch ", epoch);
  epoch_ = epoch;
  consumed_ = 0;
}

void DataLoader::load_state(const LoaderState& state) {
  MICA_CHECK(!active_, "DataLoader::load_state: a pass over this loader is still running");
  MICA_CHECK(state.epoch >= 0, "DataLoader::load_state: negative epoch ", state.epoch);
  MICA_CHECK(state.batches_consumed >= 0 && state.batches_consumed <= size(),
             "DataLoader::load_state: batches_consumed ", state.batches_consumed, " is not in [0, ",
             size(), "] (the batches per epoch of this loader)");
  epoch_ = state.epoch;
  consumed_ = state.batches_consumed;
  seed_ = state.seed;
}

DataLoader::Iterator DataLoader::begin() {
  MICA_CHECK(!active_,
             "DataLoader::begin: a pass over this loader is still running; finish or "
             "destroy its iterator first");
  const int64_t num_batches = size();
  if (consumed_ > 0 && consumed_ >= num_batches) {  // a restored position at an epoch's end
    ++epoch_;
    consumed_ = 0;
  }
  return Iterator(this);
}

// ---- Iterator ----

DataLoader::Iterator::Iterator(DataLoader* loader) {
  detail::LoaderPass::Config cfg;
  cfg.dataset = loader->dataset_;
  cfg.collate = loader->opts_.collate;
  cfg.indices = loader->epoch_indices();
  cfg.batch_size = loader->opts_.batch_size;
  cfg.num_batches = loader->size();
  MICA_CHECK(static_cast<int64_t>(cfg.indices.size()) == loader->num_examples(),
             "DataLoader: the sampler gave ", cfg.indices.size(), " indices but its size() is ",
             loader->num_examples());
  cfg.first = loader->consumed_;
  cfg.epoch = loader->epoch_;
  cfg.seed = loader->seed_;
  cfg.num_workers = loader->opts_.num_workers;
  cfg.prefetch_factor = loader->opts_.prefetch_factor;
  cfg.pin = loader->opts_.pin_memory && cuda::is_available();
  cfg.device = loader->opts_.device;
  pass_ = std::make_unique<detail::LoaderPass>(std::move(cfg));
  loader_ = loader;
  loader_->active_ = true;
  done_ = false;
  try {
    advance();
  } catch (...) {
    finish();
    throw;
  }
}

DataLoader::Iterator::Iterator(Iterator&& other) noexcept
    : loader_(std::exchange(other.loader_, nullptr)),
      pass_(std::move(other.pass_)),
      current_(std::move(other.current_)),
      done_(std::exchange(other.done_, true)) {}

DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&& other) noexcept {
  if (this != &other) {
    finish();
    loader_ = std::exchange(other.loader_, nullptr);
    pass_ = std::move(other.pass_);
    current_ = std::move(other.current_);
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

DataLoader::Iterator::~Iterator() {
  finish();
}

void DataLoader::Iterator::finish() {
  pass_.reset();  // stops and joins the workers
  if (loader_ != nullptr) loader_->active_ = false;
  loader_ = nullptr;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  MICA_CHECK(!done_ && loader_ != nullptr, "DataLoader::Iterator: incremented past the end");
  advance();
  return *this;
}

void DataLoader::Iterator::advance() {
  if (!pass_->has_next()) {  // the epoch is complete: the next pass runs the next one
    done_ = true;
    current_ = Batch();
    ++loader_->epoch_;
    loader_->consumed_ = 0;
    finish();
    return;
  }
  const int64_t b = pass_->next_index();
  try {
    current_ = pass_->next();
  } catch (...) {
    done_ = true;
    current_ = Batch();
    finish();
    throw;
  }
  loader_->consumed_ = b + 1;
}

}  // namespace mica::data
