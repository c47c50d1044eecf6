// Command-line options of ch02_fortune_classifier: data, tokenizer, model size, training
// schedule, the run folder, and --quick (a tiny CI run that checks the model can fit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/run.h"
#include "data/text.h"

namespace mica::examples {

struct ClassifierOptions {
  // data
  std::string fortunes_dir = data::kFortunesDir;
  std::vector<std::string> categories = {"computers", "food", "politics", "sports", "startrek"};
  int64_t max_per_class = 300;
  double test_fraction = 0.2;
  bool class_weights = true;
  // tokenizer
  std::string tokenizer = "bpe";  // "bpe" or "char"
  int64_t vocab_size = 1536;      // BPE only
  int64_t max_len = 48;           // tokens per entry, [CLS] included
  // model
  int64_t layers = 2, hidden = 128, heads = 4, intermediate = 0;  // 0: 4 * hidden
  std::string pooling = "mean";  // "mean" (learns faster from scratch) or "cls"
  double dropout = 0.1;
  // training
  int64_t epochs = 6, batch_size = 32, eval_batch_size = 128;
  double lr = 2e-3, weight_decay = 0.01, warmup = 0.1, clip = 1.0;
  std::string schedule = "linear";  // "linear" or "cosine"
  int64_t train_eval_size = 500;    // training entries evaluated each epoch (fit check)
  uint64_t seed = 1337;
  int threads = 0;
  // output
  std::string out = "runs";
  std::string name{};
  int64_t show_errors = 8;
  // --check-fit: exit 2 unless train-subset accuracy > its majority baseline + fit_margin
  bool check_fit = false;
  double fit_margin = 0.1;

  data::Config to_config(int threads_used) const;
};

// Throws mica::Error on an unknown flag or a bad value; --help prints usage and exits.
ClassifierOptions parse_options(int argc, char** argv);

}  // namespace mica::examples
