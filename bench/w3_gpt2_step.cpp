// Workload W3 (shared/WORKLOADS.md): one GPT-2 small (124M, models::GPT with
// GPTConfig::gpt2_small(), nanoGPT init) training step on a fixed hash batch of B = 4, T = 64,
// AdamW (lr 3e-4, wd 0.01 on all parameters). 2 warm-up + 10 timed steps: median ms per full
// step, tokens/s, the loss at step 0 and step 11, then forward+backward alone (median of 3).
// Prints one JSON line (bench/run_workloads.py reads it).
//
// Usage: w3_gpt2_step [--steps N] [--fwdbwd-reps R] (defaults 12 and 3; with fewer steps the
// warm-up shrinks to N - 1 when N < 3, for smoke runs)
#include "bench/workload_util.h"
#include "models/gpt.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kBatch = 4;
constexpr int64_t kSeq = 64;
constexpr int64_t kVocab = 50257;
constexpr int64_t kSteps = 12;
constexpr int64_t kWarmup = 2;
constexpr int64_t kParams = 124439808;

// int64 [4, 65]: token k (row-major) = h(1337, 3, k) mod 50257.
Tensor fixed_batch() {
  std::vector<int64_t> ids(kBatch * (kSeq + 1));
  for (size_t k = 0; k < ids.size(); ++k)
    ids[k] = static_cast<int64_t>(data::sample_hash(kSeed, 3, k) % kVocab);
  return from_vector(ids, {kBatch, kSeq + 1}, TensorOptions(kInt64));
}

// The sum of the batch's token ids (the peer prints the same).
int64_t data_check(const Tensor& rows) {
  const int64_t* p = rows.data_ptr<int64_t>();
  int64_t s = 0;
  for (int64_t k = 0; k < rows.numel(); ++k) s += p[k];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv);
  const int64_t steps = args.get_int("--steps", kSteps);
  const int64_t reps = args.get_int("--fwdbwd-reps", 3);
  MICA_CHECK(steps >= 2 && steps <= kSteps && reps >= 1,
             "w3_gpt2_step: --steps must be in [2, 12] and --fwdbwd-reps positive");
  const int64_t warmup = std::min(kWarmup, steps - 1);
  setup();
  const Tensor rows = fixed_batch();
  const Tensor x = rows.slice(1, 0, kSeq).contiguous();
  const Tensor y = rows.slice(1, 1, kSeq + 1).contiguous();

  models::GPT model(models::GPTConfig::gpt2_small());
  const std::vector<Tensor> params = model.parameters();
  MICA_CHECK(param_count(params) == kParams, "w3_gpt2_step: parameter count ", param_count(params));
  optim::AdamW opt(params, {.lr = 3e-4, .weight_decay = 0.01});

  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const double t0 = now_ms();
    opt.zero_grad();
    const Tensor loss = model.forward_loss(x, y);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = now_ms();
    if (s >= warmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }
  // Forward + backward only (no optimizer step), after the training steps.
  std::vector<double> fwdbwd;
  for (int64_t r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    opt.zero_grad();
    const Tensor loss = model.forward_loss(x, y);
    loss.backward();
    (void)loss.item<double>();
    fwdbwd.push_back(now_ms() - t0);
  }

  const Stats st = stats_of(times);
  JsonLine()
      .str("workload", "w3")
      .str("impl", "mica")
      .num("steps", static_cast<double>(steps))
      .num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .num("fwdbwd_ms", stats_of(fwdbwd).median)
      .num("tokens_per_s", static_cast<double>(kBatch * kSeq) / (st.median / 1000.0))
      .num("loss_step0", loss0)
      .num("loss_step" + std::to_string(steps - 1), loss_last)
      .integer("params", param_count(params))
      .integer("data_check", data_check(rows))
      .num("peak_rss_mb", peak_rss_mb())
      .num("threads", kThreads)
      .print();
  return 0;
}
