// ch02_gpt_fortunes, part 4: the book's zero-shot classification, as far as a tiny fortune
// model allows: the start of a fortune is the prompt, each category has a few continuations
// typical of it, and the category whose continuations the model finds most likely (summed
// log-likelihood, calibrated by the same continuations after a neutral prompt) is the guess.
// The fortunes come from categories that lie wholly in the validation split (never trained on).
#include <cmath>
#include <cstdio>

#include "ch02.h"

namespace ch02 {

namespace {

struct Category {
  std::string name;
  std::vector<std::string> continuations;  // chosen from each file's frequent words
};

const std::vector<Category>& categories() {
  static const std::vector<Category> c = {
      {"tao", {" in harmony with nature", " the sage", " the Way"}},
      {"work", {" at work", " money", " the boss"}},
      {"zippy", {" YOW!!", " PINHEAD", " Are we having FUN yet?"}},
  };
  return c;
}

// Summed log-probability of each continuation after the prompt: one batched forward, rows
// padded at the end (a causal model's earlier positions ignore the padding).
std::vector<double> continuation_logprobs(const models::GPT& model,
                                          const std::vector<int64_t>& prompt,
                                          const std::vector<std::vector<int64_t>>& conts,
                                          Device device) {
  size_t len = 0;
  for (const auto& c : conts) len = std::max(len, prompt.size() + c.size());
  const int64_t rows = static_cast<int64_t>(conts.size()), L = static_cast<int64_t>(len);
  Tensor ids = zeros({rows, L}, kInt64);
  int64_t* p = ids.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    size_t t = 0;
    for (int64_t id : prompt) p[r * L + t++] = id;
    for (int64_t id : conts[r]) p[r * L + t++] = id;
  }
  NoGradGuard no_grad;
  const Tensor logp =
      log_softmax(model.forward(ids.to(device)), -1).to(Device(kCPU)).to(kFloat64).contiguous();
  const double* lp = logp.data_ptr<double>();
  const int64_t V = logp.size(2);
  std::vector<double> out;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (size_t k = 0; k < conts[r].size(); ++k) {
      const int64_t pos = static_cast<int64_t>(prompt.size() + k) - 1;  // predicts token k
      sum += lp[(r * L + pos) * V + conts[r][k]];
    }
    out.push_back(sum);
  }
  return out;
}

}  // namespace

std::string classification_demo(const Options& opt, const models::GPT& model,
                                const TextCodec& codec) {
  std::string report;
  auto say = [&](const std::string& line) {
    std::printf("%s\n", line.c_str());
    report += line + "\n";
  };
  if (opt.classify_per_class == 0) return report;
  say("== part 4: zero-shot classification analog ==");
  const Device device = parse_device(opt.device);
  const auto& cats = categories();
  const size_t K = cats.size();

  std::vector<std::vector<int64_t>> conts;
  std::vector<size_t> cont_cat;
  size_t longest = 0;
  for (size_t k = 0; k < K; ++k)
    for (const auto& c : cats[k].continuations) {
      conts.push_back(codec.encode(c));
      cont_cat.push_back(k);
      longest = std::max(longest, conts.back().size());
    }
  const int64_t room = opt.block_size - static_cast<int64_t>(longest);
  MICA_CHECK(room >= 8, "ch02_gpt_fortunes: --block-size ", opt.block_size,
             " is too small to classify");

  // Calibration: the continuations after a neutral prompt (the start of any fortune).
  const std::vector<double> prior =
      continuation_logprobs(model, codec.encode("%\n"), conts, device);

  std::vector<std::string> names;
  for (const auto& c : cats) names.push_back(c.name);
  std::vector<std::vector<int64_t>> confusion(K, std::vector<int64_t>(K, 0));
  std::string examples;
  int64_t correct = 0, total = 0;
  for (size_t truth = 0; truth < K; ++truth) {
    int64_t taken = 0;
    for (const auto& f : data::load_fortunes(data::kFortunesDir, {names[truth]})) {
      if (taken == opt.classify_per_class) break;
      if (f.text.size() < 30) continue;
      // The fortune's start, cut at a space so the prompt ends where a word could follow.
      std::vector<int64_t> prompt = codec.encode("%\n" + f.text);
      if (static_cast<int64_t>(prompt.size()) > room) {
        std::string text =
            codec.decode(std::vector<int64_t>(prompt.begin(), prompt.begin() + room));
        const size_t space = text.find_last_of(' ');
        if (space != std::string::npos && space > 10) text.resize(space);
        prompt = codec.encode(text);
      } else {
        while (!prompt.empty() && codec.decode_one(prompt.back()) == "\n") prompt.pop_back();
      }
      const std::vector<double> lp = continuation_logprobs(model, prompt, conts, device);
      std::vector<double> score(K, 0);
      std::vector<int> count(K, 0);
      for (size_t i = 0; i < conts.size(); ++i) {
        score[cont_cat[i]] += lp[i] - prior[i];  // pointwise mutual information, summed
        count[cont_cat[i]]++;
      }
      size_t guess = 0;
      for (size_t k = 0; k < K; ++k) {
        score[k] /= count[k];
        if (score[k] > score[guess]) guess = k;
      }
      confusion[truth][guess]++;
      correct += guess == truth;
      ++total;
      ++taken;
      if (taken <= 2) {
        std::string shown = f.text.substr(0, 60);
        for (char& c : shown)
          if (c == '\n' || c == '\t') c = ' ';
        char line[256];
        std::snprintf(line, sizeof(line), "  %-6s -> %-6s  \"%s%s\"\n", names[truth].c_str(),
                      names[guess].c_str(), shown.c_str(), f.text.size() > 60 ? "..." : "");
        examples += line;
      }
    }
  }
  say("categories and their continuations (scored after the fortune's start, minus their score "
      "after a neutral \"%\\n\"):");
  for (const auto& c : cats) {
    std::string line = "  " + c.name + ":";
    for (const auto& s : c.continuations) line += " \"" + s + "\"";
    say(line);
  }
  say("examples (truth -> guess):");
  report += examples;
  std::printf("%s", examples.c_str());
  std::string header = "confusion matrix (rows: truth, columns: guess)\n        ";
  for (const auto& n : names) {
    char cell[32];
    std::snprintf(cell, sizeof(cell), "%7s", n.c_str());
    header += cell;
  }
  say(header);
  for (size_t t = 0; t < K; ++t) {
    char line[128];
    int len = std::snprintf(line, sizeof(line), "  %-6s", names[t].c_str());
    for (size_t g = 0; g < K; ++g)
      len += std::snprintf(line + len, sizeof(line) - len, "%7lld",
                           static_cast<long long>(confusion[t][g]));
    say(line);
  }
  char summary[160];
  std::snprintf(summary, sizeof(summary),
                "accuracy %lld/%lld = %.0f%% (chance %.0f%%); a tiny model trained on raw text, "
                "so read it as a demo, not a classifier",
                static_cast<long long>(correct), static_cast<long long>(total),
                total ? 100.0 * correct / total : 0.0, 100.0 / K);
  say(summary);
  say("");
  return report;
}

}  // namespace ch02
