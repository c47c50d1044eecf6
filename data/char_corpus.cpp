// W2's fortune character corpus: reading, the byte -> id mapping and the hash-chosen batches.
#include "data/char_corpus.h"

#include <algorithm>
#include <filesystem>

#include "data/sample_hash.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"

namespace mica::data {

namespace fs = std::filesystem;

int64_t char_token_id(unsigned char byte) {
  if (byte == '\n') return 0;
  if (byte == '\t') return ' ' - 31;
  if (byte >= 32 && byte <= 126) return static_cast<int64_t>(byte) - 31;
  return -1;
}

char char_token_text(int64_t id) {
  MICA_CHECK(id >= 0 && id < kCharVocabSize, "char_token_text: id ", id,
             " is outside the character vocabulary [0, ", kCharVocabSize, ")");
  return id == 0 ? '\n' : static_cast<char>(id + 31);
}

std::vector<int64_t> encode_chars(std::string_view text) {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (char c : text) {
    const int64_t id = char_token_id(static_cast<unsigned char>(c));
    if (id >= 0) ids.push_back(id);
  }
  return ids;
}

std::string decode_chars(std::span<const int64_t> ids) {
  std::string text;
  text.reserve(ids.size());
  for (int64_t id : ids) text += char_token_text(id);
  return text;
}

CharCorpus load_char_corpus(const std::string& dir) {
  std::error_code ec;
  MICA_CHECK(fs::is_directory(dir, ec), "load_char_corpus: ", dir,
             " is not a directory (install Debian's package `fortunes`)");
  CharCorpus corpus;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (entry.is_symlink() || !entry.is_regular_file()) continue;
    const std::string ext = p.extension().string();
    if (ext == ".dat" || ext == ".u8") continue;
    corpus.files.push_back(p.filename().string());
  }
  MICA_CHECK(!corpus.files.empty(), "load_char_corpus: no fortune files in ", dir,
             " (install Debian's package `fortunes`)");
  std::sort(corpus.files.begin(), corpus.files.end());  // byte order of names
  for (const std::string& name : corpus.files) {
    const std::string bytes = read_file((fs::path(dir) / name).string());
    for (char c : bytes) {
      const int64_t id = char_token_id(static_cast<unsigned char>(c));
      if (id >= 0) corpus.tokens.push_back(static_cast<uint8_t>(id));
    }
  }
  corpus.n_train = static_cast<int64_t>(corpus.tokens.size()) * 9 / 10;
  return corpus;
}

namespace {

template <class Id>
Tensor hashed_rows(std::span<const Id> split, int64_t batch, int64_t block, uint64_t stream,
                   uint64_t first_index, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(split.size());
  MICA_CHECK(batch >= 1 && block >= 1, "char_batch: batch (", batch, ") and block (", block,
             ") must be positive");
  MICA_CHECK(n > block + 1, "char_batch: the split has ", n, " tokens, too few for block ", block);
  Tensor out = empty({batch, block + 1}, kInt64);
  int64_t* dst = out.data_ptr<int64_t>();
  const uint64_t range = static_cast<uint64_t>(n - block - 1);
  for (int64_t b = 0; b < batch; ++b) {
    const uint64_t off = sample_hash(seed, stream, first_index + static_cast<uint64_t>(b)) % range;
    for (int64_t t = 0; t <= block; ++t) dst[b * (block + 1) + t] = split[off + t];
  }
  return out;
}

}  // namespace

Tensor char_batch(std::span<const uint8_t> split, int64_t batch, int64_t block, uint64_t stream,
                  uint64_t first_index, uint64_t seed) {
  return hashed_rows(split, batch, block, stream, first_index, seed);
}

Tensor char_batch(std::span<const int32_t> split, int64_t batch, int64_t block, uint64_t stream,
                  uint64_t first_index, uint64_t seed) {
  return hashed_rows(split, batch, block, stream, first_index, seed);
}

}  // namespace mica::data
