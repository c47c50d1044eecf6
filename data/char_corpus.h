// The character corpus of workload W2 (shared/WORKLOADS.md, "Fortunes text"): every regular
// fortune file concatenated in byte order of names, mapped to 96 token ids ('\n' -> 0, printable
// byte c -> c - 31, TAB read as a space, other bytes dropped), split 90/10 into train and val,
// and the hash-chosen batches W2 trains and validates on.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/text.h"
#include "tensor/tensor.h"

namespace mica::data {

inline constexpr int64_t kCharVocabSize = 96;

// Byte -> W2 token id, or -1 for a byte the corpus drops (TAB maps like a space).
int64_t char_token_id(unsigned char byte);
// W2 token id (0..95) -> its character. Throws mica::Error for an id outside [0, 96).
char char_token_text(int64_t id);
// Text -> ids (dropped bytes vanish), and ids -> text.
std::vector<int64_t> encode_chars(std::string_view text);
std::string decode_chars(std::span<const int64_t> ids);

struct CharCorpus {
  std::vector<uint8_t> tokens;     // all N tokens, ids 0..95
  int64_t n_train = 0;             // floor(0.9 N): tokens[0, n_train) train, the rest val
  std::vector<std::string> files;  // the file names read, in order

  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  int64_t n_val() const { return size() - n_train; }
  std::span<const uint8_t> train() const { return {tokens.data(), static_cast<size_t>(n_train)}; }
  std::span<const uint8_t> val() const {
    return {tokens.data() + n_train, static_cast<size_t>(n_val())};
  }
};

// Reads dir as W2 defines (regular files only, no *.dat or *.u8, no symlinks, sorted by name).
// A missing or empty directory gives an error naming Debian's package `fortunes`.
CharCorpus load_char_corpus(const std::string& dir = kFortunesDir);

// W2's batch rows: row b holds split[off : off + block + 1] with
// off = sample_hash(seed, stream, first_index + b) mod (split.size() - block - 1).
// -> int64 [batch, block + 1]; x = columns [0, block), y = columns [1, block + 1).
// W2 trains step s on (stream 1, first_index s * batch) and validates on (stream 2, 0..255).
Tensor char_batch(std::span<const uint8_t> split, int64_t batch, int64_t block, uint64_t stream,
                  uint64_t first_index, uint64_t seed = 1337);
// The same rows over wider token ids (e.g. a BPE encoding of the corpus).
Tensor char_batch(std::span<const int32_t> split, int64_t batch, int64_t block, uint64_t stream,
                  uint64_t first_index, uint64_t seed = 1337);

}  // namespace mica::data
