// generate(): greedy search, sampling and beam search over a LanguageModel, following Hugging
// Face's GenerationMixin (logits processors in HF's order, BeamSearchScorer's hypothesis
// bookkeeping). Logits are processed on the CPU in float64, one row at a time.
#include "models/generation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <sstream>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/generator.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/random.h"
#include "tensor/shape.h"

namespace mica::models {

LanguageModel::~LanguageModel() = default;
void LanguageModel::reorder_cache(const Tensor& /*beam_indices*/) {}

namespace {

using Row = std::vector<double>;
using Seq = std::vector<int64_t>;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// t: [B, V] any floating dtype/device -> B rows of doubles.
std::vector<Row> to_rows(const Tensor& t, const char* op) {
  MICA_CHECK(t.dim() == 2, op, ": expected logits [B, V], got ", shape_str(t.sizes()));
  MICA_CHECK(t.is_floating_point(), op, ": logits must be floating, got ", dtype_name(t.dtype()));
  Tensor c = t.cpu().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  const int64_t b = t.size(0), v = t.size(1);
  std::vector<Row> rows(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) rows[i].assign(p + i * v, p + (i + 1) * v);
  return rows;
}

Tensor from_rows(const std::vector<Row>& rows, int64_t v, DType dtype) {
  std::vector<double> flat;
  flat.reserve(rows.size() * static_cast<size_t>(v));
  for (const Row& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return from_vector(flat, {static_cast<int64_t>(rows.size()), v}, TensorOptions(dtype));
}

// ids: int64/int32 [B, T] -> B sequences.
std::vector<Seq> to_seqs(const Tensor& ids, const char* op) {
  MICA_CHECK(ids.dim() == 2, op, ": expected ids [B, T], got ", shape_str(ids.sizes()));
  MICA_CHECK(ids.dtype() == kInt64 || ids.dtype() == kInt32, op, ": ids must be int64, got ",
             dtype_name(ids.dtype()));
  Tensor c = ids.cpu().to(kInt64).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  const int64_t b = ids.size(0), t = ids.size(1);
  std::vector<Seq> seqs(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) seqs[i].assign(p + i * t, p + (i + 1) * t);
  return seqs;
}

Tensor seqs_to_tensor(const std::vector<Seq>& seqs, int64_t from, Device device) {
  std::vector<int64_t> flat;
  const int64_t len = static_cast<int64_t>(seqs.at(0).size()) - from;
  for (const Seq& s : seqs) flat.insert(flat.end(), s.begin() + from, s.end());
  return from_vector(flat, {static_cast<int64_t>(seqs.size()), len}).to(device);
}

void repetition_penalty_row(Row& logits, const Seq& seq, double penalty) {
  if (penalty == 1.0) return;
  std::vector<char> seen(logits.size(), 0);
  for (int64_t tok : seq) {
    if (tok < 0 || tok >= static_cast<int64_t>(logits.size()) || seen[tok]) continue;
    seen[tok] = 1;
    double& l = logits[tok];
    l = l > 0 ? l / penalty : l * penalty;
  }
}

void top_k_row(Row& logits, int64_t k) {
  const int64_t v = static_cast<int64_t>(logits.size());
  if (k <= 0 || k >= v) return;
  Row sorted = logits;
  std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<>());
  const double kth = sorted[k - 1];
  for (double& l : logits)
    if (l < kth) l = kNegInf;
}

void softmax_row(Row& x) {
  const double m = *std::max_element(x.begin(), x.end());
  double s = 0;
  for (double& e : x) s += (e = std::exp(e - m));
  for (double& e : x) e /= s;
}

// Token ids sorted by decreasing logit, ties by lower id.
std::vector<int64_t> order_desc(const Row& logits) {
  std::vector<int64_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  return order;
}

void top_p_row(Row& logits, double p) {
  if (p >= 1.0) return;
  Row probs = logits;
  softmax_row(probs);
  const std::vector<int64_t> order = order_desc(logits);
  double above = 0;  // probability mass of the tokens ranked before the current one
  for (size_t r = 0; r < order.size(); ++r) {
    // Keep a token while the mass before it is < p (the first token is always kept).
    if (r > 0 && above >= p) logits[order[r]] = kNegInf;
    above += probs[order[r]];
  }
}

int64_t argmax_row(const Row& x) {
  return std::max_element(x.begin(), x.end()) - x.begin();  // first maximum, like torch
}

void check_config(const LanguageModel& model, const GenerationConfig& c) {
  MICA_CHECK(c.max_new_tokens >= 0, "generate: max_new_tokens must be >= 0, got ",
             c.max_new_tokens);
  MICA_CHECK(c.num_beams >= 1, "generate: num_beams must be >= 1, got ", c.num_beams);
  MICA_CHECK(!(c.do_sample && c.num_beams > 1),
             "generate: beam sampling (do_sample with num_beams > 1) is not supported");
  MICA_CHECK(c.temperature > 0, "generate: temperature must be > 0, got ", c.temperature);
  MICA_CHECK(c.top_k >= 0, "generate: top_k must be >= 0, got ", c.top_k);
  MICA_CHECK(c.top_p > 0 && c.top_p <= 1, "generate: top_p must be in (0, 1], got ", c.top_p);
  MICA_CHECK(c.repetition_penalty > 0, "generate: repetition_penalty must be > 0, got ",
             c.repetition_penalty);
  const int64_t v = model.vocab_size();
  MICA_CHECK(v >= 1, "generate: vocab_size must be >= 1, got ", v);
  for (const auto& id : {c.eos_token_id, c.pad_token_id})
    MICA_CHECK(!id || (*id >= 0 && *id < v), "generate: special token id ", *id,
               " outside the vocabulary of ", v);
}

// The model's next-token logits for every row of seqs ([N, V] rows). With the cache, the first
// call feeds the sequences whole, later calls their last token.
class Stepper {
 public:
  Stepper(LanguageModel& model, bool use_cache, Device device)
      : model_(model), cache_(use_cache && model.supports_cache()), device_(device) {
    model_.reset_cache();
  }
  std::vector<Row> next(const std::vector<Seq>& seqs) {
    const int64_t len = static_cast<int64_t>(seqs.at(0).size());
    const int64_t from = cache_ && fed_ > 0 ? fed_ : 0;
    Tensor logits = model_.next_logits(seqs_to_tensor(seqs, from, device_), cache_);
    fed_ = len;
    const int64_t n = static_cast<int64_t>(seqs.size()), v = model_.vocab_size();
    if (logits.dim() == 3) logits = logits.select(1, logits.size(1) - 1);
    MICA_CHECK(logits.dim() == 2 && logits.size(0) == n && logits.size(1) == v,
               "generate: next_logits returned ", shape_str(logits.sizes()), ", expected [", n,
               ", ", v, "] or [", n, ", T, ", v, "]");
    return to_rows(logits, "generate");
  }
  void reorder(const std::vector<int64_t>& beam_indices) {
    if (cache_) model_.reorder_cache(from_vector(beam_indices).to(device_));
  }

 private:
  LanguageModel& model_;
  bool cache_;
  Device device_;
  int64_t fed_ = 0;
};

Tensor pad_and_stack(const std::vector<Seq>& seqs, int64_t pad) {
  size_t len = 0;
  for (const Seq& s : seqs) len = std::max(len, s.size());
  std::vector<int64_t> flat;
  for (const Seq& s : seqs) {
    flat.insert(flat.end(), s.begin(), s.end());
    flat.insert(flat.end(), len - s.size(), pad);
  }
  return from_vector(flat, {static_cast<int64_t>(seqs.size()), static_cast<int64_t>(len)});
}

// ---- greedy search and sampling ----
Tensor greedy_or_sample(LanguageModel& model, std::vector<Seq> seqs, Device device,
                        const GenerationConfig& c) {
  const size_t b = seqs.size();
  MICA_CHECK(!c.streamer || b == 1, "generate: a streamer needs a single prompt row, got ", b);
  std::unique_ptr<Generator> own;
  Generator* gen = nullptr;
  if (c.do_sample) {
    if (c.seed) own = std::make_unique<Generator>(*c.seed);
    gen = own ? own.get() : &default_generator();
  }
  const int64_t pad = c.pad_token_id.value_or(c.eos_token_id.value_or(0));
  std::vector<char> done(b, 0);
  Stepper stepper(model, c.use_cache, device);
  for (int64_t step = 0; step < c.max_new_tokens; ++step) {
    std::vector<Row> rows = stepper.next(seqs);
    std::vector<int64_t> next(b);
    for (size_t i = 0; i < b; ++i) {
      repetition_penalty_row(rows[i], seqs[i], c.repetition_penalty);
      if (!c.do_sample) {
        next[i] = argmax_row(rows[i]);
        continue;
      }
      for (double& l : rows[i]) l /= c.temperature;
      top_k_row(rows[i], c.top_k);
      top_p_row(rows[i], c.top_p);
      softmax_row(rows[i]);
    }
    if (c.do_sample) {
      Tensor drawn = multinomial(from_rows(rows, model.vocab_size(), kFloat64), 1, false, gen);
      const int64_t* d = drawn.contiguous().data_ptr<int64_t>();
      for (size_t i = 0; i < b; ++i) next[i] = d[i];
    }
    bool all_done = true;
    for (size_t i = 0; i < b; ++i) {
      const int64_t tok = done[i] ? pad : next[i];
      seqs[i].push_back(tok);
      if (!done[i] && c.streamer) c.streamer(tok);
      if (c.eos_token_id && tok == *c.eos_token_id) done[i] = 1;
      all_done = all_done && done[i];
    }
    if (all_done) break;
  }
  return pad_and_stack(seqs, pad);
}

// ---- beam search ----
// The num_beams best finished hypotheses of one prompt row (HF's BeamHypotheses).
struct Hypotheses {
  int64_t num_beams;
  double length_penalty;
  std::vector<std::pair<double, Seq>> items;  // (score, tokens)
  bool done = false;

  double worst() const {
    double w = std::numeric_limits<double>::infinity();
    for (const auto& it : items) w = std::min(w, it.first);
    return w;
  }
  double score(double sum_logprobs, int64_t gen_len) const {
    return sum_logprobs /
           std::pow(static_cast<double>(std::max<int64_t>(gen_len, 1)), length_penalty);
  }
  void add(Seq seq, double sum_logprobs, int64_t gen_len) {
    const double s = score(sum_logprobs, gen_len);
    if (static_cast<int64_t>(items.size()) < num_beams || s > worst()) {
      items.emplace_back(s, std::move(seq));
      if (static_cast<int64_t>(items.size()) > num_beams) {
        auto w = std::min_element(items.begin(), items.end(),
                                  [](const auto& a, const auto& b) { return a.first < b.first; });
        items.erase(w);
      }
    }
  }
  // Whether no running beam can improve the list any more.
  bool is_done(double best_running_sum, int64_t gen_len, bool early_stopping) const {
    if (static_cast<int64_t>(items.size()) < num_beams) return false;
    if (early_stopping) return true;
    return worst() >= score(best_running_sum, gen_len);
  }
  const Seq& best() const {
    return std::max_element(items.begin(), items.end(),
                            [](const auto& a, const auto& b) { return a.first < b.first; })
        ->second;
  }
};

Tensor beam_search(LanguageModel& model, const std::vector<Seq>& prompts, Device device,
                   const GenerationConfig& c) {
  const int64_t b = static_cast<int64_t>(prompts.size()), k = c.num_beams;
  const int64_t v = model.vocab_size();
  const int64_t prompt_len = static_cast<int64_t>(prompts[0].size());
  const int64_t pad = c.pad_token_id.value_or(c.eos_token_id.value_or(0));
  // Row i * k + j is beam j of prompt i. Beam 0 starts at 0 and the others at -1e9 so the first
  // step expands beam 0 only (HF's trick to avoid k identical beams).
  std::vector<Seq> seqs;
  std::vector<double> scores;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < k; ++j) {
      seqs.push_back(prompts[i]);
      scores.push_back(j == 0 ? 0.0 : -1e9);
    }
  std::vector<Hypotheses> hyps(static_cast<size_t>(b), Hypotheses{k, c.length_penalty, {}});
  Stepper stepper(model, c.use_cache, device);
  for (int64_t step = 0; step < c.max_new_tokens; ++step) {
    std::vector<Row> rows = stepper.next(seqs);
    std::vector<Seq> next_seqs(seqs.size());
    std::vector<double> next_scores(seqs.size());
    std::vector<int64_t> source(seqs.size());
    const int64_t gen_len = step + 1;  // generated tokens after this step
    bool all_done = true;
    for (int64_t i = 0; i < b; ++i) {
      Hypotheses& h = hyps[i];
      if (h.done) {  // keep feeding padding, scores no longer matter
        for (int64_t j = 0; j < k; ++j) {
          const int64_t r = i * k + j;
          source[r] = r;
          next_seqs[r] = seqs[r];
          next_seqs[r].push_back(pad);
          next_scores[r] = scores[r];
        }
        continue;
      }
      // Candidates: every (beam, token) with the beam's score plus the token's log-prob.
      std::vector<std::pair<double, int64_t>> cand;  // (score, j * v + token)
      cand.reserve(static_cast<size_t>(k * v));
      for (int64_t j = 0; j < k; ++j) {
        const int64_t r = i * k + j;
        Row& l = rows[r];
        repetition_penalty_row(l, seqs[r], c.repetition_penalty);
        const double m = *std::max_element(l.begin(), l.end());
        double s = 0;
        for (double e : l) s += std::exp(e - m);
        const double lse = m + std::log(s);
        for (int64_t t = 0; t < v; ++t) cand.emplace_back(scores[r] + l[t] - lse, j * v + t);
      }
      const size_t top = std::min<size_t>(cand.size(), static_cast<size_t>(2 * k));
      std::partial_sort(
          cand.begin(), cand.begin() + top, cand.end(), [](const auto& a, const auto& b2) {
            return a.first > b2.first || (a.first == b2.first && a.second < b2.second);
          });
      int64_t filled = 0;
      for (size_t rank = 0; rank < top && filled < k; ++rank) {
        const int64_t j = cand[rank].second / v, tok = cand[rank].second % v;
        const int64_t r = i * k + j;
        if (c.eos_token_id && tok == *c.eos_token_id) {
          // An EOS outside the top k candidates is not a finished hypothesis (HF's rule).
          if (static_cast<int64_t>(rank) >= k) continue;
          Seq s = seqs[r];
          s.push_back(tok);
          h.add(std::move(s), cand[rank].first, gen_len);
          continue;
        }
        const int64_t dst = i * k + filled++;
        source[dst] = r;
        next_seqs[dst] = seqs[r];
        next_seqs[dst].push_back(tok);
        next_scores[dst] = cand[rank].first;
      }
      for (; filled < k; ++filled) {  // tiny vocabularies: pad with dead beams
        const int64_t dst = i * k + filled;
        source[dst] = i * k;
        next_seqs[dst] = seqs[i * k];
        next_seqs[dst].push_back(pad);
        next_scores[dst] = kNegInf;
      }
      double best_running = kNegInf;
      for (int64_t j = 0; j < k; ++j) best_running = std::max(best_running, next_scores[i * k + j]);
      h.done = h.is_done(best_running, gen_len, c.early_stopping);
      all_done = all_done && h.done;
    }
    seqs = std::move(next_seqs);
    scores = std::move(next_scores);
    if (all_done) break;
    stepper.reorder(source);
  }
  // Rows still running at max_new_tokens: their beams compete with the finished hypotheses.
  std::vector<Seq> best;
  for (int64_t i = 0; i < b; ++i) {
    Hypotheses& h = hyps[i];
    if (!h.done)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t r = i * k + j;
        if (scores[r] == kNegInf) continue;
        h.add(seqs[r], scores[r], static_cast<int64_t>(seqs[r].size()) - prompt_len);
      }
    best.push_back(h.items.empty() ? prompts[i] : h.best());
  }
  return pad_and_stack(best, pad);
}

}  // namespace

Tensor generate(LanguageModel& model, const Tensor& prompt_ids, const GenerationConfig& config) {
  MICA_CHECK(prompt_ids.dim() == 1 || prompt_ids.dim() == 2,
             "generate: prompt_ids must be [T] or [B, T], got ", shape_str(prompt_ids.sizes()));
  Tensor ids = prompt_ids.dim() == 1 ? prompt_ids.unsqueeze(0) : prompt_ids;
  MICA_CHECK(ids.size(0) >= 1 && ids.size(1) >= 1, "generate: empty prompt ",
             shape_str(ids.sizes()));
  check_config(model, config);
  std::vector<Seq> seqs = to_seqs(ids, "generate");
  NoGradGuard no_grad;
  if (config.num_beams > 1) return beam_search(model, seqs, prompt_ids.device(), config);
  return greedy_or_sample(model, std::move(seqs), prompt_ids.device(), config);
}

Tensor apply_repetition_penalty(const Tensor& logits, const Tensor& ids, double penalty) {
  MICA_CHECK(penalty > 0, "apply_repetition_penalty: penalty must be > 0, got ", penalty);
  std::vector<Row> rows = to_rows(logits, "apply_repetition_penalty");
  const std::vector<Seq> seqs = to_seqs(ids, "apply_repetition_penalty");
  MICA_CHECK(seqs.size() == rows.size(), "apply_repetition_penalty: logits ",
             shape_str(logits.sizes()), " and ids ", shape_str(ids.sizes()),
             " differ in batch size");
  for (size_t i = 0; i < rows.size(); ++i) repetition_penalty_row(rows[i], seqs[i], penalty);
  return from_rows(rows, logits.size(1), logits.dtype());
}

Tensor apply_top_k(const Tensor& logits, int64_t k) {
  MICA_CHECK(k >= 0, "apply_top_k: k must be >= 0, got ", k);
  std::vector<Row> rows = to_rows(logits, "apply_top_k");
  for (Row& r : rows) top_k_row(r, k);
  return from_rows(rows, logits.size(1), logits.dtype());
}

Tensor apply_top_p(const Tensor& logits, double p) {
  MICA_CHECK(p > 0 && p <= 1, "apply_top_p: p must be in (0, 1], got ", p);
  std::vector<Row> rows = to_rows(logits, "apply_top_p");
  for (Row& r : rows) top_p_row(r, p);
  return from_rows(rows, logits.size(1), logits.dtype());
}

std::vector<TokenProbability> next_token_probabilities(LanguageModel& model, const Tensor& ids,
                                                       int64_t n) {
  MICA_CHECK(ids.dim() == 1 || (ids.dim() == 2 && ids.size(0) == 1),
             "next_token_probabilities: ids must be [T] or [1, T], got ", shape_str(ids.sizes()));
  MICA_CHECK(n >= 0, "next_token_probabilities: n must be >= 0, got ", n);
  Tensor x = ids.dim() == 1 ? ids.unsqueeze(0) : ids;
  MICA_CHECK(x.size(1) >= 1, "next_token_probabilities: empty ids");
  NoGradGuard no_grad;
  model.reset_cache();
  Tensor logits = model.next_logits(x, false);
  if (logits.dim() == 3) logits = logits.select(1, logits.size(1) - 1);
  Row probs = to_rows(logits, "next_token_probabilities").at(0);
  softmax_row(probs);
  const std::vector<int64_t> order = order_desc(probs);
  std::vector<TokenProbability> out;
  for (int64_t r = 0; r < std::min<int64_t>(n, static_cast<int64_t>(order.size())); ++r)
    out.push_back({order[r], probs[order[r]]});
  return out;
}

std::string format_token_probabilities(const std::vector<TokenProbability>& table,
                                       const std::function<std::string(int64_t)>& decode) {
  std::vector<std::string> names;
  size_t width = 5;  // "token"
  for (const auto& e : table) {
    names.push_back("\"" + (decode ? decode(e.token) : std::to_string(e.token)) + "\"");
    width = std::max(width, names.back().size());
  }
  std::ostringstream os;
  os << "token" << std::string(width - 5, ' ') << "  probability\n";
  for (size_t i = 0; i < table.size(); ++i) {
    char pct[32];
    std::snprintf(pct, sizeof(pct), "%10.2f%%", 100.0 * table[i].probability);
    os << names[i] << std::string(width - names[i].size(), ' ') << "  " << pct << "\n";
  }
  return os.str();
}

}  // namespace mica::models
