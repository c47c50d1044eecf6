// ch02_gpt_fortunes: the book's chapter 2 ("Transformers") in C++: tokenizers, a GPT trained
// from scratch on Debian's fortunes (workload W2's corpus, batches and default model), next-token
// probabilities, every generation strategy, and a zero-shot classification analog, leaving a run
// folder with the config, metrics, loss curve, samples, model, tokenizer and report.html.
//
// Default recipe (picked by trying, see --help): W2's model, AdamW lr 3e-3 with 150 warmup steps
// then a cosine to 3e-4, weight decay 0.01, gradient clipping at 1.0, 3000 steps of 16 x 128
// characters: about 7 minutes on 2 idle cores, val loss about 1.66 nats/char. --w2 runs
// workload W2 exactly instead.
//
// Usage: ch02_gpt_fortunes [--quick | --w2] [--steps N] [--tokenizer char|bpe] [--device cpu]
//                          [--resume runs/<name>] ...   (--help lists every option)
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "ch02.h"

using namespace ch02;
namespace fs = std::filesystem;

namespace {

// --resume accepts a run folder (its checkpoint.h5) or a checkpoint file.
std::string checkpoint_file(const std::string& resume) {
  fs::path p(resume);
  if (fs::is_directory(p)) p /= "checkpoint.h5";
  MICA_CHECK(fs::is_regular_file(p), "ch02_gpt_fortunes: --resume ", resume,
             ": no checkpoint there (expected a run folder holding checkpoint.h5, or the file)");
  return p.string();
}

data::Config run_config(const Options& o) {
  return {{"n_layer", o.n_layer},
          {"n_head", o.n_head},
          {"n_embd", o.n_embd},
          {"block_size", o.block_size},
          {"tokenizer", o.tokenizer},
          {"steps", o.steps},
          {"batch_size", o.batch_size},
          {"lr", o.lr},
          {"warmup", o.warmup},
          {"schedule", o.schedule},
          {"weight_decay", o.weight_decay},
          {"grad_clip", o.grad_clip},
          {"device", o.device},
          {"dtype", o.dtype},
          {"seed", static_cast<int64_t>(o.seed)},
          {"threads", static_cast<int64_t>(get_num_threads())},
          {"quick", o.quick},
          {"w2", o.w2}};
}

// Report text shown as it prints (data::Run renders lines between ``` fences preformatted).
std::string preformatted(const std::string& text) {
  return "```\n" + text + (!text.empty() && text.back() == '\n' ? "" : "\n") + "```\n";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep printed lines in order with the progress bar
  try {
    const auto t_start = std::chrono::steady_clock::now();
    Options opt = parse_options(argc, argv);
    std::string ckpt;
    fs::path run_root = opt.out;
    std::string run_name = opt.name;
    if (!opt.resume.empty()) {
      // The run's own settings come from its checkpoint; the command line may extend --steps
      // and choose threads and --stop-after.
      ckpt = checkpoint_file(opt.resume);
      const auto attrs = nn::read_attributes(ckpt);
      const auto it = attrs.find("config");
      MICA_CHECK(it != attrs.end(), "ch02_gpt_fortunes: ", ckpt, " holds no config");
      Options saved = Options::from_json(it->second);
      if (opt.steps_given) saved.steps = opt.steps;
      saved.threads = opt.threads;
      saved.stop_after = opt.stop_after;
      saved.resume = opt.resume;
      const fs::path dir = fs::absolute(fs::path(ckpt)).parent_path();
      run_root = dir.parent_path();
      run_name = dir.filename().string();
      opt = saved;
    }
    if (opt.threads > 0) set_num_threads(opt.threads);
    manual_seed(opt.seed);

    data::Run run({.root = run_root.string(),
                   .name = run_name,
                   .title = "Chapter 2: a GPT trained on fortunes"});
    run.save_config(run_config(opt));
    std::printf("ch02_gpt_fortunes (%d threads), run folder %s\n\n", get_num_threads(),
                run.dir().c_str());

    const data::CharCorpus corpus = data::load_char_corpus();
    TokenizationResult tok = tokenization_demo(opt, corpus);
    const fs::path tok_path = run.dir() / "tokenizer.json";
    if (!ckpt.empty() && opt.tokenizer == "bpe" && fs::exists(tok_path)) {
      // The tokenizer the checkpoint was trained with (training is deterministic; this is
      // belt and braces).
      tok.codec.tokenizer = data::load_tokenizer(tok_path.string());
    }
    tok.codec.tokenizer->save(tok_path.string());
    TokenData data{corpus};
    if (tok.codec.kind == "bpe") {
      encode_with_bpe(tok.codec, data);
      std::printf("BPE-encoded splits: %zu train and %zu val tokens (%.2f chars/token)\n\n",
                  data.train.size(), data.val.size(),
                  static_cast<double>(corpus.n_train) / static_cast<double>(data.train.size()));
    }

    TrainResult trained = train(opt, data, tok.codec.vocab_size(), run, ckpt);
    run.add_section("1. Tokenization", preformatted(tok.report));
    run.add_section("2. Training", preformatted(trained.report));
    std::string final_json = "{\"steps\": " + std::to_string(trained.steps_done) +
                             ", \"final_train_loss\": " + number(trained.final_train_loss);
    if (trained.stopped_early) {
      data::write_text_file((run.dir() / "final.json").string(), final_json + "}\n");
      run.write_report();
      std::printf("stopped early; continue with --resume %s\n", run.dir().c_str());
      return 0;
    }
    final_json += ", \"final_val_loss\": " + number(trained.final_val_loss) +
                  ", \"median_step_ms\": " + number(trained.median_step_ms) +
                  ", \"tokens_per_second\": " + number(trained.tokens_per_second) + "}\n";
    data::write_text_file((run.dir() / "final.json").string(), final_json);
    nn::save_state_dict((run.dir() / "model.h5").string(), trained.model->state_dict(),
                        {{"config", opt.to_json()}, {"tokenizer", "tokenizer.json"}});
    std::printf("saved model.h5 and tokenizer.json in %s\n\n", run.dir().c_str());

    int section = 3;
    for (const auto& [title, text] : generation_demo(opt, trained.model, tok.codec))
      run.add_section(std::to_string(section++) + ". " + title, preformatted(text));
    const std::string classified = classification_demo(opt, *trained.model, tok.codec);
    if (!classified.empty())
      run.add_section(std::to_string(section++) + ". Zero-shot classification analog",
                      preformatted(classified));

    const auto report = run.write_report();
    std::printf("final_loss train %.6f val %.6f\nreport: %s\ntotal %.1f s\n",
                trained.final_train_loss, trained.final_val_loss, report.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
    return 0;
  } catch (const Error& e) {
    const std::string what = e.what();
    std::fprintf(
        stderr, "%s%s\n",
        what.rfind("ch02_gpt_fortunes", 0) == 0 ? "" : "ch02_gpt_fortunes: ", what.c_str());
    return 1;
  }
}
