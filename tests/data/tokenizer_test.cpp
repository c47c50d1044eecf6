// Tokenizer tests: GPT-2's vocabulary gives GPT-2's ids (known values, hand derivations from
// the pre-tokenization rules, and an independent reference's fixture), byte-exact round trips
// of any bytes, special tokens, the Unicode classes and the pre-tokenizer, file errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/tokenizer/bpe.h"
#include "data/tokenizer/pre_tokenize.h"
#include "data/tokenizer/unicode.h"
#include "tensor/generator.h"
#include "tensor/ops/random.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<int64_t>;

const std::string kVocab = MICA_GPT2_VOCAB_DIR;

const ByteLevelBPETokenizer& gpt2() {
  static const ByteLevelBPETokenizer tok =
      ByteLevelBPETokenizer::from_gpt2_files(kVocab + "/encoder.json", kVocab + "/vocab.bpe");
  return tok;
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_tok_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string random_bytes(int64_t n, uint64_t seed) {
  Generator gen(seed);
  const Tensor t = randint(0, 256, {n}, kInt64, &gen);
  std::string s(static_cast<size_t>(n), '\0');
  for (int64_t i = 0; i < n; ++i) s[i] = static_cast<char>(t.data_ptr<int64_t>()[i]);
  return s;
}

std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  for (auto p : gpt2_pre_tokenize(text)) out.emplace_back(p);
  return out;
}

// ---- the known GPT-2 encodings ----

TEST(Gpt2Tokenizer, KnownEncodings) {
  const auto& tok = gpt2();
  EXPECT_EQ(tok.vocab_size(), 50257);
  EXPECT_EQ(tok.merges().size(), 50000u);
  EXPECT_EQ(tok.encode("It was a dark and stormy"), (Ids{1026, 373, 257, 3223, 290, 6388, 88}));
  EXPECT_EQ(tok.encode("Hello world"), (Ids{15496, 995}));
  EXPECT_EQ(tok.encode(" positive"), (Ids{3967}));
  EXPECT_EQ(tok.encode(" negative"), (Ids{4633}));
  EXPECT_EQ(tok.decode(Ids{1026, 373, 257, 3223, 290, 6388, 88}), "It was a dark and stormy");
  EXPECT_EQ(tok.encode(""), Ids{});
}

// Derived by hand from the pre-tokenization rules and vocabulary lookups: each piece below is a
// whole GPT-2 token, so its id is the vocabulary's id for that text (Ġ = space, Ċ = newline).
TEST(Gpt2Tokenizer, HandDerivedEncodings) {
  const auto& tok = gpt2();
  const auto id = [&](const std::string& t) {
    const auto v = tok.token_to_id(t);
    EXPECT_TRUE(v.has_value()) << t;
    return v.value_or(-1);
  };
  // The first 256 ids are the bytes in bytes_to_unicode order: '!' = 0, so 'I' (0x49) = 40,
  // 'a' = 64; a lone space is 'Ġ' = 220, a lone newline 'Ċ' = 198, two newlines 'ĊĊ' = 628.
  EXPECT_EQ(id("I"), 40);
  EXPECT_EQ(id("a"), 64);
  EXPECT_EQ(id("Ġ"), 220);
  EXPECT_EQ(id("Ċ"), 198);
  EXPECT_EQ(id("ĊĊ"), 628);
  // Contraction: "'m" is its own piece ('s 't 're 've 'm 'll 'd come first in the regex).
  EXPECT_EQ(pieces("I'm here"), (std::vector<std::string>{"I", "'m", " here"}));
  EXPECT_EQ(tok.encode("I'm here"), (Ids{40, id("'m"), id("Ġhere")}));
  EXPECT_EQ(tok.encode("I'm here"), (Ids{40, 1101, 994}));
  // Contractions are case-sensitive: "'S" is "'" (other) then "S" (letter).
  EXPECT_EQ(pieces("'s'S"), (std::vector<std::string>{"'s", "'", "S"}));
  EXPECT_EQ(tok.encode("'s'S"), (Ids{id("'s"), id("'"), id("S")}));
  // Multiple spaces: a run of n spaces before a word leaves its last space to the word
  // (\s+(?!\S) backs off one), so "a  b" is "a", " ", " b".
  EXPECT_EQ(pieces("a  b"), (std::vector<std::string>{"a", " ", " b"}));
  EXPECT_EQ(tok.encode("a  b"), (Ids{64, 220, id("Ġb")}));
  // Trailing spaces at the end of the text stay one piece, but GPT-2 never merged two spaces
  // ("ĠĠ" is no token), so the piece "   " is three single spaces.
  EXPECT_EQ(pieces("x   "), (std::vector<std::string>{"x", "   "}));
  EXPECT_FALSE(tok.token_to_id("ĠĠ").has_value());
  EXPECT_EQ(tok.encode("x   "), (Ids{id("x"), 220, 220, 220}));
  // Newlines before a word: "\n\n" backs off to "\n", and the second "\n" (a run of one, so no
  // back-off) stands alone: "line\n\nend" is line, \n, \n, end — GPT-2's 198, 198, not 628.
  EXPECT_EQ(pieces("line\n\nend"), (std::vector<std::string>{"line", "\n", "\n", "end"}));
  EXPECT_EQ(tok.encode("line\n\nend"), (Ids{id("line"), 198, 198, id("end")}));
  // ...while at the end of the text the run stays whole: "end\n\n" -> end, ĊĊ.
  EXPECT_EQ(tok.encode("end\n\n"), (Ids{id("end"), 628}));
  // Numbers are their own pieces, a leading space included: "in 2020" -> "in", " 2020".
  EXPECT_EQ(pieces("in 2020!"), (std::vector<std::string>{"in", " 2020", "!"}));
  EXPECT_EQ(tok.encode("in 2020!"), (Ids{id("in"), id("Ġ2020"), id("!")}));
  // Letters and digits never share a piece: "abc123" -> "abc", "123".
  EXPECT_EQ(pieces("abc123"), (std::vector<std::string>{"abc", "123"}));
}

// The fixture comes from an independent reference (tests/data/gen_gpt2_encodings.py: the
// regex module and the classic all-occurrences BPE loop).
TEST(Gpt2Tokenizer, MatchesIndependentReference) {
  std::ifstream in(std::string(MICA_TEST_FIXTURE_DIR) + "/tokenizer/gpt2_encodings.json");
  ASSERT_TRUE(in.good());
  const auto fixture = nlohmann::json::parse(in);
  const auto& tok = gpt2();
  size_t n = 0;
  for (const auto& c : fixture["cases"]) {
    const std::string text = c["text"].get<std::string>();
    const Ids want = c["ids"].get<Ids>();
    EXPECT_EQ(tok.encode(text, {.allow_special = false}), want) << "text: " << text;
    EXPECT_EQ(tok.decode(want), text);
    ++n;
  }
  EXPECT_GT(n, 150u);
}

uint64_t fnv1a64(const Ids& ids) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int64_t id : ids)
    for (int k = 0; k < 8; ++k) {
      h ^= (static_cast<uint64_t>(id) >> (8 * k)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  return h;
}

// The whole fortunes corpus (Debian's fortunes package, ~2.5 MB): same ids as the reference,
// exact round trip, and fast.
TEST(Gpt2Tokenizer, FortunesCorpusMatchesReferenceAndIsFast) {
  const fs::path dir = "/usr/share/games/fortunes";
  if (!fs::exists(dir)) GTEST_SKIP() << "fortunes not installed (Debian package fortunes)";
  std::ifstream in(std::string(MICA_TEST_FIXTURE_DIR) + "/tokenizer/gpt2_encodings.json");
  const auto fixture = nlohmann::json::parse(in);
  const ByteLevelBPETokenizer tok = gpt2();  // a copy: starts with an empty cache
  size_t files = 0, bytes = 0, tokens = 0;
  double seconds = 0;
  for (const auto& f : fixture["fortunes"]) {
    const fs::path path = dir / f["file"].get<std::string>();
    if (!fs::exists(path) || fs::file_size(path) != f["bytes"].get<size_t>()) continue;
    std::ifstream file(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(file)), {});
    const auto t0 = std::chrono::steady_clock::now();
    const Ids ids = tok.encode(text, {.allow_special = false});
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(ids.size(), f["tokens"].get<size_t>()) << path;
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(ids)));
    EXPECT_EQ(hash, f["fnv1a64"].get<std::string>()) << path;
    EXPECT_EQ(tok.decode(ids), text) << path;
    ++files, bytes += text.size(), tokens += ids.size();
  }
  if (files == 0) GTEST_SKIP() << "no fortunes file matches the fixture's versions";
  std::printf("[ fortunes ] %zu files, %zu bytes -> %zu tokens in %.3f s (%.1f MB/s)\n", files,
              bytes, tokens, seconds, bytes / 1e6 / seconds);
  EXPECT_LT(seconds, 10.0);  // "a few seconds" with a wide margin for slow CI machines
}

// ---- round trips ----

TEST(Gpt2Tokenizer, RoundTripsArbitraryUtf8AndInvalidBytes) {
  const auto& tok = gpt2();
  const std::vector<std::string> texts = {
      "emoji 😀👍🏽 🇫🇷 👨‍👩‍👧",
      "Καλημέρα, Привет, 你好, مرحبا, नमस्ते, 안녕하세요",
      std::string("nul\0byte", 8),
      "invalid \xff\xfe bytes \xc3 lone lead \x80 continuation",
      "overlong \xc0\xaf and surrogate \xed\xa0\x80 and too big \xf4\x90\x80\x80",
      "truncated emoji \xf0\x9f\x98",
      "\r\n\t\v\f  \xc2\xa0\xe3\x80\x80",
      "<|endoftext|>"};
  for (const auto& s : texts) {
    EXPECT_EQ(tok.decode(tok.encode(s)), s);
    EXPECT_EQ(tok.decode(tok.encode(s, {.allow_special = false})), s);
  }
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const std::string s = random_bytes(1 + static_cast<int64_t>(seed) * 7, seed);
    EXPECT_EQ(tok.decode(tok.encode(s)), s) << "seed " << seed;
  }
  // A long run of one class (one piece of 20000 bytes) stays fast and exact.
  const std::string long_run(20000, 'a');
  EXPECT_EQ(tok.decode(tok.encode(long_run)), long_run);
}

TEST(Gpt2Tokenizer, ConcurrentEncodesAgree) {
  const ByteLevelBPETokenizer tok = gpt2();  // fresh cache, shared by the threads
  std::vector<std::string> texts;
  for (uint64_t seed = 0; seed < 8; ++seed) texts.push_back(random_bytes(3000, 1000 + seed));
  std::vector<Ids> want;
  for (const auto& t : texts) want.push_back(ByteLevelBPETokenizer(gpt2()).encode(t));
  std::vector<Ids> got(texts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < texts.size(); ++i)
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 3; ++rep) got[i] = tok.encode(texts[i]);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(got, want);
  EXPECT_THROW(ByteLevelBPETokenizer().encode("x"), Error);
}

TEST(Gpt2Tokenizer, SpecialTokens) {
  ByteLevelBPETokenizer tok = gpt2();
  EXPECT_EQ(tok.special_token_id("<|endoftext|>"), 50256);
  EXPECT_TRUE(tok.is_special(50256));
  EXPECT_EQ(tok.encode("<|endoftext|>"), (Ids{50256}));
  EXPECT_EQ(tok.encode("Hello world<|endoftext|>Hello world"),
            (Ids{15496, 995, 50256, 15496, 995}));
  // Not allowed: the text is ordinary text (GPT-2's own encoder does the same).
  EXPECT_EQ(tok.encode("<|endoftext|>", {.allow_special = false}),
            (Ids{27, 91, 437, 1659, 5239, 91, 29}));
  EXPECT_EQ(tok.decode(Ids{15496, 50256, 995}), "Hello<|endoftext|> world");
  EXPECT_EQ(tok.decode(Ids{15496, 50256, 995}, {.skip_special_tokens = true}), "Hello world");
  // Added tokens get new ids; the longest match wins where two start at the same byte.
  EXPECT_EQ(tok.add_special_tokens({"<|im_start|>", "<|im_end|>", "<|endoftext|>"}),
            (Ids{50257, 50258, 50256}));
  EXPECT_EQ(tok.vocab_size(), 50259);
  EXPECT_EQ(tok.add_special_tokens({"<|im"}), (Ids{50259}));
  EXPECT_EQ(tok.encode("<|im_start|>user<|im"),
            (Ids{50257, tok.token_to_id("user").value(), 50259}));
  EXPECT_EQ(tok.id_to_token(995), "Ġworld");
  EXPECT_EQ(tok.id_to_token(50258), "<|im_end|>");
  EXPECT_THROW(tok.set_pad_token("<pad>"), Error);
  tok.set_pad_token("<|endoftext|>");
  EXPECT_EQ(tok.pad_token_id(), 50256);
  EXPECT_THROW(tok.decode(Ids{50260}), Error);
  EXPECT_THROW(tok.decode(Ids{-1}), Error);
}

TEST(Gpt2Tokenizer, SaveLoadRoundTrip) {
  ByteLevelBPETokenizer tok = gpt2();
  tok.add_special_tokens({"<|im_start|>", "<|im_end|>"});
  tok.set_pad_token("<|endoftext|>");
  const auto path = scratch("gpt2.json");
  tok.save(path);
  const ByteLevelBPETokenizer back = ByteLevelBPETokenizer::load(path);
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  EXPECT_EQ(back.merges(), tok.merges());
  EXPECT_EQ(back.pad_token_id(), 50256);
  const std::string text = "It was a dark and stormy<|im_end|> night \xff 😀";
  EXPECT_EQ(back.encode(text), tok.encode(text));
  const auto any = load_tokenizer(path);
  EXPECT_EQ(any->encode("Hello world"), (Ids{15496, 995}));
  EXPECT_EQ(any->vocab_size(), 50259);
}

// ---- bad files ----

void write(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Gpt2Tokenizer, RejectsMalformedFiles) {
  const std::string enc = kVocab + "/encoder.json", bpe = kVocab + "/vocab.bpe";
  const auto load = [](const fs::path& e, const fs::path& b) {
    return [=] { ByteLevelBPETokenizer::from_gpt2_files(e, b); };
  };
  EXPECT_NE(error_of(load("/nonexistent/encoder.json", bpe)).find("cannot open"),
            std::string::npos);
  const auto bad_json = scratch("bad.json");
  write(bad_json, "{\"a\": 0,");
  EXPECT_NE(error_of(load(bad_json, bpe)).find("not valid JSON"), std::string::npos);
  const auto small = scratch("small.json"), no_merges = scratch("empty.bpe");
  write(small, "{\"a\": 0, \"b\": 1}");  // bytes other than a and b have no token
  write(no_merges, "#version: 0.2\n");
  EXPECT_NE(error_of(load(small, no_merges)).find("has no token"), std::string::npos);
  EXPECT_NE(error_of(load(small, bpe)).find("missing from"), std::string::npos);
  const auto dup = scratch("dup.json");
  write(dup, "{\"a\": 0, \"b\": 0}");
  EXPECT_NE(error_of(load(dup, bpe)).find("used twice"), std::string::npos);
  const auto bad_merge = scratch("bad.bpe");
  write(bad_merge, "#version: 0.2\nĠ t\nnot-a-token x\n");
  EXPECT_NE(error_of(load(enc, bad_merge)).find("line 3"), std::string::npos);
  write(bad_merge, "#version: 0.2\nĠ t extra\n");
  EXPECT_NE(error_of(load(enc, bad_merge)).find("line 2"), std::string::npos);
  const auto not_mica = scratch("not_mica.json");
  write(not_mica, "{\"vocab\": []}");
  EXPECT_NE(error_of([&] { load_tokenizer(not_mica); }).find("not a mica tokenizer"),
            std::string::npos);
  const auto wrong = scratch("wrong.json");
  write(wrong,
        "{\"format\": \"mica.tokenizer\", \"version\": 1, \"type\": \"byte_level_bpe\", "
        "\"vocab\": [\"a\"], \"special_tokens\": [], \"merges\": [[0, 5]]}");
  EXPECT_NE(error_of([&] { load_tokenizer(wrong); }).find("has no token"), std::string::npos);
}

// ---- Unicode classes and the pre-tokenizer ----

TEST(Unicode, Classes) {
  using unicode::classify;
  using C = unicode::CharClass;
  for (char32_t c : {U'a', U'Z', U'é', U'ß', U'Ω', U'λ', U'Ж', U'я', U'中', U'あ', U'カ', U'한',
                     U'ا', U'א', U'क', U'ª'})
    EXPECT_EQ(classify(c), C::kLetter) << static_cast<uint32_t>(c);
  for (char32_t c : {U'0', U'9', U'٣', U'५', U'²', U'½', U'Ⅻ', U'①', U'０'})
    EXPECT_EQ(classify(c), C::kNumber) << static_cast<uint32_t>(c);
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00a0', U'\u2003',
                     U'\u2028', U'\u3000'})
    EXPECT_EQ(classify(c), C::kSpace) << static_cast<uint32_t>(c);
  for (char32_t c : {U'!', U'\'', U'-', U'€', U'😀', U'\u0301', U'\u200b', U'\x1c', U'\0'})
    EXPECT_EQ(classify(c), C::kOther) << static_cast<uint32_t>(c);
}

TEST(Unicode, Utf8DecodingAndByteMapping) {
  const auto u = unicode::decode_utf8("\xf0\x9f\x98\x80", 0);
  EXPECT_TRUE(u.valid);
  EXPECT_EQ(u.cp, U'😀');
  EXPECT_EQ(u.len, 4);
  for (const char* bad :
       {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff"})
    EXPECT_FALSE(unicode::decode_utf8(bad, 0).valid) << bad;
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string mapped = unicode::bytes_to_mapped(all);
  EXPECT_EQ(unicode::mapped_to_bytes(mapped), all);
  EXPECT_EQ(unicode::bytes_to_mapped(" \n"), "ĠĊ");
  EXPECT_EQ(unicode::bytes_to_mapped("A!~"), "A!~");
  EXPECT_FALSE(unicode::mapped_to_bytes("中").has_value());
}

TEST(PreTokenize, Gpt2Rules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(pieces("they're we've I'll he'd it's don't"),
            (V{"they", "'re", " we", "'ve", " I", "'ll", " he", "'d", " it", "'s", " don", "'t"}));
  EXPECT_EQ(pieces("  x"), (V{" ", " x"}));
  EXPECT_EQ(pieces(" !!? ok"), (V{" !!?", " ok"}));
  EXPECT_EQ(pieces("a\n \tb"), (V{"a", "\n ", "\t", "b"}));  // a run of one: no back-off
  EXPECT_EQ(pieces("a\n  b"), (V{"a", "\n ", " b"}));
  EXPECT_EQ(pieces("Καλημέρα κόσμε"), (V{"Καλημέρα", " κόσμε"}));
  EXPECT_EQ(pieces("日本語です。"), (V{"日本語です", "。"}));
  EXPECT_EQ(pieces("x\xff\xfey"), (V{"x", "\xff\xfe", "y"}));
  EXPECT_EQ(pieces(" \xff"), (V{" \xff"}));
  EXPECT_EQ(pieces("e\xcc\x81t"), (V{"e", "\xcc\x81", "t"}));  // a combining mark is "other"
  EXPECT_EQ(pieces("'"), (V{"'"}));
  EXPECT_EQ(pieces("'r"), (V{"'", "r"}));
  EXPECT_TRUE(pieces("").empty());
  // The pieces always concatenate back to the input.
  for (uint64_t seed = 100; seed < 120; ++seed) {
    const std::string s = random_bytes(200, seed);
    std::string joined;
    for (const auto& p : pieces(s)) joined += p;
    EXPECT_EQ(joined, s);
  }
}

}  // namespace
}  // namespace mica::data
