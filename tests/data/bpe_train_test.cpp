// BPE training (a merge order derived by hand, determinism, min_frequency, special tokens,
// save/load round trips) and the character/byte-level tokenizer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "data/tokenizer/bpe.h"
#include "data/tokenizer/tokenizer.h"
#include "tensor/generator.h"
#include "tensor/ops/random.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<int64_t>;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_bpe_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Sennrich et al.'s example: low x5, lower x2, newest x6, widest x3 (separate texts, so no
// leading spaces). Pair counts: es = st = 9 (tie: "e" < "s" so e+s first), then est 9, lo = ow
// = 7 (lo first), low 7, then e+w = n+e = w+est = 6 (e+w first: "e" < "n" < "w"), ewest 6,
// newest 6, then d+est = i+d = w+i = 3 (d+est first), idest, widest, then e+r = low+e = 2
// (e+r first), lower. Then no pair is left.
std::vector<std::string> sennrich_corpus() {
  std::vector<std::string> texts;
  for (auto [word, n] : {std::pair{"low", 5}, {"lower", 2}, {"newest", 6}, {"widest", 3}})
    for (int i = 0; i < n; ++i) texts.emplace_back(word);
  return texts;
}

std::vector<std::string> merge_texts(const ByteLevelBPETokenizer& tok) {
  std::vector<std::string> out;
  for (auto [a, b] : tok.merges()) out.push_back(tok.id_to_token(a) + " " + tok.id_to_token(b));
  return out;
}

TEST(BpeTraining, HandDerivedMergeOrder) {
  const auto tok = ByteLevelBPETokenizer::train(sennrich_corpus(), {.vocab_size = 1000});
  EXPECT_EQ(merge_texts(tok),
            (std::vector<std::string>{"e s", "es t", "l o", "lo w", "e w", "ew est", "n ewest",
                                      "d est", "i dest", "w idest", "e r", "low er"}));
  EXPECT_EQ(tok.vocab_size(), 256 + 12);
  EXPECT_EQ(tok.token_to_id("es"), 256);
  EXPECT_EQ(tok.token_to_id("newest"), 262);
  EXPECT_EQ(tok.encode("newest"), (Ids{262}));
  // "lowest" was never seen: e+s, es+t, l+o, lo+w apply by rank, and low+est is no merge.
  EXPECT_EQ(tok.encode("lowest"), (Ids{259, 257}));
  EXPECT_EQ(tok.encode("lowest").size(), 2u);
  EXPECT_EQ(tok.decode(tok.encode("low lower newest wider")), "low lower newest wider");
}

TEST(BpeTraining, VocabSizeAndMinFrequencyStopTraining) {
  const auto small = ByteLevelBPETokenizer::train(sennrich_corpus(), {.vocab_size = 256 + 4});
  EXPECT_EQ(merge_texts(small), (std::vector<std::string>{"e s", "es t", "l o", "lo w"}));
  const auto freq3 =
      ByteLevelBPETokenizer::train(sennrich_corpus(), {.vocab_size = 1000, .min_frequency = 3});
  EXPECT_EQ(freq3.merges().size(), 10u);  // e+r and low+er were seen only twice
  EXPECT_THROW(ByteLevelBPETokenizer::train(sennrich_corpus(), {.vocab_size = 100}), Error);
  EXPECT_THROW(ByteLevelBPETokenizer::train(sennrich_corpus(), {.min_frequency = 0}), Error);
}

std::string synthetic_corpus() {
  // Words drawn from a small vocabulary by mica's Philox generator: repeated structure to learn.
  const std::vector<std::string> words = {"the",   "cat",  "sat",   "on",   "mat", "dog",
                                          "ran",   "über", "naïve", "日本", "42",  "1999",
                                          "isn't", "!",    "\n",    "  ",   "😀",   "\xff"};
  Generator gen(7);
  const Tensor idx = randint(0, static_cast<int64_t>(words.size()), {20000}, kInt64, &gen);
  std::string text;
  for (int64_t i = 0; i < idx.numel(); ++i) {
    text += words[idx.data_ptr<int64_t>()[i]];
    text += (i % 3 == 0) ? "" : " ";
  }
  return text;
}

TEST(BpeTraining, DeterministicAndSaveLoadRoundTrip) {
  const std::string corpus = synthetic_corpus();
  const BPETrainerOptions opts{.vocab_size = 400, .special_tokens = {"<pad>", "<|endoftext|>"}};
  const auto a = ByteLevelBPETokenizer::train(corpus, opts);
  const auto b = ByteLevelBPETokenizer::train(corpus, opts);
  EXPECT_EQ(a.merges(), b.merges());
  EXPECT_EQ(a.vocab_size(), 400);
  EXPECT_EQ(a.special_token_id("<pad>"), 0);
  EXPECT_EQ(a.special_token_id("<|endoftext|>"), 1);
  EXPECT_EQ(a.token_bytes(2), std::string(1, '\0'));  // bytes follow the special tokens
  const std::string sample = corpus.substr(0, 5000) + "<|endoftext|>unseen wörds ✓ \xfe";
  const Ids ids = a.encode(sample);
  EXPECT_EQ(ids, b.encode(sample));
  EXPECT_EQ(a.decode(ids), sample);
  EXPECT_LT(ids.size(), sample.size() / 2);  // it learned something

  const auto path = scratch("trained.json");
  a.save(path);
  const auto loaded = ByteLevelBPETokenizer::load(path);
  EXPECT_EQ(loaded.merges(), a.merges());
  EXPECT_EQ(loaded.encode(sample), ids);
  const auto any = load_tokenizer(path);
  EXPECT_EQ(any->encode(sample), ids);
  // Saving again gives the same file.
  const auto path2 = scratch("trained2.json");
  loaded.save(path2);
  std::ifstream f1(path, std::ios::binary), f2(path2, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f1), {}),
            std::string(std::istreambuf_iterator<char>(f2), {}));
}

TEST(BpeTraining, SpecialTokensAreNotLearnedOver) {
  std::string corpus;
  for (int i = 0; i < 200; ++i) corpus += "<|endoftext|>ab";
  const auto tok = ByteLevelBPETokenizer::train(
      corpus, {.vocab_size = 300, .special_tokens = {"<|endoftext|>"}});
  ASSERT_FALSE(tok.merges().empty());
  for (auto [l, r] : tok.merges()) {
    const std::string merged = tok.token_bytes(l) + tok.token_bytes(r);
    EXPECT_EQ(merged.find_first_of("<|>"), std::string::npos) << merged;
  }
  EXPECT_EQ(tok.encode("<|endoftext|>ab"), (Ids{0, tok.token_to_id("ab").value()}));
}

// ---- CharTokenizer ----

TEST(CharTokenizer, VocabularyFromCorpusWithUnknowns) {
  const auto tok = CharTokenizer::from_corpus("hello");
  EXPECT_EQ(tok.vocab_size(), 5);  // <unk>, e, h, l, o
  EXPECT_EQ(tok.unk_token_id(), 0);
  EXPECT_EQ(tok.encode("hello"), (Ids{2, 1, 3, 3, 4}));
  EXPECT_EQ(tok.encode("hex"), (Ids{2, 1, 0}));
  EXPECT_EQ(tok.decode(Ids{2, 1, 3, 3, 4}), "hello");
  EXPECT_EQ(tok.decode(Ids{2, 0}), "h<unk>");
  EXPECT_EQ(tok.decode(Ids{2, 0}, {.skip_special_tokens = true}), "h");

  const auto strict = CharTokenizer::from_corpus("hello", {.unk_token = ""});
  EXPECT_EQ(strict.vocab_size(), 4);
  try {
    strict.encode("hex");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at byte 2"), std::string::npos) << e.what();
  }
  // min_frequency leaves rare units out.
  const auto common = CharTokenizer::from_corpus("aaab", {.min_frequency = 2});
  EXPECT_EQ(common.encode("ab"), (Ids{1, 0}));
}

TEST(CharTokenizer, CodePointsAndBytes) {
  const std::string text = "héllo 😀 日本 \xff";
  const auto cp = CharTokenizer::from_corpus(text, {.special_tokens = {"<pad>"}});
  EXPECT_EQ(cp.special_token_id("<pad>"), 0);
  EXPECT_EQ(cp.unk_token_id(), 1);
  EXPECT_EQ(cp.encode("😀").size(), 1u);  // one code point, one id
  EXPECT_EQ(cp.encode("\xff").size(), 1u);
  EXPECT_EQ(cp.decode(cp.encode(text)), text);
  EXPECT_EQ(cp.encode("<pad>é"), (Ids{0, cp.token_to_id("é").value()}));

  const auto by = CharTokenizer::bytes({"<|endoftext|>"});
  EXPECT_EQ(by.vocab_size(), 257);
  EXPECT_EQ(by.encode("A\xff"), (Ids{65, 255}));
  EXPECT_EQ(by.encode("😀").size(), 4u);
  EXPECT_EQ(by.encode("a<|endoftext|>"), (Ids{97, 256}));
  Generator gen(3);
  const Tensor r = randint(0, 256, {1000}, kInt64, &gen);
  std::string bytes;
  for (int64_t i = 0; i < r.numel(); ++i) bytes += static_cast<char>(r.data_ptr<int64_t>()[i]);
  EXPECT_EQ(by.decode(by.encode(bytes)), bytes);
}

TEST(CharTokenizer, SaveLoadRoundTrip) {
  const std::string text = "héllo 😀 \xff\x80";
  auto tok = CharTokenizer::from_corpus(text, {.special_tokens = {"<pad>"}});
  tok.set_pad_token("<pad>");
  const auto path = scratch("char.json");
  tok.save(path);
  const auto back = CharTokenizer::load(path);
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  EXPECT_EQ(back.unk_token_id(), tok.unk_token_id());
  EXPECT_EQ(back.pad_token_id(), 0);
  EXPECT_EQ(back.encode(text + "zz"), tok.encode(text + "zz"));
  const auto any = load_tokenizer(path);
  EXPECT_EQ(any->decode(tok.encode(text)), text);
  EXPECT_THROW(ByteLevelBPETokenizer::load(path), Error);  // wrong type, clear message
}

}  // namespace
}  // namespace mica::data
