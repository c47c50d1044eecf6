// W2's fortune character corpus against the figures WORKLOADS.md publishes (file count, token
// count, split), its byte -> id mapping, and the hash-chosen batches.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/char_corpus.h"
#include "data/sample_hash.h"
#include "tensor/error.h"

namespace mica::data {
namespace {

TEST(CharCorpus, MappingCoversNewlineAndPrintableBytes) {
  EXPECT_EQ(char_token_id('\n'), 0);
  EXPECT_EQ(char_token_id(' '), 1);
  EXPECT_EQ(char_token_id('\t'), 1);
  EXPECT_EQ(char_token_id('~'), 95);
  EXPECT_EQ(char_token_id('\r'), -1);
  EXPECT_EQ(char_token_id(0xC3), -1);
  for (int64_t id = 0; id < kCharVocabSize; ++id)
    EXPECT_EQ(char_token_id(static_cast<unsigned char>(char_token_text(id))), id);
  EXPECT_THROW(char_token_text(96), Error);
  const std::string text = "Hello,\tworld!\n~";
  const std::vector<int64_t> ids = encode_chars(text);
  EXPECT_EQ(decode_chars(ids), "Hello, world!\n~");
  EXPECT_EQ(encode_chars("a\xC3\xA9z").size(), 2u);  // the UTF-8 bytes of é are dropped
}

TEST(CharCorpus, MatchesWorkloadDefinition) {
  if (!std::filesystem::is_directory(kFortunesDir)) GTEST_SKIP() << "fortunes not installed";
  const CharCorpus corpus = load_char_corpus();
  ASSERT_EQ(corpus.files.size(), 43u);
  EXPECT_EQ(corpus.files.front(), "art");
  EXPECT_EQ(corpus.files.back(), "zippy");
  EXPECT_EQ(corpus.size(), 2576215);
  EXPECT_EQ(corpus.n_train, 2318593);
  EXPECT_EQ(corpus.n_val(), 2576215 - 2318593);
}

std::vector<int64_t> values_of(const Tensor& t) {
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

TEST(CharCorpus, BatchRowsStartAtHashedOffsets) {
  std::vector<uint8_t> split(1000);
  for (size_t i = 0; i < split.size(); ++i) split[i] = static_cast<uint8_t>(i % 96);
  const Tensor batch = char_batch(split, 3, 8, 1, 64);
  ASSERT_EQ(batch.sizes(), (Shape{3, 9}));
  const int64_t* p = batch.data_ptr<int64_t>();
  for (int64_t b = 0; b < 3; ++b) {
    const uint64_t off = sample_hash(1337, 1, 64 + b) % (1000 - 8 - 1);
    for (int64_t t = 0; t < 9; ++t) EXPECT_EQ(p[b * 9 + t], static_cast<int64_t>((off + t) % 96));
  }
  EXPECT_THROW(char_batch(std::span<const uint8_t>(split.data(), 9), 1, 8, 1, 0), Error);
  // Wider ids (a BPE encoding) follow the same rule.
  const std::vector<int32_t> wide(split.begin(), split.end());
  const Tensor wide_batch = char_batch(std::span<const int32_t>(wide), 3, 8, 1, 64);
  EXPECT_EQ(values_of(wide_batch), values_of(batch));
}

TEST(CharCorpus, MissingDirectoryNamesThePackage) {
  try {
    load_char_corpus("/nonexistent/fortunes");
    FAIL() << "expected mica::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fortunes"), std::string::npos);
  }
}

}  // namespace
}  // namespace mica::data
