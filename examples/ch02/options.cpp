// ch02_gpt_fortunes: command-line options (with --quick and --w2 presets), their checks, and
// their JSON form stored in checkpoints.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "ch02.h"
#include "data/metrics_json.h"

namespace ch02 {

namespace {

const char* kUsage = R"(usage: ch02_gpt_fortunes [options]
Trains a GPT on Debian's fortunes (workload W2's corpus and batches) and shows chapter 2 of the
book: tokenizers, next-token probabilities, generation strategies, zero-shot scoring.

model:     --n-layer 4  --n-head 4  --n-embd 128  --block-size 128   (default: W2's model)
           --tokenizer char|bpe   (bpe: a byte-level BPE trained on the training text)
           --bpe-vocab 1024  --bpe-train-chars 400000
training:  --steps 3000  --batch-size 16  --lr 3e-3  --warmup 150  --schedule cosine|constant
           --weight-decay 0.01  --grad-clip 1.0 (0: off)  --seed 1337
           --device cpu|cuda  --dtype float32|float64  --threads N
           --eval-every 100  --val-batches 8  --checkpoint-every 200
run:       --out runs  --name <run folder name>  --resume <run folder or checkpoint.h5>  --gen-tokens 120
           --classify-per-class 10  --stop-after N (stop after N steps, as if interrupted)
presets:   --quick  tiny model, 40 steps, short generations (well under a minute)
           --w2     workload W2 exactly: AdamW lr 3e-4 constant, wd 0.01, no clipping,
                    301 steps, train/val loss at steps 0/100/200/300
)";

int64_t to_int(const std::string& flag, const std::string& v) {
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  MICA_CHECK(used == v.size() && !v.empty(), "ch02_gpt_fortunes: ", flag,
             " needs an integer, got '", v, "'");
  return x;
}

double to_double(const std::string& flag, const std::string& v) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  MICA_CHECK(used == v.size() && !v.empty(), "ch02_gpt_fortunes: ", flag, " needs a number, got '",
             v, "'");
  return x;
}

void check(const Options& o) {
  auto positive = [](const char* name, int64_t v) {
    MICA_CHECK(v > 0, "ch02_gpt_fortunes: ", name, " must be positive, got ", v);
  };
  positive("--n-layer", o.n_layer);
  positive("--n-head", o.n_head);
  positive("--n-embd", o.n_embd);
  positive("--block-size", o.block_size);
  positive("--steps", o.steps);
  positive("--batch-size", o.batch_size);
  positive("--eval-every", o.eval_every);
  positive("--val-batches", o.val_batches);
  positive("--checkpoint-every", o.checkpoint_every);
  MICA_CHECK(o.n_embd % o.n_head == 0, "ch02_gpt_fortunes: --n-embd ", o.n_embd,
             " must be a multiple of --n-head ", o.n_head);
  MICA_CHECK(o.lr > 0, "ch02_gpt_fortunes: --lr must be positive, got ", o.lr);
  MICA_CHECK(o.warmup >= 0 && o.grad_clip >= 0 && o.weight_decay >= 0 && o.stop_after >= 0,
             "ch02_gpt_fortunes: --warmup, --grad-clip, --weight-decay and --stop-after must not "
             "be negative");
  MICA_CHECK(o.tokenizer == "char" || o.tokenizer == "bpe",
             "ch02_gpt_fortunes: --tokenizer must be char or bpe, got '", o.tokenizer, "'");
  MICA_CHECK(o.schedule == "cosine" || o.schedule == "constant",
             "ch02_gpt_fortunes: --schedule must be cosine or constant, got '", o.schedule, "'");
  MICA_CHECK(o.bpe_vocab > 256 + 1 && o.bpe_vocab <= 65536, "ch02_gpt_fortunes: --bpe-vocab ",
             o.bpe_vocab, " must be in (257, 65536]");
  MICA_CHECK(o.bpe_train_chars >= 1000, "ch02_gpt_fortunes: --bpe-train-chars must be >= 1000");
  MICA_CHECK(o.gen_tokens >= 1 && o.classify_per_class >= 0,
             "ch02_gpt_fortunes: --gen-tokens must be positive, --classify-per-class >= 0");
  parse_device(o.device);  // throws for unknown names or CUDA without a GPU
  parse_dtype(o.dtype);
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  std::optional<int64_t> steps, eval_every, checkpoint_every, gen_tokens;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      MICA_CHECK(i + 1 < argc, "ch02_gpt_fortunes: ", a, " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--w2") {
      o.w2 = true;
    } else if (a == "--n-layer") {
      o.n_layer = to_int(a, next());
    } else if (a == "--n-head") {
      o.n_head = to_int(a, next());
    } else if (a == "--n-embd") {
      o.n_embd = to_int(a, next());
    } else if (a == "--block-size") {
      o.block_size = to_int(a, next());
    } else if (a == "--steps") {
      steps = to_int(a, next());
    } else if (a == "--batch-size") {
      o.batch_size = to_int(a, next());
    } else if (a == "--lr") {
      o.lr = to_double(a, next());
    } else if (a == "--warmup") {
      o.warmup = to_int(a, next());
    } else if (a == "--schedule") {
      o.schedule = next();
    } else if (a == "--weight-decay") {
      o.weight_decay = to_double(a, next());
    } else if (a == "--grad-clip") {
      o.grad_clip = to_double(a, next());
    } else if (a == "--tokenizer") {
      o.tokenizer = next();
    } else if (a == "--bpe-vocab") {
      o.bpe_vocab = to_int(a, next());
    } else if (a == "--bpe-train-chars") {
      o.bpe_train_chars = to_int(a, next());
    } else if (a == "--device") {
      o.device = next();
    } else if (a == "--dtype") {
      o.dtype = next();
    } else if (a == "--seed") {
      o.seed = static_cast<uint64_t>(to_int(a, next()));
    } else if (a == "--threads") {
      o.threads = static_cast<int>(to_int(a, next()));
    } else if (a == "--out") {
      o.out = next();
    } else if (a == "--name") {
      o.name = next();
    } else if (a == "--resume") {
      o.resume = next();
    } else if (a == "--eval-every") {
      eval_every = to_int(a, next());
    } else if (a == "--val-batches") {
      o.val_batches = to_int(a, next());
    } else if (a == "--checkpoint-every") {
      checkpoint_every = to_int(a, next());
    } else if (a == "--stop-after") {
      o.stop_after = to_int(a, next());
    } else if (a == "--gen-tokens") {
      gen_tokens = to_int(a, next());
    } else if (a == "--classify-per-class") {
      o.classify_per_class = to_int(a, next());
    } else {
      MICA_FAIL("ch02_gpt_fortunes: unknown argument '", a, "' (try --help)");
    }
  }
  MICA_CHECK(!(o.quick && o.w2), "ch02_gpt_fortunes: --quick and --w2 exclude each other");
  if (o.quick) {  // tiny: 2 layers, 64 wide, block 64, a few dozen steps
    o.n_layer = 2;
    o.n_embd = 64;
    o.block_size = 64;
    o.batch_size = 16;
    o.steps = 40;
    o.warmup = 5;
    o.lr = 3e-3;
    o.eval_every = 20;
    o.val_batches = 2;
    o.checkpoint_every = 20;
    o.gen_tokens = 40;
    o.classify_per_class = 3;
    o.bpe_train_chars = 50000;
    o.bpe_vocab = 400;
  }
  if (o.w2) {  // WORKLOADS.md W2: model, batches, optimizer and report points exactly
    o.n_layer = 4;
    o.n_head = 4;
    o.n_embd = 128;
    o.block_size = 128;
    o.batch_size = 32;
    o.tokenizer = "char";
    o.steps = 301;
    o.lr = 3e-4;
    o.warmup = 0;
    o.schedule = "constant";
    o.weight_decay = 0.01;
    o.grad_clip = 0;
    o.eval_every = 100;
    o.val_batches = 8;
    o.checkpoint_every = 1000;
  }
  if (steps) o.steps = *steps;
  o.steps_given = steps.has_value();
  if (eval_every) o.eval_every = *eval_every;
  if (checkpoint_every) o.checkpoint_every = *checkpoint_every;
  if (gen_tokens) o.gen_tokens = *gen_tokens;
  check(o);
  return o;
}

std::string Options::to_json() const {
  namespace json = data::json;
  auto s = [](const std::string& v) { return json::quote(v); };
  auto n = [](double v) { return json::number(v); };
  auto i = [](int64_t v) { return std::to_string(v); };
  std::string out = "{";
  auto add = [&](const char* key, const std::string& value) {
    if (out.size() > 1) out += ", ";
    out += json::quote(key) + ": " + value;
  };
  add("n_layer", i(n_layer));
  add("n_head", i(n_head));
  add("n_embd", i(n_embd));
  add("block_size", i(block_size));
  add("steps", i(steps));
  add("batch_size", i(batch_size));
  add("lr", n(lr));
  add("warmup", i(warmup));
  add("min_lr_fraction", n(min_lr_fraction));
  add("weight_decay", n(weight_decay));
  add("grad_clip", n(grad_clip));
  add("schedule", s(schedule));
  add("tokenizer", s(tokenizer));
  add("bpe_vocab", i(bpe_vocab));
  add("bpe_train_chars", i(bpe_train_chars));
  add("device", s(device));
  add("dtype", s(dtype));
  add("seed", std::to_string(seed));
  add("eval_every", i(eval_every));
  add("val_batches", i(val_batches));
  add("checkpoint_every", i(checkpoint_every));
  add("gen_tokens", i(gen_tokens));
  add("classify_per_class", i(classify_per_class));
  add("quick", quick ? "true" : "false");
  add("w2", w2 ? "true" : "false");
  return out + "}";
}

Options Options::from_json(const std::string& text) {
  namespace json = data::json;
  Options o;
  for (const auto& [key, v] : json::parse_object(text, "ch02_gpt_fortunes: checkpoint config")) {
    const char* k = key.c_str();
    if (key == "n_layer")
      o.n_layer = v.as_int(k);
    else if (key == "n_head")
      o.n_head = v.as_int(k);
    else if (key == "n_embd")
      o.n_embd = v.as_int(k);
    else if (key == "block_size")
      o.block_size = v.as_int(k);
    else if (key == "steps")
      o.steps = v.as_int(k);
    else if (key == "batch_size")
      o.batch_size = v.as_int(k);
    else if (key == "lr")
      o.lr = v.number;
    else if (key == "warmup")
      o.warmup = v.as_int(k);
    else if (key == "min_lr_fraction")
      o.min_lr_fraction = v.number;
    else if (key == "weight_decay")
      o.weight_decay = v.number;
    else if (key == "grad_clip")
      o.grad_clip = v.number;
    else if (key == "schedule")
      o.schedule = v.text;
    else if (key == "tokenizer")
      o.tokenizer = v.text;
    else if (key == "bpe_vocab")
      o.bpe_vocab = v.as_int(k);
    else if (key == "bpe_train_chars")
      o.bpe_train_chars = v.as_int(k);
    else if (key == "device")
      o.device = v.text;
    else if (key == "dtype")
      o.dtype = v.text;
    else if (key == "seed")
      o.seed = static_cast<uint64_t>(v.as_int(k));
    else if (key == "eval_every")
      o.eval_every = v.as_int(k);
    else if (key == "val_batches")
      o.val_batches = v.as_int(k);
    else if (key == "checkpoint_every")
      o.checkpoint_every = v.as_int(k);
    else if (key == "gen_tokens")
      o.gen_tokens = v.as_int(k);
    else if (key == "classify_per_class")
      o.classify_per_class = v.as_int(k);
    else if (key == "quick")
      o.quick = v.boolean;
    else if (key == "w2")
      o.w2 = v.boolean;
  }
  return o;
}

}  // namespace ch02
