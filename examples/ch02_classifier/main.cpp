// ch02_fortune_classifier: a preview of chapter 6 — a small BERT-style encoder trained from
// scratch to tell which fortune file (computers, food, politics, ...) an entry comes from.
// A byte-level BPE (or character) tokenizer is trained on the training texts; each entry becomes
// [CLS] + its first tokens; BertForSequenceClassification learns with AdamW, warmup and linear
// (or cosine) decay, gradient clipping and a class-weighted loss. Every epoch it reports the
// test accuracy; at the end the accuracy overall and per class next to the majority-class
// baseline, the confusion matrix (table and PNG heatmap), loss/accuracy curves and misclassified
// examples, all in the run folder's report.html (and results.json).
//
// Usage: ch02_fortune_classifier [--categories a,b,c] [--epochs N] [--quick] [--help ...]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>

#include "examples/ch02_classifier/classifier.h"
#include "examples/ch02_classifier/confusion.h"
#include "examples/ch02_classifier/heatmap.h"
#include "examples/ch02_classifier/options.h"
#include "mica.h"
#include "models/bert.h"

using namespace mica;
using namespace mica::examples;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::unique_ptr<data::Tokenizer> build_tokenizer(const ClassifierOptions& o,
                                                 const std::vector<LabeledText>& train) {
  if (o.tokenizer == "char") {
    std::string corpus;
    for (const auto& t : train) corpus += t.text + "\n";
    auto tok = std::make_unique<data::CharTokenizer>(data::CharTokenizer::from_corpus(
        corpus, {.special_tokens = {"[PAD]", "[CLS]"}, .unk_token = "[UNK]", .min_frequency = 2}));
    tok->set_pad_token("[PAD]");
    return tok;
  }
  std::vector<std::string> texts;
  for (const auto& t : train) texts.push_back(t.text);
  auto tok = std::make_unique<data::ByteLevelBPETokenizer>(data::ByteLevelBPETokenizer::train(
      texts,
      {.vocab_size = o.vocab_size, .min_frequency = 2, .special_tokens = {"[PAD]", "[CLS]"}}));
  tok->set_pad_token("[PAD]");
  return tok;
}

// Indices of at most n training examples, the same every epoch, spread over the classes.
std::vector<int64_t> train_subset(int64_t n_train, int64_t n, uint64_t seed) {
  std::vector<int64_t> perm = data::hash_permutation(n_train, 0, seed, /*stream=*/21);
  if (static_cast<int64_t>(perm.size()) > n) perm.resize(static_cast<size_t>(n));
  return perm;
}

std::vector<int64_t> labels_at(const EncodedSet& set, const std::vector<int64_t>& idx) {
  std::vector<int64_t> out;
  for (int64_t i : idx) out.push_back(set.labels[static_cast<size_t>(i)]);
  return out;
}

std::string shorten(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep printed lines in order with the progress bars
  try {
    const ClassifierOptions o = parse_options(argc, argv);
    if (o.threads > 0) set_num_threads(o.threads);
    manual_seed(o.seed);
    const auto t_start = std::chrono::steady_clock::now();
    data::Run run({.root = o.out,
                   .name = o.name,
                   .title = "ch02: fortune-category classifier (BERT-style encoder)"});
    run.save_config(o.to_config(get_num_threads()));
    std::printf("fortune classifier (%d threads), run folder %s\n", get_num_threads(),
                run.dir().c_str());

    // ---- data ----
    const FortuneSplit split = load_fortune_split({.dir = o.fortunes_dir,
                                                   .categories = o.categories,
                                                   .max_per_class = o.max_per_class,
                                                   .test_fraction = o.test_fraction,
                                                   .seed = o.seed});
    const auto k = static_cast<int64_t>(o.categories.size());
    const auto train_counts = class_counts(split.train, k);
    const auto test_counts = class_counts(split.test, k);
    std::string data_table = "category       in file   train    test\n";
    for (int64_t c = 0; c < k; ++c) {
      char line[128];
      std::snprintf(line, sizeof(line), "%-13s %8lld %7lld %7lld\n", o.categories[c].c_str(),
                    static_cast<long long>(split.available[c]),
                    static_cast<long long>(train_counts[c]),
                    static_cast<long long>(test_counts[c]));
      data_table += line;
    }
    std::string data_note = data_table + "capped at " + std::to_string(o.max_per_class) +
                            " entries per category (hash-chosen), stratified " +
                            fmt("%.0f%%", 100 * o.test_fraction) + " test split; loss " +
                            (o.class_weights ? "weighted by n / (K n_c)" : "unweighted") + "\n";
    std::printf("\n%s", data_note.c_str());
    run.add_section("Data", data_note);

    // ---- tokenizer ----
    const auto t_tok = std::chrono::steady_clock::now();
    const auto tokenizer = build_tokenizer(o, split.train);
    const int64_t cls_id = *tokenizer->special_token_id("[CLS]");
    const int64_t pad_id = *tokenizer->pad_token_id();
    const EncodedSet train_set = encode_set(*tokenizer, split.train, cls_id, o.max_len);
    const EncodedSet test_set = encode_set(*tokenizer, split.test, cls_id, o.max_len);
    tokenizer->save((run.dir() / "tokenizer.json").string());
    std::string example_tokens;
    for (int64_t id :
         tokenizer->encode(shorten(split.train[0].text, 60), {.allow_special = false})) {
      example_tokens += '[';  // (not "[" + ... + "]": GCC 12 gives a false -Wrestrict there)
      example_tokens += tokenizer->decode(std::vector<int64_t>{id});
      example_tokens += ']';
    }
    const std::string tok_note =
        o.tokenizer + " tokenizer trained on the training texts: vocabulary " +
        std::to_string(tokenizer->vocab_size()) + " (incl. [PAD]=" + std::to_string(pad_id) +
        ", [CLS]=" + std::to_string(cls_id) + "), " + fmt("%.1f", train_set.mean_text_tokens) +
        " tokens per training entry on average, " +
        fmt("%.0f%%", 100.0 * static_cast<double>(train_set.truncated) /
                          static_cast<double>(train_set.ids.size())) +
        " cut to --max-len " + std::to_string(o.max_len) + " (with [CLS]); " +
        fmt("%.1f s", seconds_since(t_tok)) + "\nexample: " + example_tokens + "\n";
    std::printf("\n%s", tok_note.c_str());
    run.add_section("Tokenizer", tok_note);

    // ---- model and optimizer ----
    models::BertConfig cfg{
        .vocab_size = tokenizer->vocab_size(),
        .max_position_embeddings = o.max_len,
        .hidden_size = o.hidden,
        .num_hidden_layers = o.layers,
        .num_attention_heads = o.heads,
        .intermediate_size = o.intermediate > 0 ? o.intermediate : 4 * o.hidden,
        .hidden_dropout = o.dropout,
        .attention_dropout = o.dropout,
        .pad_token_id = pad_id,
        .pooling = o.pooling == "mean" ? models::BertPooling::Mean : models::BertPooling::CLS,
        .num_labels = k};
    auto model = std::make_shared<models::BertForSequenceClassification>(cfg);
    const std::vector<Tensor> params = model->parameters();
    optim::AdamW opt(params, {.lr = o.lr, .weight_decay = o.weight_decay});
    const int64_t n_train = static_cast<int64_t>(train_set.ids.size());
    const int64_t steps_per_epoch = (n_train + o.batch_size - 1) / o.batch_size;
    const int64_t total_steps = steps_per_epoch * o.epochs;
    const optim::WarmupOptions wo{
        .warmup_steps = static_cast<int64_t>(o.warmup * static_cast<double>(total_steps)),
        .total_steps = total_steps};
    std::unique_ptr<optim::LRScheduler> sched;
    if (o.schedule == "cosine")
      sched = std::make_unique<optim::CosineWithWarmup>(opt, wo);
    else
      sched = std::make_unique<optim::LinearWithWarmup>(opt, wo);
    const Tensor weights = o.class_weights ? balanced_class_weights(train_counts) : Tensor();
    const std::string model_note =
        "BertForSequenceClassification: " + std::to_string(o.layers) +
        (o.layers == 1 ? " layer" : " layers") + ", hidden " + std::to_string(o.hidden) + ", " +
        std::to_string(o.heads) + " heads, FFN " + std::to_string(cfg.intermediate_size) + ", " +
        o.pooling + " pooling, dropout " + fmt("%.2f", o.dropout) + "; " +
        std::to_string(model->num_parameters()) + " parameters\nAdamW lr " + fmt("%.2g", o.lr) +
        " weight decay " + fmt("%.2g", o.weight_decay) + ", " + std::to_string(wo.warmup_steps) +
        " warmup steps, " + o.schedule + " decay over " + std::to_string(total_steps) + " steps (" +
        std::to_string(o.epochs) + " epochs of " + std::to_string(steps_per_epoch) +
        " batches of " + std::to_string(o.batch_size) + "), grad clip " + fmt("%.2g", o.clip) +
        "\n";
    std::printf("\n%s\n", model_note.c_str());
    run.add_section("Model and training", model_note);

    // ---- training ----
    const std::vector<int64_t> fit_idx = train_subset(n_train, o.train_eval_size, o.seed);
    const std::vector<int64_t> fit_labels = labels_at(train_set, fit_idx);
    const double fit_baseline = ConfusionMatrix(k, fit_labels, fit_labels).majority_baseline();
    const auto t_train = std::chrono::steady_clock::now();
    int64_t step = 0;
    double train_acc = 0;
    Evaluation test_eval;
    std::string epoch_log;
    for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
      model->train();
      const std::vector<int64_t> perm =
          data::hash_permutation(n_train, static_cast<uint64_t>(epoch), o.seed, /*stream=*/17);
      data::ProgressBar bar(steps_per_epoch, {.desc = "epoch " + std::to_string(epoch) + "/" +
                                                      std::to_string(o.epochs),
                                              .unit = "step",
                                              .plain_percent = 25});
      double loss_sum = 0;
      for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
        const auto begin = perm.begin() + s * o.batch_size;
        const auto end = perm.begin() + std::min(n_train, (s + 1) * o.batch_size);
        const Batch b = make_batch(train_set, std::vector<int64_t>(begin, end), pad_id);
        const Tensor logits = model->forward(b.input_ids, b.attention_mask);
        const Tensor loss = nn::F::cross_entropy(logits, b.labels, weights);
        opt.zero_grad();
        loss.backward();
        const double gnorm = optim::clip_grad_norm_(params, o.clip);
        opt.step();
        const double lr = sched->get_last_lr()[0];
        sched->step();
        const double l = loss.item<double>();
        loss_sum += l;
        run.log(step, {{"train_loss", l}, {"lr", lr}, {"grad_norm", gnorm}});
        bar.update(1, {{"loss", l}, {"lr", lr}});
      }
      bar.close();
      test_eval = evaluate(*model, test_set, {}, pad_id, o.eval_batch_size);
      const Evaluation fit_eval = evaluate(*model, train_set, fit_idx, pad_id, o.eval_batch_size);
      const ConfusionMatrix cm(k, test_set.labels, test_eval.predicted);
      train_acc = ConfusionMatrix(k, fit_labels, fit_eval.predicted).accuracy();
      run.log(step, {{"test_loss", test_eval.mean_loss},
                     {"train_subset_loss", fit_eval.mean_loss},
                     {"test_accuracy", cm.accuracy()},
                     {"test_balanced_accuracy", cm.balanced_accuracy()},
                     {"train_subset_accuracy", train_acc}});
      char line[256];
      std::snprintf(line, sizeof(line),
                    "epoch %lld: train loss %.3f, test loss %.3f, test accuracy %.1f%% "
                    "(balanced %.1f%%), train-subset accuracy %.1f%%  [%.0f s]\n",
                    static_cast<long long>(epoch), loss_sum / static_cast<double>(steps_per_epoch),
                    test_eval.mean_loss, 100 * cm.accuracy(), 100 * cm.balanced_accuracy(),
                    100 * train_acc, seconds_since(t_train));
      std::printf("%s", line);
      epoch_log += line;
    }
    const double train_seconds = seconds_since(t_train);
    run.add_section("Epochs", epoch_log);

    // ---- results ----
    const ConfusionMatrix cm(k, test_set.labels, test_eval.predicted);
    std::string summary =
        "test accuracy " + fmt("%.1f%%", 100 * cm.accuracy()) + " (" + std::to_string(cm.trace()) +
        "/" + std::to_string(cm.total()) + "), majority-class baseline " +
        fmt("%.1f%%", 100 * cm.majority_baseline()) + " (always '" +
        o.categories[cm.majority_class()] + "'); balanced accuracy " +
        fmt("%.1f%%", 100 * cm.balanced_accuracy()) + " vs chance " +
        fmt("%.1f%%", 100.0 / static_cast<double>(k)) + "\ntrain-subset accuracy " +
        fmt("%.1f%%", 100 * train_acc) + " (" + std::to_string(fit_idx.size()) +
        " training entries; baseline " + fmt("%.1f%%", 100 * fit_baseline) + ")\n\n";
    summary += "per class:     recall  precision  support\n";
    for (int64_t c = 0; c < k; ++c) {
      char line[128];
      std::snprintf(line, sizeof(line), "%-13s %6.1f%%  %8.1f%%  %7lld\n", o.categories[c].c_str(),
                    100 * cm.recall(c), 100 * cm.precision(c),
                    static_cast<long long>(cm.support(c)));
      summary += line;
    }
    summary += "\nconfusion matrix (rows true, columns predicted):\n" + cm.to_table(o.categories);
    std::printf("\n%s", summary.c_str());
    run.add_section("Results", summary);

    const auto plots = run.dir() / "plots";
    std::filesystem::create_directories(plots);
    data::write_png((plots / "confusion_matrix.png").string(),
                    confusion_heatmap(cm, o.categories, "fortune categories: test set"));
    data::PlotOptions loss_plot{.title = "loss", .smooth = 0.9};
    run.plot_metrics("loss_curves", {"train_loss", "test_loss", "train_subset_loss"}, loss_plot);
    run.plot_metrics("accuracy_curves",
                     {"test_accuracy", "test_balanced_accuracy", "train_subset_accuracy"},
                     {.title = "accuracy"});

    std::string errors;
    int64_t shown = 0;
    for (size_t i = 0; i < test_eval.predicted.size() && shown < o.show_errors; ++i) {
      const int64_t t = test_set.labels[i], p = test_eval.predicted[i];
      if (t == p) continue;
      ++shown;
      errors += "[" + o.categories[t] + " -> " + o.categories[p] + " " +
                fmt("%.0f%%", 100 * test_eval.probs[i][static_cast<size_t>(p)]) + "] " +
                shorten(split.test[i].text, 160) + "\n";
    }
    std::printf("\nmisclassified test entries (true -> predicted, confidence):\n%s",
                errors.c_str());
    run.add_section("Misclassified examples", errors);

    nlohmann::json results;
    results["categories"] = o.categories;
    results["test_size"] = test_set.labels.size();
    results["confusion"] = nlohmann::json::array();
    for (int64_t i = 0; i < k; ++i) {
      std::vector<int64_t> row;
      for (int64_t j = 0; j < k; ++j) row.push_back(cm.at(i, j));
      results["confusion"].push_back(row);
    }
    results["accuracy"] = cm.accuracy();
    results["balanced_accuracy"] = cm.balanced_accuracy();
    results["majority_baseline"] = cm.majority_baseline();
    results["train_subset_accuracy"] = train_acc;
    results["train_subset_baseline"] = fit_baseline;
    results["train_seconds"] = train_seconds;
    data::write_text_file((run.dir() / "results.json").string(), results.dump(2) + "\n");

    const auto report = run.write_report();
    std::printf("\n  training %.1f s (%.2f s/step), total %.1f s\n  report: %s\n", train_seconds,
                train_seconds / static_cast<double>(std::max<int64_t>(1, total_steps)),
                seconds_since(t_start), report.c_str());

    if (o.check_fit && !(train_acc > fit_baseline + o.fit_margin)) {
      std::fprintf(stderr,
                   "ch02_fortune_classifier: --check-fit failed: train-subset accuracy %.3f is "
                   "not above the majority baseline %.3f + %.2f\n",
                   train_acc, fit_baseline, o.fit_margin);
      return 2;
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "ch02_fortune_classifier: %s\n", e.what());
    return 1;
  }
}
