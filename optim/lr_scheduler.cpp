// LR schedulers: closed forms of torch's ConstantLR, LinearLR, StepLR, MultiStepLR, LambdaLR and
// OneCycleLR, and Hugging Face's warmup schedules as LambdaLRs.
#include "optim/lr_scheduler.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "optim/sgd.h"
#include "tensor/error.h"

namespace mica::optim {

using json = nlohmann::json;

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (ParamGroup& g : optimizer_.param_groups()) {
    if (!g.initial_lr) g.initial_lr = g.lr;
    base_lrs_.push_back(*g.initial_lr);
  }
}

void LRScheduler::set_base_lrs(std::vector<double> lrs) {
  base_lrs_ = std::move(lrs);
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    optimizer_.param_groups()[i].initial_lr = base_lrs_[i];
}

void LRScheduler::step() {
  apply(last_epoch_ + 1);
}

void LRScheduler::apply(int64_t epoch) {
  auto& groups = optimizer_.param_groups();
  MICA_CHECK(groups.size() == base_lrs_.size(), name(), ": the optimizer has ", groups.size(),
             " parameter groups but the scheduler was built for ", base_lrs_.size(),
             " (groups added after the scheduler are not scheduled)");
  std::vector<double> lrs(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) lrs[i] = lr_at(epoch, i);
  for (size_t i = 0; i < groups.size(); ++i) groups[i].lr = lrs[i];
  apply_extra(epoch);
  last_epoch_ = epoch;
  last_lr_ = std::move(lrs);
}

std::string LRScheduler::state_dict() const {
  return json{{"type", name()}, {"last_epoch", last_epoch_}, {"base_lrs", base_lrs_}}.dump();
}

void LRScheduler::load_state_dict(const std::string& text) {
  const std::string who = std::string(name()) + "::load_state_dict";
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": the JSON does not parse (", e.what(), ")");
  }
  try {
    const std::string type = j.at("type").get<std::string>();
    MICA_CHECK(type == name(), who, ": the state was saved by a ", type, " scheduler");
    std::vector<double> base = j.at("base_lrs").get<std::vector<double>>();
    MICA_CHECK(base.size() == base_lrs_.size(), who, ": the state has ", base.size(),
               " parameter groups but the scheduler has ", base_lrs_.size());
    const int64_t epoch = j.at("last_epoch").get<int64_t>();
    MICA_CHECK(epoch >= 0, who, ": invalid last_epoch ", epoch);
    set_base_lrs(std::move(base));
    apply(epoch);
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": malformed scheduler JSON (", e.what(), ")");
  }
}

// ---- LambdaLR ----
LambdaLR::LambdaLR(Optimizer& optimizer, Fn lr_lambda, bool defer_init) : LRScheduler(optimizer) {
  MICA_CHECK(lr_lambda != nullptr, "LambdaLR: empty lr_lambda");
  fns_.assign(optimizer.param_groups().size(), std::move(lr_lambda));
  if (!defer_init) initialize();
}

LambdaLR::LambdaLR(Optimizer& optimizer, Fn lr_lambda)
    : LambdaLR(optimizer, std::move(lr_lambda), false) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Fn> lr_lambdas)
    : LRScheduler(optimizer), fns_(std::move(lr_lambdas)) {
  MICA_CHECK(fns_.size() == optimizer.param_groups().size(), "LambdaLR: expected ",
             optimizer.param_groups().size(), " lr_lambdas (one per group), got ", fns_.size());
  for (const Fn& f : fns_) MICA_CHECK(f != nullptr, "LambdaLR: empty lr_lambda");
  initialize();
}

double LambdaLR::lr_at(int64_t epoch, size_t group) const {
  return base_lrs()[group] * fns_[group](epoch);
}

// ---- ConstantLR, LinearLR, StepLR, MultiStepLR ----
ConstantLR::ConstantLR(Optimizer& optimizer, const ConstantLROptions& options)
    : LRScheduler(optimizer), o_(options) {
  MICA_CHECK(o_.factor >= 0 && o_.factor <= 1, "ConstantLR: factor must be in [0, 1], got ",
             o_.factor);
  initialize();
}

double ConstantLR::lr_at(int64_t epoch, size_t group) const {
  return base_lrs()[group] * (epoch >= o_.total_iters ? 1.0 : o_.factor);
}

LinearLR::LinearLR(Optimizer& optimizer, const LinearLROptions& options)
    : LRScheduler(optimizer), o_(options) {
  MICA_CHECK(o_.start_factor > 0 && o_.start_factor <= 1,
             "LinearLR: start_factor must be in (0, 1], got ", o_.start_factor);
  MICA_CHECK(o_.end_factor >= 0 && o_.end_factor <= 1,
             "LinearLR: end_factor must be in [0, 1], got ", o_.end_factor);
  MICA_CHECK(o_.total_iters > 0, "LinearLR: total_iters must be positive");
  initialize();
}

double LinearLR::lr_at(int64_t epoch, size_t group) const {
  const double t = static_cast<double>(std::min(epoch, o_.total_iters));
  return base_lrs()[group] * (o_.start_factor + (o_.end_factor - o_.start_factor) * t /
                                                    static_cast<double>(o_.total_iters));
}

StepLR::StepLR(Optimizer& optimizer, const StepLROptions& options)
    : LRScheduler(optimizer), o_(options) {
  MICA_CHECK(o_.step_size > 0, "StepLR: step_size must be positive, got ", o_.step_size);
  initialize();
}

double StepLR::lr_at(int64_t epoch, size_t group) const {
  return base_lrs()[group] * std::pow(o_.gamma, static_cast<double>(epoch / o_.step_size));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options)
    : LRScheduler(optimizer), o_(options) {
  std::sort(o_.milestones.begin(), o_.milestones.end());
  initialize();
}

double MultiStepLR::lr_at(int64_t epoch, size_t group) const {
  const auto n =
      std::upper_bound(o_.milestones.begin(), o_.milestones.end(), epoch) - o_.milestones.begin();
  return base_lrs()[group] * std::pow(o_.gamma, static_cast<double>(n));
}

// ---- Hugging Face warmup schedules ----
namespace {

double warmup_factor(int64_t step, int64_t warmup) {
  return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
}

const WarmupOptions& checked(const WarmupOptions& o, const char* who, bool needs_total) {
  MICA_CHECK(o.warmup_steps >= 0, who, ": warmup_steps must be >= 0, got ", o.warmup_steps);
  MICA_CHECK(!needs_total || o.total_steps > 0, who, ": total_steps must be positive, got ",
             o.total_steps);
  return o;
}

}  // namespace

ConstantWithWarmup::ConstantWithWarmup(Optimizer& optimizer, const WarmupOptions& options)
    : LambdaLR(
          optimizer,
          [o = checked(options, "ConstantWithWarmup", false)](int64_t step) {
            return step < o.warmup_steps ? warmup_factor(step, o.warmup_steps) : 1.0;
          },
          true) {
  initialize();
}

LinearWithWarmup::LinearWithWarmup(Optimizer& optimizer, const WarmupOptions& options)
    : LambdaLR(
          optimizer,
          [o = checked(options, "LinearWithWarmup", true)](int64_t step) {
            if (step < o.warmup_steps) return warmup_factor(step, o.warmup_steps);
            return std::max(
                0.0, static_cast<double>(o.total_steps - step) /
                         static_cast<double>(std::max<int64_t>(1, o.total_steps - o.warmup_steps)));
          },
          true) {
  initialize();
}

CosineWithWarmup::CosineWithWarmup(Optimizer& optimizer, const WarmupOptions& options)
    : LambdaLR(
          optimizer,
          [o = checked(options, "CosineWithWarmup", true)](int64_t step) {
            if (step < o.warmup_steps) return warmup_factor(step, o.warmup_steps);
            const double progress =
                static_cast<double>(step - o.warmup_steps) /
                static_cast<double>(std::max<int64_t>(1, o.total_steps - o.warmup_steps));
            return std::max(
                0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * o.num_cycles * 2.0 * progress)));
          },
          true) {
  initialize();
}

// ---- OneCycleLR ----
OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer), o_(options) {
  const size_t n = optimizer.param_groups().size();
  MICA_CHECK(o_.total_steps > 0, "OneCycleLR: total_steps must be positive, got ", o_.total_steps);
  MICA_CHECK(o_.pct_start >= 0 && o_.pct_start <= 1,
             "OneCycleLR: pct_start must be in [0, 1], got ", o_.pct_start);
  MICA_CHECK(o_.anneal_strategy == "cos" || o_.anneal_strategy == "linear",
             "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got '", o_.anneal_strategy,
             "'");
  MICA_CHECK(o_.max_lr.size() == 1 || o_.max_lr.size() == n, "OneCycleLR: expected 1 or ", n,
             " values for max_lr, got ", o_.max_lr.size());
  max_lrs_ = o_.max_lr.size() == 1 ? std::vector<double>(n, o_.max_lr[0]) : o_.max_lr;
  const double total = static_cast<double>(o_.total_steps);
  if (o_.three_phase) {
    phases_ = {{o_.pct_start * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {2 * o_.pct_start * total - 2, kMax, kInitial, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitial, kMin, kMaxMomentum, kMaxMomentum}};
  } else {
    phases_ = {{o_.pct_start * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {total - 1, kMax, kMin, kBaseMomentum, kMaxMomentum}};
  }
  std::vector<double> initial(n);
  for (size_t i = 0; i < n; ++i) initial[i] = max_lrs_[i] / o_.div_factor;
  set_base_lrs(initial);
  use_beta1_ = dynamic_cast<SGD*>(&optimizer) == nullptr;
  initialize();
}

double OneCycleLR::lr_value(Lr which, size_t group) const {
  const double initial = base_lrs()[group];
  switch (which) {
    case kInitial:
      return initial;
    case kMax:
      return max_lrs_[group];
    case kMin:
      return initial / o_.final_div_factor;
  }
  return initial;
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (o_.anneal_strategy == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::phase_of(int64_t epoch) const {
  MICA_CHECK(epoch <= o_.total_steps, "OneCycleLR: tried to step ", epoch + 1,
             " times; the specified number of total steps is ", o_.total_steps);
  const double step = static_cast<double>(epoch);
  double start_step = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& ph = phases_[i];
    if (step <= ph.end_step || i + 1 == phases_.size())
      return {&ph, (step - start_step) / (ph.end_step - start_step)};
    start_step = ph.end_step;
  }
  return {&phases_.back(), 1.0};
}

double OneCycleLR::lr_at(int64_t epoch, size_t group) const {
  const auto [ph, pct] = phase_of(epoch);
  return anneal(lr_value(ph->start_lr, group), lr_value(ph->end_lr, group), pct);
}

double OneCycleLR::momentum_at(int64_t epoch) const {
  const auto [ph, pct] = phase_of(epoch);
  auto value = [&](Momentum m) { return m == kMaxMomentum ? o_.max_momentum : o_.base_momentum; };
  return anneal(value(ph->start_momentum), value(ph->end_momentum), pct);
}

void OneCycleLR::apply_extra(int64_t epoch) {
  if (!o_.cycle_momentum) return;
  const double m = momentum_at(epoch);
  for (ParamGroup& g : optimizer_.param_groups()) {
    if (use_beta1_) {
      g.betas[0] = m;
    } else {
      g.momentum = m;
    }
  }
}

}  // namespace mica::optim
