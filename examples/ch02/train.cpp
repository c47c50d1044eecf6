// ch02_gpt_fortunes, part 2: training the GPT on W2's batches: AdamW with warmup + cosine (or
// W2's constant lr), gradient clipping, a progress bar, validation on fixed batches, atomic
// checkpoints (model, optimizer, scheduler, RNG, step) and exact resumption from them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "ch02.h"
#include "tensor/cuda/runtime.h"

namespace ch02 {

Device parse_device(const std::string& name) {
  MICA_CHECK(name == "cpu" || name.rfind("cuda", 0) == 0,
             "ch02_gpt_fortunes: --device must be cpu or cuda[:N], got '", name, "'");
  const Device device(name);
  if (device.is_cuda()) {
    MICA_CHECK(cuda::device_count() > 0, "ch02_gpt_fortunes: --device ", name,
               ": no CUDA device (mica was built without CUDA, or no GPU is visible)");
    MICA_CHECK(device.index < cuda::device_count(), "ch02_gpt_fortunes: --device ", name, ": only ",
               cuda::device_count(), " CUDA device(s)");
  }
  return device;
}

DType parse_dtype(const std::string& name) {
  if (name == "float32") return kFloat32;
  if (name == "float64") return kFloat64;
  MICA_FAIL("ch02_gpt_fortunes: --dtype '", name,
            "' is not supported: training runs in float32 or float64");
}

models::GPTConfig model_config(const Options& opt, int64_t vocab_size) {
  models::GPTConfig c = models::GPTConfig::char_gpt_w2();
  c.vocab_size = vocab_size;
  c.n_layer = opt.n_layer;
  c.n_head = opt.n_head;
  c.n_embd = opt.n_embd;
  c.block_size = opt.block_size;
  c.validate();
  return c;
}

namespace {

constexpr int64_t kValBatch = 32;  // W2: validation batches hold 32 sequences

// The lr multiplier at step s: linear warmup over `warmup` steps, then a cosine from 1 down to
// min_lr_fraction at the last step; "constant" is 1 throughout (W2).
double lr_factor(const Options& o, int64_t s) {
  if (o.schedule == "constant") return 1.0;
  if (s < o.warmup) return static_cast<double>(s + 1) / static_cast<double>(o.warmup);
  const double progress =
      std::min(1.0, static_cast<double>(s - o.warmup) /
                        static_cast<double>(std::max<int64_t>(1, o.steps - o.warmup)));
  return o.min_lr_fraction + (1 - o.min_lr_fraction) * 0.5 * (1 + std::cos(M_PI * progress));
}

std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), format, a, b, c, d);
  return buf;
}

}  // namespace

TrainResult train(const Options& opt, const TokenData& data, int64_t vocab_size, data::Run& run,
                  const std::string& resume_ckpt) {
  TrainResult result;
  const Device device = parse_device(opt.device);
  const DType dtype = parse_dtype(opt.dtype);
  const models::GPTConfig config = model_config(opt, vocab_size);
  Generator init_gen(opt.seed);
  auto model = std::make_shared<models::GPT>(config, &init_gen);
  model->to(device, dtype);
  model->train();
  result.model = model;

  optim::AdamW adam(model->parameters(), {.lr = opt.lr, .weight_decay = opt.weight_decay});
  optim::LambdaLR scheduler(adam, [opt](int64_t s) { return lr_factor(opt, s); });

  const std::string ckpt_path = (run.dir() / "checkpoint.h5").string();
  auto save = [&](int64_t step) {
    optim::Checkpoint ck{.model = model->state_dict(),
                         .optimizer = &adam,
                         .scheduler = &scheduler,
                         .step = step,
                         .rng = default_generator().get_state(),
                         .config = opt.to_json()};
    save_checkpoint(ckpt_path, ck);
  };
  int64_t start = 0;
  if (!resume_ckpt.empty()) {
    optim::Checkpoint ck{.model = model->state_dict(), .optimizer = &adam, .scheduler = &scheduler};
    optim::load_checkpoint(resume_ckpt, ck);
    if (ck.rng) default_generator().set_state(*ck.rng);
    start = ck.step;
    std::printf("resumed from %s at step %lld\n", resume_ckpt.c_str(),
                static_cast<long long>(start));
  }

  const int64_t B = opt.batch_size, T = opt.block_size;
  std::string report;
  auto say = [&](const std::string& line) {
    std::printf("%s\n", line.c_str());
    report += line + "\n";
  };
  say("== part 2: training ==");
  say(fmt("model: GPT-2 style, %.0f layers, %.0f heads, %.0f wide, block %.0f", opt.n_layer,
          opt.n_head, opt.n_embd, opt.block_size) +
      ", vocab " + std::to_string(vocab_size) + " (" + opt.tokenizer + "), " +
      std::to_string(model->num_parameters()) + " parameters, " + opt.dtype + " on " + opt.device +
      ", " + std::to_string(get_num_threads()) + " threads");
  say(fmt("recipe: AdamW lr %g, wd %g, ", opt.lr, opt.weight_decay) +
      (opt.schedule == "cosine"
           ? fmt("warmup %.0f then cosine to %g x lr, ", opt.warmup, opt.min_lr_fraction)
           : std::string("constant lr, ")) +
      (opt.grad_clip > 0 ? fmt("grad clip %g, ", opt.grad_clip) : std::string("no clipping, ")) +
      fmt("batch %.0f x %.0f tokens, %.0f steps", B, T, opt.steps));

  // Validation: W2's fixed batches (stream 2, sequences 0 .. val_batches * 32 - 1).
  std::vector<std::pair<Tensor, Tensor>> val;
  for (int64_t i = 0; i < opt.val_batches; ++i) {
    const Tensor rows = data.batch(false, kValBatch, T, 2, static_cast<uint64_t>(i * kValBatch));
    val.emplace_back(rows.narrow(1, 0, T).contiguous().to(device),
                     rows.narrow(1, 1, T).contiguous().to(device));
  }
  auto evaluate = [&] {
    NoGradGuard no_grad;
    model->eval();
    double sum = 0;
    for (const auto& [x, y] : val) sum += model->forward_loss(x, y).item<double>();
    model->train();
    return sum / static_cast<double>(val.size());
  };

  std::vector<std::pair<int64_t, std::pair<double, double>>> w2_points;  // step -> (train, val)
  std::vector<double> step_ms;
  double val_loss = NAN;
  data::ProgressBar bar(opt.steps, {.desc = "train", .unit = "step"});
  bar.update(start);
  for (int64_t s = start; s < opt.steps; ++s) {
    const bool eval_now = s % opt.eval_every == 0;
    if (eval_now) {
      val_loss = evaluate();
      run.log(s, {{"val_loss", val_loss}});
      bar.print(fmt("step %5.0f  val loss %.4f", static_cast<double>(s), val_loss));
    }
    const Tensor rows = data.batch(true, B, T, 1, static_cast<uint64_t>(s * B));
    const Tensor x = rows.narrow(1, 0, T).contiguous().to(device);
    const Tensor y = rows.narrow(1, 1, T).contiguous().to(device);

    const auto t0 = std::chrono::steady_clock::now();
    const double lr = adam.param_groups()[0].lr;
    adam.zero_grad();
    const Tensor loss = model->forward_loss(x, y);
    loss.backward();
    if (opt.grad_clip > 0) optim::clip_grad_norm_(model->parameters(), opt.grad_clip);
    adam.step();
    scheduler.step();
    const double l = loss.item<double>();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (s - start >= 5) step_ms.push_back(ms);
    MICA_CHECK(std::isfinite(l), "ch02_gpt_fortunes: the training loss became ", l, " at step ", s,
               " (try a lower --lr)");

    if (eval_now) w2_points.push_back({s, {l, val_loss}});
    result.final_train_loss = l;
    run.log(s, {{"train_loss", l}, {"lr", lr}, {"ms_per_step", ms}});
    bar.update(1, {{"loss", l}, {"lr", lr}, {"tok/s", 1000.0 * static_cast<double>(B * T) / ms}});
    const int64_t done = s + 1;
    result.steps_done = done;
    if (done % opt.checkpoint_every == 0 && done < opt.steps) save(done);
    if (opt.stop_after > 0 && done == opt.stop_after && done < opt.steps) {
      if (done % opt.checkpoint_every != 0) save(done);
      result.stopped_early = true;
      break;
    }
  }
  bar.close();
  if (!step_ms.empty()) {
    std::vector<double> sorted = step_ms;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    result.median_step_ms = sorted[sorted.size() / 2];
    result.tokens_per_second = 1000.0 * static_cast<double>(B * T) / result.median_step_ms;
  }
  if (result.stopped_early) {
    say("stopped after step " + std::to_string(result.steps_done) + " (--stop-after); checkpoint " +
        ckpt_path);
    result.report = report;
    return result;
  }
  save(opt.steps);
  result.steps_done = opt.steps;
  result.final_val_loss = evaluate();
  run.log(opt.steps, {{"val_loss", result.final_val_loss}});

  if (opt.w2) {
    say("W2 (WORKLOADS.md): train loss of batch s before its update, val loss over 8 x 32 "
        "fixed sequences");
    for (const auto& [s, tv] : w2_points)
      say(fmt("  step %3.0f  train %.4f  val %.4f", static_cast<double>(s), tv.first, tv.second));
  }
  say(fmt("final: train loss %.4f (last batch), val loss %.4f after %.0f steps",
          result.final_train_loss, result.final_val_loss, static_cast<double>(opt.steps)));
  if (result.median_step_ms > 0)
    say(fmt("speed: median %.1f ms/step (steps 5.. of this process), %.0f tokens/s",
            result.median_step_ms, result.tokens_per_second));
  say("checkpoint: " + ckpt_path);
  run.plot_metrics("loss", {"train_loss", "val_loss"},
                   {.title = "GPT on fortunes: cross-entropy (nats/token)",
                    .smooth = opt.steps >= 300 ? 0.9 : 0.6});
  result.report = report;
  return result;
}

}  // namespace ch02
