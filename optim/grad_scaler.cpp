// GradScaler: torch.cuda.amp.GradScaler's state machine (unscale once, step once, update) with
// the scale kept on the host.
#include "optim/grad_scaler.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "autograd/ops/pointwise.h"
#include "optim/clip_grad.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/pointwise.h"

namespace mica::optim {

using json = nlohmann::json;

GradScaler::GradScaler(const GradScalerOptions& options)
    : options_(options), scale_(options.init_scale) {
  MICA_CHECK(options_.init_scale > 0, "GradScaler: init_scale must be positive");
  MICA_CHECK(options_.growth_factor > 1, "GradScaler: growth_factor must be > 1, got ",
             options_.growth_factor);
  MICA_CHECK(options_.backoff_factor > 0 && options_.backoff_factor < 1,
             "GradScaler: backoff_factor must be in (0, 1), got ", options_.backoff_factor);
  MICA_CHECK(options_.growth_interval > 0, "GradScaler: growth_interval must be positive");
}

Tensor GradScaler::scale(const Tensor& loss) const {
  if (!options_.enabled) return loss;
  return mul(loss, scale_);
}

void GradScaler::unscale_(Optimizer& optimizer) {
  if (!options_.enabled) return;
  PerOptimizer& st = per_optimizer_[&optimizer];
  MICA_CHECK(st.stage != Stage::Unscaled,
             "GradScaler::unscale_: already called on this optimizer since the last update()");
  MICA_CHECK(st.stage != Stage::Stepped, "GradScaler::unscale_: called after step()");
  NoGradGuard no_grad;
  // torch: inv_scale = float32(1 / scale), applied in the gradient's precision.
  const double inv_scale = static_cast<double>(static_cast<float>(1.0 / scale_));
  bool found_inf = false;
  for (ParamGroup& g : optimizer.param_groups()) {
    for (Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (!all_finite(grad)) found_inf = true;
      ops::mul_(grad, inv_scale);
    }
  }
  st.found_inf = found_inf;
  st.stage = Stage::Unscaled;
}

bool GradScaler::step(Optimizer& optimizer) {
  if (!options_.enabled) {
    optimizer.step();
    return true;
  }
  PerOptimizer& st = per_optimizer_[&optimizer];
  MICA_CHECK(st.stage != Stage::Stepped,
             "GradScaler::step: already called on this optimizer since the last update()");
  if (st.stage == Stage::Ready) unscale_(optimizer);
  PerOptimizer& after = per_optimizer_[&optimizer];
  after.stage = Stage::Stepped;
  if (after.found_inf) return false;
  optimizer.step();
  return true;
}

void GradScaler::update() {
  if (!options_.enabled) return;
  bool found_inf = false;
  for (const auto& [opt, st] : per_optimizer_) found_inf = found_inf || st.found_inf;
  if (found_inf) {
    scale_ *= options_.backoff_factor;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ == options_.growth_interval) {
    scale_ *= options_.growth_factor;
    growth_tracker_ = 0;
  }
  per_optimizer_.clear();
}

void GradScaler::update(double new_scale) {
  if (!options_.enabled) return;
  MICA_CHECK(new_scale > 0, "GradScaler::update: new_scale must be positive, got ", new_scale);
  scale_ = new_scale;
  growth_tracker_ = 0;
  per_optimizer_.clear();
}

std::string GradScaler::state_dict() const {
  return json{{"scale", scale_},
              {"growth_factor", options_.growth_factor},
              {"backoff_factor", options_.backoff_factor},
              {"growth_interval", options_.growth_interval},
              {"growth_tracker", growth_tracker_}}
      .dump();
}

void GradScaler::load_state_dict(const std::string& text) {
  try {
    const json j = json::parse(text);
    const double scale = j.at("scale").get<double>();
    MICA_CHECK(scale > 0 && std::isfinite(scale), "GradScaler::load_state_dict: invalid scale ",
               scale);
    scale_ = scale;
    options_.growth_factor = j.at("growth_factor").get<double>();
    options_.backoff_factor = j.at("backoff_factor").get<double>();
    options_.growth_interval = j.at("growth_interval").get<int64_t>();
    growth_tracker_ = j.at("growth_tracker").get<int64_t>();
    per_optimizer_.clear();
  } catch (const json::exception& e) {
    MICA_FAIL("GradScaler::load_state_dict: malformed JSON (", e.what(), ")");
  }
}

}  // namespace mica::optim
