// Workload W2 (shared/WORKLOADS.md): the char-level GPT (models::GPT, GPTConfig::char_gpt_w2(),
// 822,016 parameters, nanoGPT init) trained on the fortunes corpus with AdamW (lr 3e-4, wd 0.01
// on all parameters), batch 32 x 128 from the hash; 301 steps. Reports the median ms/step over
// steps 5.., tokens/s, and the train loss of batch s and the val loss (8 fixed val batches of 32,
// no-grad, outside the timing) at s in {0, 100, 200, 300} and at the last step. Prints one JSON
// line (bench/run_workloads.py reads it).
//
// Usage: w2_char_gpt [--steps N] [--show-rows] [--init-seed S] (default 301 steps; fewer for
// smoke runs; --init-seed re-seeds the weight init only, the batches stay W2's)
#include "bench/workload_util.h"
#include "models/gpt.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kBatch = 32;
constexpr int64_t kBlock = 128;
constexpr int64_t kSteps = 301;
constexpr int64_t kWarmup = 5;
constexpr int64_t kValBatches = 8;
constexpr int64_t kParams = 822016;

// Mean CE over the fixed val batches (equal sizes: the mean of the batch means), no-grad.
double val_loss(const models::GPT& model, const std::vector<Tensor>& val) {
  NoGradGuard no_grad;
  double total = 0;
  for (const Tensor& rows : val)
    total += model
                 .forward_loss(rows.slice(1, 0, kBlock).contiguous(),
                               rows.slice(1, 1, kBlock + 1).contiguous())
                 .item<double>();
  return total / static_cast<double>(val.size());
}

// sum_k token[k] * (k mod 9973 + 1) over the rows' flattened tokens: compared with the peer's.
int64_t weighted_sum(const Tensor& rows, int64_t k0) {
  const Tensor c = rows.contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  int64_t s = 0;
  for (int64_t k = 0; k < c.numel(); ++k) s += p[k] * ((k0 + k) % 9973 + 1);
  return s;
}

bool is_report_step(int64_t s, int64_t steps) {
  return s % 100 == 0 || s == steps - 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv);
  const int64_t steps = args.get_int("--steps", kSteps);
  MICA_CHECK(steps > kWarmup && steps <= kSteps, "w2_char_gpt: --steps must be in (", kWarmup, ", ",
             kSteps, "]");
  setup();
  if (args.has("--init-seed")) manual_seed(static_cast<uint64_t>(args.get_int("--init-seed", 0)));
  const data::CharCorpus corpus = data::load_char_corpus();
  MICA_CHECK(corpus.size() == 2576215, "w2_char_gpt: corpus has ", corpus.size(),
             " tokens, expected 2576215");

  std::vector<Tensor> val;  // 8 x int64 [32, 129], sequences 0..255 of stream 2
  for (int64_t j = 0; j < kValBatches; ++j)
    val.push_back(data::char_batch(corpus.val(), kBatch, kBlock, 2, j * kBatch));

  if (args.has("--show-rows")) {  // for comparing batches with the peer's (--show-rows) by eye
    const std::pair<const char*, Tensor> shown[] = {
        {"train step 0", data::char_batch(corpus.train(), kBatch, kBlock, 1, 0)},
        {"val batch 0", val[0]}};
    for (const auto& [name, rows] : shown)
      for (const int64_t b : {0, 1, 31}) {
        std::printf("# %s row %ld: [", name, static_cast<long>(b));
        for (int64_t t = 0; t < 16; ++t)
          std::printf("%s%ld", t ? ", " : "",
                      static_cast<long>(rows.data_ptr<int64_t>()[b * (kBlock + 1) + t]));
        std::printf("]\n");
      }
  }

  models::GPT model(models::GPTConfig::char_gpt_w2());
  const std::vector<Tensor> params = model.parameters();
  MICA_CHECK(param_count(params) == kParams, "w2_char_gpt: parameter count ", param_count(params));
  optim::AdamW opt(params, {.lr = 3e-4, .weight_decay = 0.01});

  // Data check: the step-0 and last train batches and the val rows, as the peer computes it.
  int64_t check = 0, k0 = 0;
  for (const Tensor& rows : {data::char_batch(corpus.train(), kBatch, kBlock, 1, 0),
                             data::char_batch(corpus.train(), kBatch, kBlock, 1,
                                              static_cast<uint64_t>((steps - 1) * kBatch))}) {
    check += weighted_sum(rows, k0);
    k0 += rows.numel();
  }
  for (const Tensor& rows : val) {
    check += weighted_sum(rows, k0);
    k0 += rows.numel();
  }

  JsonLine out;
  out.str("workload", "w2").str("impl", "mica").num("steps", static_cast<double>(steps));
  JsonLine losses;
  std::vector<double> times;
  double loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const Tensor rows =
        data::char_batch(corpus.train(), kBatch, kBlock, 1, static_cast<uint64_t>(s * kBatch));
    const Tensor x = rows.slice(1, 0, kBlock).contiguous();
    const Tensor y = rows.slice(1, 1, kBlock + 1).contiguous();
    const bool report = is_report_step(s, steps);
    const double vl = report ? val_loss(model, val) : NAN;
    const double t0 = now_ms();
    opt.zero_grad();
    const Tensor loss = model.forward_loss(x, y);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (report) {
      losses.num("loss_step" + std::to_string(s), l);
      losses.num("val_loss_step" + std::to_string(s), vl);
    }
    loss_last = l;
  }

  const Stats st = stats_of(times);
  out.num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .num("tokens_per_s", static_cast<double>(kBatch * kBlock) / (st.median / 1000.0))
      .append(losses)
      .num("loss_last", loss_last)
      .integer("params", param_count(params))
      .integer("n_tokens", corpus.size())
      .integer("data_check", check)
      .num("peak_rss_mb", peak_rss_mb())
      .num("threads", kThreads)
      .print();
  return 0;
}
