// Parsing and recording of ch02_fortune_classifier's options (options.h).
#include "examples/ch02_classifier/options.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "tensor/error.h"

namespace mica::examples {
namespace {

const char* kUsage = R"(usage: ch02_fortune_classifier [options]
data:
  --fortunes-dir DIR     fortune files (default /usr/share/games/fortunes)
  --categories a,b,c     categories to tell apart (default computers,food,politics,sports,startrek)
  --max-per-class N      keep at most N hash-chosen entries per category (default 300; 0: all)
  --test-fraction F      stratified test share (default 0.2)
  --no-class-weights     plain cross-entropy instead of balanced class weights
tokenizer:
  --tokenizer bpe|char   byte-level BPE (default) or characters, trained on the training texts
  --vocab-size N         BPE vocabulary incl. [PAD], [CLS] (default 1536)
  --max-len N            tokens per entry incl. [CLS] (default 48)
model:
  --layers N --hidden N --heads N --intermediate N (0: 4*hidden)   (default 2, 128, 4, 0)
  --pooling mean|cls     mean over the tokens (default) or the pooled [CLS]
  --dropout P            (default 0.1)
training:
  --epochs N (6) --batch-size N (32) --lr X (2e-3) --weight-decay X (0.01)
  --warmup F             warmup share of all steps (default 0.1)
  --schedule linear|cosine   decay after warmup (default linear)
  --clip X               gradient-norm clipping (default 1.0)
  --seed N --threads N
  --check-fit            exit 2 unless accuracy on a training subset beats its majority
                         baseline by --fit-margin (default 0.1)
output:
  --out DIR (runs) --name NAME --show-errors N (8)
  --quick                tiny run for CI: 40 entries per category, max-len 24, 1 layer of 64,
                         4 epochs, --check-fit
)";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string part = s.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

ClassifierOptions parse_options(int argc, char** argv) {
  ClassifierOptions o;
  // --quick first, so that explicit flags after or before it still win.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--quick") continue;
    o.max_per_class = 40;
    o.max_len = 24;
    o.vocab_size = 384;
    o.layers = 1;
    o.hidden = 64;
    o.heads = 2;
    o.epochs = 4;
    o.batch_size = 16;
    o.lr = 3e-3;
    o.dropout = 0.0;
    o.train_eval_size = 160;
    o.show_errors = 3;
    o.check_fit = true;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      MICA_CHECK(i + 1 < argc, "ch02_fortune_classifier: ", a, " needs a value");
      return argv[++i];
    };
    auto next_int = [&]() { return static_cast<int64_t>(std::stoll(next())); };
    if (a == "--quick") continue;
    if (a == "--fortunes-dir")
      o.fortunes_dir = next();
    else if (a == "--categories")
      o.categories = split_commas(next());
    else if (a == "--max-per-class")
      o.max_per_class = next_int();
    else if (a == "--test-fraction")
      o.test_fraction = std::stod(next());
    else if (a == "--no-class-weights")
      o.class_weights = false;
    else if (a == "--tokenizer")
      o.tokenizer = next();
    else if (a == "--vocab-size")
      o.vocab_size = next_int();
    else if (a == "--max-len")
      o.max_len = next_int();
    else if (a == "--layers")
      o.layers = next_int();
    else if (a == "--hidden")
      o.hidden = next_int();
    else if (a == "--heads")
      o.heads = next_int();
    else if (a == "--intermediate")
      o.intermediate = next_int();
    else if (a == "--pooling")
      o.pooling = next();
    else if (a == "--dropout")
      o.dropout = std::stod(next());
    else if (a == "--epochs")
      o.epochs = next_int();
    else if (a == "--batch-size")
      o.batch_size = next_int();
    else if (a == "--lr")
      o.lr = std::stod(next());
    else if (a == "--weight-decay")
      o.weight_decay = std::stod(next());
    else if (a == "--warmup")
      o.warmup = std::stod(next());
    else if (a == "--schedule")
      o.schedule = next();
    else if (a == "--clip")
      o.clip = std::stod(next());
    else if (a == "--seed")
      o.seed = std::stoull(next());
    else if (a == "--threads")
      o.threads = static_cast<int>(next_int());
    else if (a == "--check-fit")
      o.check_fit = true;
    else if (a == "--fit-margin")
      o.fit_margin = std::stod(next());
    else if (a == "--out")
      o.out = next();
    else if (a == "--name")
      o.name = next();
    else if (a == "--show-errors")
      o.show_errors = next_int();
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      MICA_FAIL("ch02_fortune_classifier: unknown argument '", a, "' (try --help)");
    }
  }
  MICA_CHECK(o.tokenizer == "bpe" || o.tokenizer == "char",
             "ch02_fortune_classifier: --tokenizer must be bpe or char, got '", o.tokenizer, "'");
  MICA_CHECK(o.pooling == "cls" || o.pooling == "mean",
             "ch02_fortune_classifier: --pooling must be cls or mean, got '", o.pooling, "'");
  MICA_CHECK(o.schedule == "linear" || o.schedule == "cosine",
             "ch02_fortune_classifier: --schedule must be linear or cosine, got '", o.schedule,
             "'");
  MICA_CHECK(o.epochs >= 1 && o.batch_size >= 1 && o.eval_batch_size >= 1 && o.max_len >= 2,
             "ch02_fortune_classifier: --epochs and --batch-size must be positive and --max-len "
             "at least 2");
  MICA_CHECK(o.warmup >= 0 && o.warmup < 1,
             "ch02_fortune_classifier: --warmup must be in [0, 1), got ", o.warmup);
  return o;
}

data::Config ClassifierOptions::to_config(int threads_used) const {
  std::string cats;
  for (const auto& c : categories) cats += (cats.empty() ? "" : ",") + c;
  return {{"categories", cats},
          {"max_per_class", max_per_class},
          {"test_fraction", test_fraction},
          {"class_weights", class_weights},
          {"tokenizer", tokenizer},
          {"vocab_size", vocab_size},
          {"max_len", max_len},
          {"layers", layers},
          {"hidden", hidden},
          {"heads", heads},
          {"intermediate", intermediate},
          {"pooling", pooling},
          {"dropout", dropout},
          {"epochs", epochs},
          {"batch_size", batch_size},
          {"lr", lr},
          {"weight_decay", weight_decay},
          {"warmup", warmup},
          {"schedule", schedule},
          {"clip", clip},
          {"seed", static_cast<int64_t>(seed)},
          {"threads", static_cast<int64_t>(threads_used)}};
}

}  // namespace mica::examples
