// generate() and friends on toy LanguageModels: a fixed bigram table (logits depend on the last
// token only) and a hash model (logits depend on the whole history), each with and without a
// fake KV cache that checks the cache contract (prompt first, then one token per row; beam
// reorders). Expected outputs are hand-computed from the tables.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "mica.h"
#include "models/generation.h"

namespace mica::models {
namespace {

using Seq = std::vector<int64_t>;

std::vector<Seq> rows_of(const Tensor& ids) {
  Tensor c = ids.cpu().contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  std::vector<Seq> out;
  for (int64_t i = 0; i < ids.size(0); ++i)
    out.emplace_back(p + i * ids.size(1), p + (i + 1) * ids.size(1));
  return out;
}
Seq row0(const Tensor& ids) {
  return rows_of(ids).at(0);
}
Tensor ids_of(const std::vector<Seq>& rows) {
  std::vector<int64_t> flat;
  for (const Seq& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return from_vector(flat,
                     {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
}

// A model computing next-token logits from the full sequence of each row. With `cached`, it
// keeps the history itself and checks the calls generate makes follow the cache contract.
class ToyModel : public LanguageModel {
 public:
  ToyModel(int64_t vocab, bool cached, bool three_d = false)
      : vocab_(vocab), cached_(cached), three_d_(three_d) {}
  virtual std::vector<double> logits_for(const Seq& seq) const = 0;

  Tensor next_logits(const Tensor& ids, bool use_cache) override {
    EXPECT_EQ(ids.dtype(), kInt64);
    EXPECT_FALSE(GradMode::is_enabled());
    const std::vector<Seq> in = rows_of(ids);
    std::vector<Seq> seqs;
    if (use_cache) {
      EXPECT_TRUE(cached_) << "use_cache sent to a model without a cache";
      if (history_.empty()) {
        history_ = in;
      } else {
        EXPECT_EQ(ids.size(1), 1) << "after the prompt, one token per row";
        EXPECT_EQ(in.size(), history_.size());
        for (size_t i = 0; i < in.size(); ++i) history_[i].push_back(in[i][0]);
      }
      seqs = history_;
      ++cached_calls;
    } else {
      seqs = in;
    }
    const int64_t b = static_cast<int64_t>(seqs.size()), t = ids.size(1);
    std::vector<double> flat;
    for (const Seq& s : seqs) {
      std::vector<double> l = logits_for(s);
      if (three_d_)  // earlier positions hold junk: generate must take the last one
        for (int64_t p = 0; p + 1 < t; ++p) flat.insert(flat.end(), vocab_, 100.0);
      flat.insert(flat.end(), l.begin(), l.end());
    }
    return three_d_ ? from_vector(flat, {b, t, vocab_}) : from_vector(flat, {b, vocab_});
  }
  int64_t vocab_size() const override { return vocab_; }
  bool supports_cache() const override { return cached_; }
  void reset_cache() override { history_.clear(); }
  void reorder_cache(const Tensor& beam_indices) override {
    EXPECT_TRUE(cached_);
    std::vector<Seq> h;
    const Seq idx = row0(beam_indices.unsqueeze(0));
    for (int64_t i : idx) h.push_back(history_.at(i));
    history_ = h;
    ++reorders;
  }
  int64_t cached_calls = 0, reorders = 0;

 protected:
  int64_t vocab_;
  bool cached_, three_d_;
  std::vector<Seq> history_;
};

// logits[last token][next token] = table; probability tables are given as log-probs.
class BigramModel : public ToyModel {
 public:
  BigramModel(std::vector<std::vector<double>> table, bool cached)
      : ToyModel(static_cast<int64_t>(table.size()), cached), table_(std::move(table)) {}
  static BigramModel from_probs(const std::vector<std::vector<double>>& probs, bool cached) {
    std::vector<std::vector<double>> t = probs;
    for (auto& r : t)
      for (double& p : r) p = std::log(p);
    return BigramModel(t, cached);
  }
  std::vector<double> logits_for(const Seq& seq) const override { return table_.at(seq.back()); }
  // Sum of log-probs of seq[from:] under the table.
  double logprob(const Seq& seq, size_t from) const {
    double s = 0;
    for (size_t i = from; i < seq.size(); ++i) {
      const auto& l = table_.at(seq[i - 1]);
      double z = 0;
      for (double e : l) z += std::exp(e);
      s += l[seq[i]] - std::log(z);
    }
    return s;
  }

 private:
  std::vector<std::vector<double>> table_;
};

// Pseudo-random logits in [-scale, scale] from a hash of the whole sequence.
class HashModel : public ToyModel {
 public:
  HashModel(int64_t vocab, bool cached, double scale = 2.0, bool three_d = false)
      : ToyModel(vocab, cached, three_d), scale_(scale) {}
  std::vector<double> logits_for(const Seq& seq) const override {
    uint64_t h = 1469598103934665603ull;
    for (int64_t t : seq) h = mix(h ^ static_cast<uint64_t>(t + 1));
    std::vector<double> out(static_cast<size_t>(vocab_));
    for (int64_t v = 0; v < vocab_; ++v)
      out[v] = scale_ * (2.0 * static_cast<double>(mix(h + v) >> 11) / 9007199254740992.0 - 1.0);
    return out;
  }

 private:
  static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double scale_;
};

// argmax: 0 -> 2 -> 1 -> 3 -> 0 (3 is EOS in the EOS tests).
std::vector<std::vector<double>> chain_table() {
  return {{0.1, 0.2, 1.0, 0.3}, {0.0, -1.0, 0.5, 2.0}, {0.2, 1.5, 1.4, 0.0}, {3.0, 1.0, 2.0, 0.0}};
}

TEST(Generate, GreedyFollowsTheArgmaxChainWithAndWithoutCache) {
  for (bool cached : {false, true}) {
    BigramModel m(chain_table(), cached);
    Tensor out = generate(m, tensor({0}), {.max_new_tokens = 5});
    EXPECT_EQ(out.sizes(), Shape({1, 6}));
    EXPECT_EQ(row0(out), (Seq{0, 2, 1, 3, 0, 2})) << "cached " << cached;
    EXPECT_EQ(m.cached_calls, cached ? 5 : 0);
  }
}

TEST(Generate, CacheAndNoCacheAgreeOnHistoryDependentModel) {
  const Tensor prompt = ids_of({{3, 1, 4}, {1, 5, 9}});
  const std::vector<GenerationConfig> configs = {
      {.max_new_tokens = 8},
      {.max_new_tokens = 8, .do_sample = true, .top_k = 0, .seed = 7},
      {.max_new_tokens = 6, .eos_token_id = 2, .num_beams = 3},
      {.max_new_tokens = 6, .repetition_penalty = 1.5, .num_beams = 2, .early_stopping = true}};
  for (size_t i = 0; i < configs.size(); ++i) {
    HashModel plain(12, false), cached(12, true, 2.0, /*three_d=*/true);
    Tensor a = generate(plain, prompt, configs[i]);
    Tensor b = generate(cached, prompt, configs[i]);
    EXPECT_EQ(rows_of(a), rows_of(b)) << "config " << i;
    EXPECT_GT(cached.cached_calls, 1);
    if (configs[i].num_beams > 1) {
      EXPECT_GT(cached.reorders, 0);
    }
    GenerationConfig nc = configs[i];
    nc.use_cache = false;
    HashModel cached2(12, true);
    EXPECT_EQ(rows_of(generate(cached2, prompt, nc)), rows_of(a));
    EXPECT_EQ(cached2.cached_calls, 0);
  }
}

TEST(Generate, TopK1AndTinyTemperatureAndOneBeamEqualGreedy) {
  for (bool cached : {false, true}) {
    HashModel m(30, cached);
    const Tensor prompt = ids_of({{1, 2}, {7, 8}});
    const Tensor greedy = generate(m, prompt, {.max_new_tokens = 12});
    for (uint64_t seed : {1, 2, 3}) {
      EXPECT_EQ(
          rows_of(generate(m, prompt,
                           {.max_new_tokens = 12, .do_sample = true, .top_k = 1, .seed = seed})),
          rows_of(greedy));
      EXPECT_EQ(rows_of(generate(m, prompt,
                                 {.max_new_tokens = 12,
                                  .do_sample = true,
                                  .temperature = 1e-4,
                                  .top_k = 0,
                                  .seed = seed})),
                rows_of(greedy));
    }
    EXPECT_EQ(rows_of(generate(m, prompt, {.max_new_tokens = 12, .num_beams = 1})),
              rows_of(greedy));
  }
}

TEST(Generate, SeededSamplingIsReproducibleAndSeedsDiffer) {
  HashModel m(50, false, 0.5);  // nearly uniform: high entropy
  const Tensor prompt = tensor({4, 2});
  const GenerationConfig c{.max_new_tokens = 20, .do_sample = true, .top_k = 0, .seed = 11};
  const Seq a = row0(generate(m, prompt, c));
  EXPECT_EQ(row0(generate(m, prompt, c)), a);
  GenerationConfig d = c;
  d.seed = 12;
  EXPECT_NE(row0(generate(m, prompt, d)), a);
  // Without a seed, mica::manual_seed makes the default generator reproducible.
  GenerationConfig e = c;
  e.seed = std::nullopt;
  manual_seed(5);
  const Seq x = row0(generate(m, prompt, e));
  manual_seed(5);
  EXPECT_EQ(row0(generate(m, prompt, e)), x);
}

TEST(Generate, EosStopsAndPadsFinishedRows) {
  for (bool cached : {false, true}) {
    BigramModel m(chain_table(), cached);
    // 0 -> 2 -> 1 -> 3(EOS): stops after 3 tokens.
    EXPECT_EQ(row0(generate(m, tensor({0}), {.max_new_tokens = 10, .eos_token_id = 3})),
              (Seq{0, 2, 1, 3}));
    // Batch: row 0 ends at step 1 (1 -> 3), row 1 at step 3; row 0 is padded with pad_token_id.
    Tensor out = generate(m, ids_of({{1}, {0}}),
                          {.max_new_tokens = 10, .eos_token_id = 3, .pad_token_id = 0});
    EXPECT_EQ(rows_of(out), (std::vector<Seq>{{1, 3, 0, 0}, {0, 2, 1, 3}}));
    // pad defaults to EOS.
    out = generate(m, ids_of({{1}, {0}}), {.max_new_tokens = 10, .eos_token_id = 3});
    EXPECT_EQ(rows_of(out), (std::vector<Seq>{{1, 3, 3, 3}, {0, 2, 1, 3}}));
  }
}

TEST(Generate, StreamerSeesExactlyTheGeneratedTokensInOrder) {
  HashModel m(20, true);
  for (bool sample : {false, true}) {
    Seq seen;
    const Tensor out = generate(m, tensor({5, 6, 7}),
                                {.max_new_tokens = 15,
                                 .eos_token_id = 4,
                                 .do_sample = sample,
                                 .seed = 3,
                                 .streamer = [&](int64_t t) { seen.push_back(t); }});
    const Seq all = row0(out);
    EXPECT_EQ(seen, Seq(all.begin() + 3, all.end()));
    EXPECT_FALSE(seen.empty());
  }
  BigramModel b(chain_table(), false);
  Seq seen;
  generate(b, tensor({0}), {.max_new_tokens = 10, .eos_token_id = 3, .streamer = [&](int64_t t) {
                              seen.push_back(t);
                            }});
  EXPECT_EQ(seen, (Seq{2, 1, 3}));
  EXPECT_THROW(generate(b, ids_of({{0}, {1}}), {.streamer = [](int64_t) {}}), Error);
}

TEST(Generate, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  Tensor l = apply_repetition_penalty(from_vector(std::vector<double>{2, -1, 0.5, 3}, {1, 4}),
                                      ids_of({{0, 1, 1}}), 2.0);
  const double* p = l.data_ptr<double>();
  EXPECT_EQ(std::vector<double>(p, p + 4), (std::vector<double>{1, -2, 0.5, 3}));
  // Row 0: [3, 2, 0, -1]: unpenalized greedy repeats 0 forever; with penalty 2, token 0's logit
  // (in the prompt) becomes 1.5 < 2, so 1 is chosen. Row 1: [-1, -2, -1.5, -1.2]: with 0 and 1
  // already present they become -2 and -4, so 3 (-1.2) beats 2 (-1.5) and 0.
  for (bool cached : {false, true}) {
    BigramModel m({{3, 2, 0, -1}, {-1, -2, -1.5, -1.2}, {0, 0, 0, 0}, {0, 0, 0, 0}}, cached);
    EXPECT_EQ(row0(generate(m, tensor({0}), {.max_new_tokens = 2})), (Seq{0, 0, 0}));
    EXPECT_EQ(row0(generate(m, tensor({0}), {.max_new_tokens = 2, .repetition_penalty = 2.0})),
              (Seq{0, 1, 3}));
  }
}

TEST(Generate, TopKKeepsTiesAtTheKthLogit) {
  Tensor l = apply_top_k(from_vector(std::vector<double>{1, 3, 2, 2, 0}, {1, 5}), 2);
  const double* p = l.data_ptr<double>();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(std::vector<double>(p, p + 5), (std::vector<double>{-inf, 3, 2, 2, -inf}));
}

TEST(Generate, TopPKeepsTheSmallestNucleusAndSamplesOnlyFromIt) {
  // probabilities 0.3, 0.5, 0.05, 0.15 (token 1 first, then 0, 3, 2).
  const std::vector<double> probs{0.3, 0.5, 0.05, 0.15};
  std::vector<double> logits;
  for (double q : probs) logits.push_back(std::log(q));
  const Tensor lt = from_vector(logits, {1, 4});
  auto kept = [&](double p) {
    Tensor out = apply_top_p(lt, p);
    std::set<int64_t> k;
    for (int64_t i = 0; i < 4; ++i)
      if (std::isfinite(out.data_ptr<double>()[i])) k.insert(i);
    return k;
  };
  EXPECT_EQ(kept(0.4), (std::set<int64_t>{1}));            // 0.5 >= 0.4
  EXPECT_EQ(kept(0.75), (std::set<int64_t>{0, 1}));        // 0.8 >= 0.75
  EXPECT_EQ(kept(0.9), (std::set<int64_t>{0, 1, 3}));      // 0.95 >= 0.9
  EXPECT_EQ(kept(0.97), (std::set<int64_t>{0, 1, 2, 3}));  // needs all
  EXPECT_EQ(kept(1.0), (std::set<int64_t>{0, 1, 2, 3}));

  // A model whose next-token distribution is always `probs`: with top_p = 0.75 only tokens 0
  // and 1 may appear, in ratio 0.3 : 0.5.
  BigramModel m = BigramModel::from_probs({probs, probs, probs, probs}, true);
  const Tensor out =
      generate(m, tensor({2}),
               {.max_new_tokens = 2000, .do_sample = true, .top_k = 0, .top_p = 0.75, .seed = 9});
  std::map<int64_t, int64_t> count;
  const Seq s = row0(out);
  for (size_t i = 1; i < s.size(); ++i) ++count[s[i]];
  EXPECT_EQ(count[2] + count[3], 0);
  EXPECT_NEAR(static_cast<double>(count[1]) / 2000, 0.5 / 0.8, 0.04);
  // Top-p after temperature: at temperature 0.5 the probabilities are ~ q^2 normalized
  // (0.09, 0.25, 0.0025, 0.0225)/0.365 = 0.247, 0.685, 0.007, 0.062, so top_p 0.6 keeps only 1.
  const Tensor hot = generate(m, tensor({2}),
                              {.max_new_tokens = 200,
                               .do_sample = true,
                               .temperature = 0.5,
                               .top_k = 0,
                               .top_p = 0.6,
                               .seed = 9});
  const Seq hs = row0(hot);
  for (size_t i = 1; i < hs.size(); ++i) EXPECT_EQ(hs[i], 1);
}

TEST(Generate, BeamSearchBeatsMyopicGreedy) {
  // From 0, greedy takes 1 (0.55) but every continuation of 1 has probability 0.25; taking 2
  // (0.43) leads to 2 again with 0.97: 0.43 * 0.97 = 0.417 > 0.55 * 0.25 = 0.1375.
  const std::vector<std::vector<double>> probs = {{0.01, 0.55, 0.43, 0.01},
                                                  {0.25, 0.25, 0.25, 0.25},
                                                  {0.01, 0.01, 0.97, 0.01},
                                                  {0.25, 0.25, 0.25, 0.25}};
  for (bool cached : {false, true}) {
    BigramModel m = BigramModel::from_probs(probs, cached);
    const Seq greedy = row0(generate(m, tensor({0}), {.max_new_tokens = 2}));
    const Seq beam = row0(generate(m, tensor({0}), {.max_new_tokens = 2, .num_beams = 2}));
    EXPECT_EQ(greedy, (Seq{0, 1, 0}));
    EXPECT_EQ(beam, (Seq{0, 2, 2}));
    EXPECT_NEAR(m.logprob(beam, 1), std::log(0.43 * 0.97), 1e-9);
    EXPECT_GT(m.logprob(beam, 1), m.logprob(greedy, 1));
  }
}

TEST(Generate, BeamLengthPenaltyPicksShortOrLongHypothesis) {
  // From 0: EOS(3) 0.5, token 1 0.45; 1 -> 2 (0.9); 2 -> EOS (0.9). Finished hypotheses:
  // A = [3]: log 0.5 = -0.693 (length 1); B = [1, 2, 3]: log(0.45 * 0.81) = -1.009 (length 3).
  // length_penalty 0 scores by the sum: A wins; 1 divides by the length: B (-0.336) wins.
  const std::vector<std::vector<double>> probs = {{0.025, 0.45, 0.025, 0.5},
                                                  {0.1 / 3, 0.1 / 3, 0.9, 0.1 / 3},
                                                  {0.1 / 3, 0.1 / 3, 0.1 / 3, 0.9},
                                                  {0.25, 0.25, 0.25, 0.25}};
  for (bool cached : {false, true}) {
    for (bool early : {false, true}) {
      BigramModel m = BigramModel::from_probs(probs, cached);
      GenerationConfig c{.max_new_tokens = 3,
                         .eos_token_id = 3,
                         .num_beams = 2,
                         .length_penalty = 0.0,
                         .early_stopping = early};
      EXPECT_EQ(row0(generate(m, tensor({0}), c)), (Seq{0, 3}));
      c.length_penalty = 1.0;
      EXPECT_EQ(row0(generate(m, tensor({0}), c)), (Seq{0, 1, 2, 3}));
      // Batched: the short row is padded with EOS.
      c.length_penalty = 0.0;
      EXPECT_EQ(rows_of(generate(m, ids_of({{0}, {1}}), c)),
                (std::vector<Seq>{{0, 3, 3}, {1, 2, 3}}));
    }
  }
}

TEST(Generate, BatchedEqualsPerRow) {
  for (bool cached : {false, true}) {
    HashModel m(25, cached);
    const std::vector<Seq> prompts = {{1, 2, 3}, {9, 8, 7}};
    for (const GenerationConfig& c :
         {GenerationConfig{.max_new_tokens = 10},
          GenerationConfig{.max_new_tokens = 10, .repetition_penalty = 1.3},
          GenerationConfig{.max_new_tokens = 6, .eos_token_id = 0, .num_beams = 3}}) {
      const std::vector<Seq> batched = rows_of(generate(m, ids_of(prompts), c));
      for (size_t i = 0; i < prompts.size(); ++i) {
        Seq single = row0(generate(m, ids_of({prompts[i]}), c));
        Seq b = batched[i];
        const int64_t pad = c.eos_token_id.value_or(-1);
        while (b.size() > single.size() && b.back() == pad) b.pop_back();
        EXPECT_EQ(b, single) << "row " << i << " cached " << cached;
      }
    }
  }
}

TEST(Generate, NextTokenProbabilitiesTable) {
  BigramModel m = BigramModel::from_probs({{0.1, 0.6, 0.3}, {1, 1, 1}, {1, 1, 1}}, false);
  const auto top = next_token_probabilities(m, tensor({2, 0}), 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].token, 1);
  EXPECT_NEAR(top[0].probability, 0.6, 1e-12);
  EXPECT_EQ(top[1].token, 2);
  EXPECT_NEAR(top[1].probability, 0.3, 1e-12);
  const std::vector<std::string> names{" a", " night", " day"};
  const std::string s = format_token_probabilities(top, [&](int64_t t) { return names[t]; });
  EXPECT_EQ(s,
            "token     probability\n"
            "\" night\"       60.00%\n"
            "\" day\"         30.00%\n");
}

TEST(Generate, RejectsBadArguments) {
  BigramModel m(chain_table(), false);
  EXPECT_THROW(generate(m, tensor({0}), {.do_sample = true, .num_beams = 2}), Error);
  EXPECT_THROW(generate(m, tensor({0}), {.do_sample = true, .temperature = 0}), Error);
  EXPECT_THROW(generate(m, tensor({0}), {.top_p = 0}), Error);
  EXPECT_THROW(generate(m, tensor({0}), {.eos_token_id = 4}), Error);
  EXPECT_THROW(generate(m, zeros({1, 1, 1}, TensorOptions(kInt64)), {}), Error);
  EXPECT_THROW(generate(m, tensor({0.5}), {}), Error);
  EXPECT_EQ(row0(generate(m, tensor({0}), {.max_new_tokens = 0})), (Seq{0}));
}

}  // namespace
}  // namespace mica::models
