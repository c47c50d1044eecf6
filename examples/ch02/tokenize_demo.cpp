// ch02_gpt_fortunes, part 1: tokenization as the book's chapter 2 shows it: W2's character
// tokenizer on a fortune, a byte-level BPE trained on the training text (tokens of a sentence,
// compression ratio), and GPT-2's own tokenizer giving its exact ids for the book's sentence.
#include <chrono>
#include <cstdio>

#include "ch02.h"

#ifndef MICA_GPT2_VOCAB_DIR
#define MICA_GPT2_VOCAB_DIR "data/vocab/gpt2"
#endif

namespace ch02 {

namespace {

const char* kSentence = "It was a dark and stormy night; the rain fell in torrents.";

// Tokens as "[piece]" with newlines shown as \n.
std::string show_pieces(const data::Tokenizer& tok, const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) {
    std::string piece = tok.decode(std::vector<int64_t>{id});
    std::string shown;
    for (char c : piece) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
    out += "[" + shown + "]";
  }
  return out;
}

std::string show_ids(const std::vector<int64_t>& ids, size_t limit = 40) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size() && i < limit; ++i)
    out += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > limit) out += ", ...";
  return out + "]";
}

// A short fortune from the corpus to show the character tokenizer on.
std::string pick_fortune() {
  for (const auto& f : data::load_fortunes(data::kFortunesDir, {"fortunes"}))
    if (f.text.size() >= 40 && f.text.size() <= 90) return f.text;
  return "Fortune favors the bold.";
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), format, a, b, c);
  return buf;
}

}  // namespace

TokenizationResult tokenization_demo(const Options& opt, const data::CharCorpus& corpus) {
  std::string report;
  auto say = [&](const std::string& line) {
    std::printf("%s\n", line.c_str());
    report += line + "\n";
  };
  say("== part 1: tokenization ==");

  // (a) characters: W2's 96 ids.
  auto chars = std::make_shared<data::CharTokenizer>(w2_char_tokenizer());
  const TextCodec char_codec{chars, "char"};
  const std::string fortune = pick_fortune();
  const std::vector<int64_t> fortune_ids = char_codec.encode(fortune);
  say("(a) character tokenizer (W2: '\\n' -> 0, byte c -> c - 31, vocab 96)");
  say("    fortune: \"" + fortune + "\"");
  say("    ids:     " + show_ids(fortune_ids, 30));
  say("    " + std::to_string(fortune.size()) + " characters -> " +
      std::to_string(fortune_ids.size()) + " tokens");

  // (b) byte-level BPE trained on (a prefix of) the training text.
  const bool train_bpe = opt.tokenizer == "bpe";
  const int64_t bpe_vocab = train_bpe ? opt.bpe_vocab : std::min<int64_t>(opt.bpe_vocab, 1024);
  const int64_t bpe_chars = std::min<int64_t>(
      train_bpe ? opt.bpe_train_chars : std::min<int64_t>(opt.bpe_train_chars, 200000),
      corpus.n_train);
  std::vector<int64_t> prefix(corpus.train().begin(), corpus.train().begin() + bpe_chars);
  const std::string bpe_text = data::decode_chars(prefix);
  const auto t0 = std::chrono::steady_clock::now();
  auto bpe = std::make_shared<data::ByteLevelBPETokenizer>(
      data::ByteLevelBPETokenizer::train(bpe_text, {.vocab_size = bpe_vocab}));
  const double bpe_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const TextCodec bpe_codec{bpe, "bpe"};
  say("(b) byte-level BPE (GPT-2 pre-tokenization) trained on the first " +
      std::to_string(bpe_chars) + " of " + std::to_string(corpus.n_train) + " training characters" +
      (bpe_chars < corpus.n_train ? " (a prefix, for speed)" : "") +
      fmt(": vocab %.0f (256 bytes + %.0f merges), %.1f s", static_cast<double>(bpe->vocab_size()),
          static_cast<double>(bpe->merges().size()), bpe_seconds));
  // The longest learned tokens show what the corpus repeats.
  std::vector<int64_t> by_length;
  for (int64_t id = 256; id < bpe->vocab_size(); ++id) by_length.push_back(id);
  std::stable_sort(by_length.begin(), by_length.end(), [&](int64_t a, int64_t b) {
    return bpe->token_bytes(a).size() > bpe->token_bytes(b).size();
  });
  by_length.resize(std::min<size_t>(by_length.size(), 12));
  say("    longest tokens: " + show_pieces(*bpe, by_length));
  const std::vector<int64_t> sentence_ids = bpe_codec.encode(kSentence);
  say(std::string("    \"") + kSentence + "\"");
  say("    -> " + std::to_string(sentence_ids.size()) + " tokens " +
      show_pieces(*bpe, sentence_ids));
  say("       ids " + show_ids(sentence_ids));
  // Compression on held-out text: the first 100k validation characters.
  const auto val = corpus.val();
  const std::vector<int64_t> val_prefix(val.begin(),
                                        val.begin() + std::min<size_t>(val.size(), 100000));
  const std::string val_text = data::decode_chars(val_prefix);
  const double bpe_tokens = static_cast<double>(bpe->encode(val_text, {false}).size());
  MICA_CHECK(bpe->decode(bpe->encode(val_text, {false})) == val_text,
             "ch02_gpt_fortunes: the BPE does not round-trip the validation text");

  // (c) GPT-2's tokenizer from its vocabulary files.
  const std::string dir = MICA_GPT2_VOCAB_DIR;
  const auto gpt2 =
      data::ByteLevelBPETokenizer::from_gpt2_files(dir + "/encoder.json", dir + "/vocab.bpe");
  const double gpt2_tokens = static_cast<double>(gpt2.encode(val_text, {false}).size());
  say(
      fmt("    compression on %.0f validation characters: BPE %.2f chars/token, GPT-2 %.2f, "
          "characters 1.00",
          static_cast<double>(val_text.size()), val_text.size() / bpe_tokens,
          val_text.size() / gpt2_tokens));
  say("    the BPE round-trips the validation text exactly");

  const std::string book = "It was a dark and stormy";
  const std::vector<int64_t> want = {1026, 373, 257, 3223, 290, 6388, 88};
  const std::vector<int64_t> got = gpt2.encode(book);
  say("(c) GPT-2's tokenizer (" + dir + ")");
  say("    \"" + book + "\" -> " + show_ids(got) + " " + show_pieces(gpt2, got));
  MICA_CHECK(got == want, "ch02_gpt_fortunes: GPT-2's tokenizer gave ", show_ids(got), " for \"",
             book, "\", expected ", show_ids(want));
  say("    matches GPT-2's ids [1026, 373, 257, 3223, 290, 6388, 88] (\"storm\" + \"y\")");
  const std::string utf8 =
      "Fortune: caf\xc3\xa9, na\xc3\xafve, \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82";
  MICA_CHECK(gpt2.decode(gpt2.encode(utf8)) == utf8,
             "ch02_gpt_fortunes: GPT-2's tokenizer does not round-trip ", utf8);
  say("    round-trips UTF-8: \"" + utf8 + "\" -> " + std::to_string(gpt2.encode(utf8).size()) +
      " tokens -> the same bytes");
  say("");

  return {report, train_bpe ? bpe_codec : char_codec};
}

}  // namespace ch02
