// libtorch (C++) peer of W3 (shared/WORKLOADS.md): one GPT-2 small (124M) training step on a
// fixed hash batch of B = 4, T = 64, AdamW (lr 3e-4, wd 0.01); 2 warm-up + 10 timed steps, then
// forward+backward alone. Usage: lt_w3_gpt2_step [--steps N] [--fwdbwd-reps R] (12 and 3)
#include "gpt.h"

constexpr int64_t kBatch = 4, kSeq = 64, kVocab = 50257, kSteps = 12, kWarmup = 2;
constexpr int64_t kParams = 124439808;

int main(int argc, char** argv) {
  const int64_t steps = ltpeer::int_arg(argc, argv, "--steps", kSteps);
  const int64_t reps = ltpeer::int_arg(argc, argv, "--fwdbwd-reps", 3);
  ltpeer::check(2 <= steps && steps <= kSteps && reps >= 1, "--steps 2..12, --fwdbwd-reps >= 1");
  const int64_t warmup = std::min(kWarmup, steps - 1);
  ltpeer::setup();
  // int64 [4, 65]: token k (row-major) = h(1337, 3, k) mod 50257.
  auto rows = torch::empty({kBatch, kSeq + 1}, torch::kInt64);
  for (int64_t k = 0; k < rows.numel(); ++k)
    rows.data_ptr<int64_t>()[k] =
        static_cast<int64_t>(ltpeer::sample_hash(ltpeer::kSeed, 3, static_cast<uint64_t>(k)) %
                             static_cast<uint64_t>(kVocab));
  auto x = rows.slice(1, 0, kSeq).contiguous(), y = rows.slice(1, 1).contiguous();

  ltpeer::GPT model(kVocab, 1024, 12, 12, 768);
  ltpeer::check(ltpeer::num_params(*model) == kParams,
                "W3 parameter count " + std::to_string(ltpeer::num_params(*model)));
  torch::optim::AdamW opt(
      model->parameters(),
      torch::optim::AdamWOptions(3e-4).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01));
  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const double t0 = ltpeer::now_ms();
    opt.zero_grad();
    auto loss = model->forward_loss(x, y);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = ltpeer::now_ms();
    if (s >= warmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }
  std::vector<double> fwdbwd;
  for (int64_t r = 0; r < reps; ++r) {  // forward + backward only, after the training steps
    const double t0 = ltpeer::now_ms();
    opt.zero_grad();
    auto loss = model->forward_loss(x, y);
    loss.backward();
    loss.item<double>();
    fwdbwd.push_back(ltpeer::now_ms() - t0);
  }
  ltpeer::emit("w3", steps, times,
               {{"fwdbwd_ms", ltpeer::median(fwdbwd)},
                {"tokens_per_s", kBatch * kSeq / (ltpeer::median(times) / 1000.0)},
                {"loss_step0", loss0},
                {"loss_step" + std::to_string(steps - 1), loss_last},
                {"params", ltpeer::num_params(*model)},
                {"data_check", rows.sum().item<int64_t>()}});
  return 0;
}
