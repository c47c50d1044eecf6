// ch02_gpt_fortunes, part 3: what the trained model predicts: the book's next-token probability
// tables after a few prompts, the book's prompt continued with every decoding strategy (greedy,
// beam search, repetition penalty, sampling, temperature, top-k, top-p), and one streamed
// generation printed token by token as it is produced.
#include <cstdio>

#include "ch02.h"

namespace ch02 {

namespace {

const char* kBookPrompt = "It was a dark and stormy";

// Text with each line indented.
std::string indented(const std::string& text, const std::string& pad = "    ") {
  std::string out = pad;
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

// Bytes a terminal shows as they are; others (a BPE can sample any byte) as \xNN. keep_newlines
// false shows '\n' as "\n" (for one-token cells of a table).
std::string printable(const std::string& text, bool keep_newlines = true) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += keep_newlines ? "\n" : "\\n";
    } else if (c >= 32 && c <= 126) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

struct Strategy {
  std::string name;
  models::GenerationConfig config;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> generation_demo(const Options& opt,
                                                                 std::shared_ptr<models::GPT> model,
                                                                 const TextCodec& codec) {
  std::vector<std::pair<std::string, std::string>> sections;
  model->eval();
  models::GPTLanguageModel lm(model);
  const Device device = parse_device(opt.device);
  auto prompt_tensor = [&](const std::string& text) {
    std::vector<int64_t> ids = codec.encode(text);
    // The model sees at most block_size positions: keep the prompt's end.
    if (static_cast<int64_t>(ids.size()) > opt.block_size)
      ids.erase(ids.begin(), ids.end() - opt.block_size);
    return from_vector(ids).to(device);
  };
  auto decode = [&](int64_t id) { return printable(codec.decode_one(id), false); };

  // Next-token probabilities (the book's top-10 table after "It was a dark and stormy").
  std::string tables;
  std::printf("== part 3: next-token probabilities ==\n");
  for (const char* prompt :
       {kBookPrompt, "The meaning of life is", "A computer is", "Q: What do you call"}) {
    const auto table = models::next_token_probabilities(lm, prompt_tensor(prompt), 10);
    // Appended piece by piece (GCC 12 warns falsely, -Wrestrict, on "literal" + temporary).
    std::string block = "\"";
    block += prompt;
    block += "\" ->\n";
    block += indented(models::format_token_probabilities(table, decode));
    while (!block.empty() && block.back() == ' ') block.pop_back();
    if (!block.empty() && block.back() != '\n') block += '\n';
    std::printf("%s", block.c_str());
    tables += block;
  }
  sections.push_back({"Next-token probabilities (top 10)", tables});

  // Every strategy on the book's prompt, with the book's settings; the length is
  // --gen-tokens (characters for the char model, BPE tokens otherwise).
  // The generated part is at most the model's context beyond the prompt.
  const int64_t prompt_len = static_cast<int64_t>(codec.encode(kBookPrompt).size());
  const int64_t n = std::min<int64_t>(opt.gen_tokens, opt.block_size - prompt_len);
  MICA_CHECK(n >= 1, "ch02_gpt_fortunes: --block-size ", opt.block_size,
             " leaves no room to generate after the prompt");
  const uint64_t seed = 70;  // the book's set_seed(70)
  std::vector<Strategy> strategies = {
      {"greedy", {.max_new_tokens = n}},
      {"beam search (num_beams 5)", {.max_new_tokens = n, .num_beams = 5}},
      {"beam search + repetition_penalty 2.0",
       {.max_new_tokens = n, .repetition_penalty = 2.0, .num_beams = 5}},
      {"pure sampling (top_k 0, seed 70)",
       {.max_new_tokens = n, .do_sample = true, .top_k = 0, .seed = seed}},
      {"temperature 0.4",
       {.max_new_tokens = n, .do_sample = true, .temperature = 0.4, .top_k = 0, .seed = seed}},
      {"temperature 0.001",
       {.max_new_tokens = n, .do_sample = true, .temperature = 0.001, .top_k = 0, .seed = seed}},
      {"temperature 3.0",
       {.max_new_tokens = n, .do_sample = true, .temperature = 3.0, .top_k = 0, .seed = seed}},
      {"top_k 10", {.max_new_tokens = n, .do_sample = true, .top_k = 10, .seed = seed}},
      {"top_p 0.94",
       {.max_new_tokens = n, .do_sample = true, .top_k = 0, .top_p = 0.94, .seed = seed}},
  };
  std::printf("\n== part 3: \"%s\" continued with every strategy (%lld tokens) ==\n", kBookPrompt,
              static_cast<long long>(n));
  std::string samples;
  const Tensor prompt = prompt_tensor(kBookPrompt);
  std::string greedy_text;
  for (const Strategy& s : strategies) {
    const Tensor out = models::generate(lm, prompt, s.config);  // [1, T + N]
    const Tensor row = out.select(0, 0).contiguous();
    std::vector<int64_t> ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
    const std::string text = printable(codec.decode(ids));
    if (s.name == "greedy") greedy_text = text;
    std::string entry = "[" + s.name + "]";
    if (s.name == "temperature 0.001")
      entry += text == greedy_text ? " (the same as greedy)" : " (differs from greedy)";
    entry += '\n';
    entry += indented(text);
    entry += '\n';
    std::printf("%s", entry.c_str());
    samples += entry;
  }
  samples +=
      "\nNotes: with characters as tokens, repetition_penalty 2.0 penalizes every letter already "
      "used (the prompt included), so it pushes the text towards rare characters; with BPE it "
      "acts on whole words, as in the book.\n";
  sections.push_back({std::string("Generation strategies on \"") + kBookPrompt + "\"", samples});

  // Streaming: tokens printed as generate() produces them.
  std::printf("\n== part 3: streaming (temperature 0.8, top_k 0, seed 7) ==\n");
  const std::string stream_prompt = "%\n";  // fortunes start after a "%" line
  std::string streamed;
  models::GenerationConfig sc{
      .max_new_tokens = std::min<int64_t>(opt.gen_tokens * 2, opt.block_size - 1),
      .do_sample = true,
      .temperature = 0.8,
      .top_k = 0,
      .seed = 7};
  sc.streamer = [&](int64_t token) {
    const std::string piece = printable(codec.decode_one(token));
    streamed += piece;
    std::fputs(piece.c_str(), stdout);
    std::fflush(stdout);
  };
  models::generate(lm, prompt_tensor(stream_prompt), sc);
  std::printf("\n\n");
  sections.push_back({"Streaming (a fortune from scratch, temperature 0.8)", streamed});
  return sections;
}

}  // namespace ch02
