// DataLoader tests: the same batches in the same order for 0, 1 and 3 workers (random transforms
// included), epoch reshuffles, drop_last and the last partial batch, checkpoint/resume of the
// position, worker exceptions reaching the consumer, early exit without hanging, samplers and
// padding through the loader, and the pinned/CUDA path (skipped without a GPU).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "data_test_util.h"
#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica::data {
namespace {

using namespace std::chrono_literals;

std::vector<int64_t> ints(const Tensor& t) {
  const Tensor c = t.to(kInt64).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

std::vector<float> floats(const Tensor& t) {
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

// Record i: {"x": [3] float32 = i, "noise": [2] uniform from worker_generator(), "label": i}.
// Loading takes a varying few hundred microseconds so that workers finish out of order.
std::shared_ptr<Dataset> noisy_dataset(int64_t n) {
  return std::make_shared<LambdaDataset>(n, [](int64_t i) {
    std::this_thread::sleep_for(std::chrono::microseconds(100 * ((i * 7) % 5)));
    Example ex{{"x", full({3}, static_cast<double>(i))},
               {"noise", rand({2}, {}, &worker_generator())}};
    ex.add("label", i);
    return ex;
  });
}

struct Seen {
  std::vector<std::vector<int64_t>> labels;
  std::vector<std::vector<float>> noise;
  bool operator==(const Seen&) const = default;
};

Seen run_pass(DataLoader& loader) {
  Seen s;
  for (Batch& b : loader) {
    s.labels.push_back(ints(b["label"]));
    s.noise.push_back(floats(b["noise"]));
    EXPECT_EQ(ints(b["x"].select(1, 0)), s.labels.back());
  }
  return s;
}

std::vector<int64_t> flat(const Seen& s) {
  std::vector<int64_t> out;
  for (const auto& b : s.labels) out.insert(out.end(), b.begin(), b.end());
  return out;
}

// Runs f on another thread and fails the whole test binary if it has not returned in time
// (a hang must not stall CI).
template <class F>
void within(std::chrono::seconds limit, F f) {
  auto task = std::make_shared<std::packaged_task<void()>>(std::move(f));
  std::future<void> done = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (done.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "timed out after %lld s: the loader hangs\n",
                 static_cast<long long>(limit.count()));
    std::_Exit(1);
  }
  done.get();  // rethrows test failures' exceptions, if any
}

TEST(DataLoader, SameBatchesWhateverTheNumberOfWorkers) {
  auto ds = noisy_dataset(23);
  std::vector<Seen> runs;
  for (int workers : {0, 1, 3}) {
    DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 5});
    Seen e0 = run_pass(loader);
    Seen e1 = run_pass(loader);
    EXPECT_EQ(e0.labels.size(), 6u);
    EXPECT_NE(e0.labels, e1.labels);  // the second pass is a new epoch, reshuffled
    e0.labels.insert(e0.labels.end(), e1.labels.begin(), e1.labels.end());
    e0.noise.insert(e0.noise.end(), e1.noise.begin(), e1.noise.end());
    runs.push_back(e0);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
  std::vector<int64_t> first = flat(runs[0]);
  first.resize(23);
  std::sort(first.begin(), first.end());
  for (int64_t i = 0; i < 23; ++i) EXPECT_EQ(first[static_cast<size_t>(i)], i);
}

TEST(DataLoader, EpochsReplayFromTheSeed) {
  auto ds = noisy_dataset(12);
  DataLoader a(ds, {.batch_size = 5, .shuffle = true, .num_workers = 2, .seed = 77});
  const Seen a0 = run_pass(a), a1 = run_pass(a);
  EXPECT_EQ(a.epoch(), 2);
  DataLoader b(ds, {.batch_size = 5, .shuffle = true, .seed = 77});
  b.set_epoch(1);
  EXPECT_EQ(run_pass(b), a1);
  b.set_epoch(0);
  EXPECT_EQ(run_pass(b), a0);
  DataLoader c(ds, {.batch_size = 5, .shuffle = true, .seed = 78});
  EXPECT_NE(run_pass(c).labels, a0.labels);
}

TEST(DataLoader, LastPartialBatchAndDropLast) {
  auto ds = noisy_dataset(10);
  DataLoader keep(ds, {.batch_size = 4, .num_workers = 2});
  EXPECT_EQ(keep.size(), 3);
  const Seen k = run_pass(keep);
  ASSERT_EQ(k.labels.size(), 3u);
  EXPECT_EQ(k.labels[2], (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(flat(k), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));  // sequential
  DataLoader drop(ds, {.batch_size = 4, .drop_last = true, .num_workers = 2});
  EXPECT_EQ(drop.size(), 2);
  const Seen d = run_pass(drop);
  ASSERT_EQ(d.labels.size(), 2u);
  EXPECT_EQ(d.labels[1], (std::vector<int64_t>{4, 5, 6, 7}));
  DataLoader empty(noisy_dataset(0), {.batch_size = 4});
  EXPECT_EQ(empty.size(), 0);
  EXPECT_TRUE(run_pass(empty).labels.empty());
}

TEST(DataLoader, StateRestoresTheExactNextBatch) {
  auto ds = noisy_dataset(21);
  const DataLoaderOptions opts{.batch_size = 4, .shuffle = true, .num_workers = 3, .seed = 13};
  DataLoader reference(ds, opts);
  const Seen r0 = run_pass(reference), r1 = run_pass(reference);

  // Stop inside batch 2 of epoch 0 after "checkpointing" there.
  DataLoader first(ds, opts);
  LoaderState saved;
  int64_t seen = 0;
  for (Batch& b : first) {
    EXPECT_EQ(ints(b["label"]), r0.labels[static_cast<size_t>(seen)]);
    if (++seen == 3) {
      saved = first.state();
      break;
    }
  }
  EXPECT_EQ(saved, (LoaderState{0, 3, 13}));

  // A fresh loader with another seed and worker count continues exactly, into epoch 1.
  DataLoader resumed(ds, {.batch_size = 4, .shuffle = true, .num_workers = 1, .seed = 999});
  resumed.load_state(saved);
  const Seen rest = run_pass(resumed);
  ASSERT_EQ(rest.labels.size(), r0.labels.size() - 3);
  for (size_t k = 0; k < rest.labels.size(); ++k) {
    EXPECT_EQ(rest.labels[k], r0.labels[k + 3]);
    EXPECT_EQ(rest.noise[k], r0.noise[k + 3]);
  }
  EXPECT_EQ(resumed.state(), (LoaderState{1, 0, 13}));
  EXPECT_EQ(run_pass(resumed), r1);

  // A position saved at the very end of an epoch resumes with the next epoch.
  DataLoader at_end(ds, opts);
  at_end.load_state({0, at_end.size(), 13});
  EXPECT_EQ(run_pass(at_end), r1);
  EXPECT_TRUE(has(error_of([&] { at_end.load_state({0, 99, 13}); }), "batches_consumed 99"));
}

TEST(DataLoader, LeavingTheLoopEarlyResumesWhereItStopped) {
  auto ds = noisy_dataset(12);
  DataLoader loader(ds, {.batch_size = 3, .num_workers = 2});
  within(60s, [&] {
    for (Batch& b : loader) {
      EXPECT_EQ(ints(b["label"]), (std::vector<int64_t>{0, 1, 2}));
      break;
    }
  });
  EXPECT_EQ(loader.state().batches_consumed, 1);
  EXPECT_EQ(flat(run_pass(loader)), (std::vector<int64_t>{3, 4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST(DataLoader, EarlyBreakWithBlockedWorkersDoesNotHang) {
  // Many fast workers fill the prefetch queue and wait for room; breaking must wake and join them.
  auto ds = std::make_shared<TensorDataset>(std::vector<Tensor>{arange(0, 1000)});
  within(60s, [&] {
    for (int round = 0; round < 20; ++round) {
      DataLoader loader(ds, {.batch_size = 2, .num_workers = 4, .prefetch_factor = 1});
      int64_t n = 0;
      for (Batch& b : loader) {
        (void)b;
        if (++n == 2) {
          std::this_thread::sleep_for(1ms);  // let the workers block on a full queue
          break;
        }
      }
    }
  });
}

TEST(DataLoader, WorkerExceptionsReachTheConsumerWithContext) {
  auto ds = std::make_shared<LambdaDataset>(20, [](int64_t i) {
    if (i == 13) throw std::runtime_error("corrupt record");
    return Example{{"v", scalar_tensor(i, TensorOptions(kInt64))}};
  });
  for (int workers : {0, 3}) {
    DataLoader loader(ds, {.batch_size = 4, .num_workers = workers});
    std::vector<int64_t> delivered;
    within(60s, [&] {
      try {
        for (Batch& b : loader)
          for (int64_t v : ints(b["v"])) delivered.push_back(v);
        ADD_FAILURE() << "no exception with " << workers << " workers";
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_TRUE(has(msg, "batch 3 of epoch 0")) << msg;
        EXPECT_TRUE(has(msg, "[12, 13, 14, 15]")) << msg;
        EXPECT_TRUE(has(msg, workers ? "worker " : "the calling thread")) << msg;
        EXPECT_TRUE(has(msg, "corrupt record")) << msg;
        try {
          std::rethrow_if_nested(e);
          ADD_FAILURE() << "the original exception is not nested";
        } catch (const std::runtime_error& inner) {
          EXPECT_STREQ(inner.what(), "corrupt record");
        }
      }
    });
    EXPECT_EQ(delivered.size(), 12u);  // batches 0..2 arrived first, in order
    EXPECT_EQ(loader.state().batches_consumed, 3);
    // The loader is usable again: the next pass retries the failing batch.
    EXPECT_THROW(run_pass(loader), Error);
  }
}

TEST(DataLoader, OnePassAtATime) {
  auto ds = noisy_dataset(8);
  DataLoader loader(ds, {.batch_size = 2, .num_workers = 1});
  {
    auto it = loader.begin();
    EXPECT_TRUE(has(error_of([&] { loader.begin(); }), "still running"));
    EXPECT_THROW(loader.load_state({}), Error);
    EXPECT_THROW(loader.set_epoch(3), Error);
    auto moved = std::move(it);
    EXPECT_EQ(ints((*moved)["label"]), (std::vector<int64_t>{0, 1}));
  }
  EXPECT_NO_THROW(loader.set_epoch(3));
  EXPECT_EQ(run_pass(loader).labels.size(), 4u);
  EXPECT_EQ(loader.epoch(), 4);
}

TEST(DataLoader, DistributedSamplerShardsThroughTheLoader) {
  auto ds = noisy_dataset(11);
  std::set<int64_t> all;
  std::vector<std::vector<int64_t>> per_rank;
  for (int64_t rank = 0; rank < 2; ++rank) {
    auto sampler = std::make_shared<DistributedSampler>(
        11, DistributedSamplerOptions{.num_replicas = 2, .rank = rank, .seed = 4});
    DataLoader loader(ds, {.batch_size = 4, .num_workers = 2, .sampler = sampler});
    EXPECT_EQ(loader.size(), 2);  // 6 indices per rank
    per_rank.push_back(flat(run_pass(loader)));
    all.insert(per_rank.back().begin(), per_rank.back().end());
    EXPECT_EQ(sampler->epoch(), 0);
    run_pass(loader);
    EXPECT_EQ(sampler->epoch(), 1);  // the loader drives the sampler's epoch
  }
  EXPECT_EQ(all.size(), 11u);
  EXPECT_EQ(per_rank[0].size(), 6u);
  EXPECT_THROW(
      DataLoader(ds, {.shuffle = true, .sampler = std::make_shared<SequentialSampler>(11)}), Error);
}

TEST(DataLoader, PadsTokenSequences) {
  auto ds = std::make_shared<SequenceDataset>(
      std::vector<std::vector<int64_t>>{{1, 2, 3}, {4}, {5, 6}, {7}, {8, 9, 10, 11}});
  DataLoader loader(ds, {.batch_size = 2, .num_workers = 2, .collate = pad_collate({.pad_id = 0})});
  std::vector<Shape> shapes;
  for (Batch& b : loader) {
    shapes.push_back(b["input_ids"].sizes());
    EXPECT_EQ(b["attention_mask"].sizes(), b["input_ids"].sizes());
  }
  EXPECT_EQ(shapes, (std::vector<Shape>{{2, 3}, {2, 2}, {1, 4}}));
}

TEST(DataLoader, SeedsAndOptions) {
  auto ds = noisy_dataset(6);
  manual_seed(3);
  DataLoader a(ds, {.shuffle = true});
  manual_seed(3);
  DataLoader b(ds, {.shuffle = true});
  EXPECT_EQ(a.state().seed, b.state().seed);
  EXPECT_EQ(run_pass(a), run_pass(b));
  EXPECT_THROW(DataLoader(ds, {.batch_size = 0}), Error);
  EXPECT_THROW(DataLoader(ds, {.num_workers = -1}), Error);
  EXPECT_THROW(DataLoader(nullptr), Error);
  EXPECT_EQ(&worker_generator(), &default_generator());
}

TEST(DataLoader, PinnedMemoryIsIgnoredWithoutCuda) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  auto ds = noisy_dataset(5);
  DataLoader loader(ds, {.batch_size = 2, .seed = 1, .pin_memory = true});
  EXPECT_EQ(flat(run_pass(loader)), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  const std::string msg = error_of([&] { DataLoader l(ds, {.device = Device(kCUDA, 0)}); });
  EXPECT_TRUE(has(msg, "cuda:0 requested")) << msg;
}

TEST(DataLoader, PinnedBatchesCopiedToCuda) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto ds = noisy_dataset(9);
  DataLoader host(ds, {.batch_size = 4, .shuffle = true, .num_workers = 2, .seed = 8});
  DataLoader gpu(ds, {.batch_size = 4,
                      .shuffle = true,
                      .num_workers = 2,
                      .seed = 8,
                      .pin_memory = true,
                      .device = Device(kCUDA, 0)});
  const Seen expected = run_pass(host);
  size_t k = 0;
  for (Batch& b : gpu) {
    ASSERT_TRUE(b["x"].is_cuda());
    EXPECT_EQ(ints(b["label"].cpu()), expected.labels[k]);
    EXPECT_EQ(floats(b["noise"].cpu()), expected.noise[k]);
    ++k;
  }
  EXPECT_EQ(k, expected.labels.size());
  DataLoader pinned(ds, {.batch_size = 4, .pin_memory = true});
  for (Batch& b : pinned) EXPECT_TRUE(b["x"].is_cpu());
}

}  // namespace
}  // namespace mica::data
