// ch02_gpt_fortunes: what the example's parts share: the options, the tokenized corpus (W2's
// characters or a BPE trained on them), and the entry points of each part (tokenization demo,
// training with checkpoints, generation demo, zero-shot classification analog).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mica.h"
#include "models/generation.h"
#include "models/gpt.h"
#include "models/gpt_generation.h"

namespace ch02 {

using namespace mica;

// Every command-line setting. to_json/from_json carry it inside checkpoints so --resume
// continues the same run.
struct Options {
  // model (default: workload W2's char GPT)
  int64_t n_layer = 4, n_head = 4, n_embd = 128, block_size = 128;
  // training (default recipe: AdamW, linear warmup then cosine decay, clipping)
  int64_t steps = 3000;
  int64_t batch_size = 16;
  double lr = 3e-3;
  int64_t warmup = 150;
  double min_lr_fraction = 0.1;  // cosine floor: lr ends at lr * this
  double weight_decay = 0.01;
  double grad_clip = 1.0;           // 0: off
  std::string schedule = "cosine";  // cosine | constant
  std::string tokenizer = "char";   // char | bpe
  int64_t bpe_vocab = 1024;
  int64_t bpe_train_chars = 400000;  // BPE trains on this prefix of the training text
  std::string device = "cpu";
  std::string dtype = "float32";
  uint64_t seed = 1337;
  int threads = 0;
  std::string out = "runs";
  std::string resume{};  // run folder or checkpoint file
  std::string name{};    // run folder name under --out (default: the local time)
  int64_t eval_every = 100;
  int64_t val_batches = 8;  // W2: 8 fixed batches of 32 sequences
  int64_t checkpoint_every = 200;
  int64_t stop_after = 0;    // > 0: stop after this many steps as if interrupted (tests resume)
  int64_t gen_tokens = 120;  // generation length (characters or BPE tokens)
  int64_t classify_per_class = 10;
  bool quick = false;
  bool w2 = false;
  bool steps_given = false;  // --steps on the command line (a resumed run may extend)

  std::string to_json() const;
  static Options from_json(const std::string& json);
};

// Parses argv (prints usage and exits for --help); throws mica::Error on bad values.
Options parse_options(int argc, char** argv);

// The tokenizer the model reads (a data::Tokenizer) and the text normalization W2 applies
// (TAB -> space, bytes outside '\n' and 32..126 dropped) before encoding.
struct TextCodec {
  std::shared_ptr<data::Tokenizer> tokenizer;
  std::string kind;  // "char" or "bpe"
  std::vector<int64_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int64_t>& ids) const;
  std::string decode_one(int64_t id) const { return decode({id}); }
  int64_t vocab_size() const { return tokenizer->vocab_size(); }
};

// W2's 96-character vocabulary as a data::CharTokenizer with the same ids ('\n' -> 0,
// c -> c - 31); checked against data::encode_chars.
data::CharTokenizer w2_char_tokenizer();

// The training corpus as model token ids: W2's corpus itself (uint8 ids) or its BPE encoding
// (int32 ids); both batch through data::char_batch.
struct TokenData {
  data::CharCorpus chars;        // always loaded (W2's text)
  std::vector<int32_t> train{};  // bpe only: the train/val splits' token ids
  std::vector<int32_t> val{};
  bool bpe = false;
  // W2's batches: rows at off = h(1337, stream, first + b) mod (n - block - 1) -> int64 [B, T+1]
  Tensor batch(bool train_split, int64_t batch, int64_t block, uint64_t stream,
               uint64_t first) const;
};

// ---- part 1: tokenization (tokenize_demo.cpp). Returns the report text; trains the BPE when
// opt.tokenizer == "bpe" (or shows a small one otherwise) and returns the codec to train with.
struct TokenizationResult {
  std::string report;
  TextCodec codec;
};
TokenizationResult tokenization_demo(const Options& opt, const data::CharCorpus& corpus);
// Encodes W2's train/val text with a BPE codec.
void encode_with_bpe(const TextCodec& codec, TokenData& data);

// ---- part 2: training (train.cpp)
struct TrainResult {
  std::shared_ptr<models::GPT> model;
  double final_train_loss = 0;  // last step's batch loss (before its update)
  double final_val_loss = 0;    // after the last update
  double median_step_ms = 0;    // steps 5.. of this process
  double tokens_per_second = 0;
  int64_t steps_done = 0;
  bool stopped_early = false;  // --stop-after
  std::string report;
};
// Resuming: `resume_ckpt` is the checkpoint to continue from (empty: a fresh start).
TrainResult train(const Options& opt, const TokenData& data, int64_t vocab_size, data::Run& run,
                  const std::string& resume_ckpt);
models::GPTConfig model_config(const Options& opt, int64_t vocab_size);
Device parse_device(const std::string& name);  // clear errors for CUDA without a GPU
DType parse_dtype(const std::string& name);

// ---- part 3: generation (generate_demo.cpp). Returns report sections (title, text).
std::vector<std::pair<std::string, std::string>> generation_demo(const Options& opt,
                                                                 std::shared_ptr<models::GPT> model,
                                                                 const TextCodec& codec);

// ---- part 4: zero-shot classification analog (classify_demo.cpp). Returns the report text.
std::string classification_demo(const Options& opt, const models::GPT& model,
                                const TextCodec& codec);

}  // namespace ch02
