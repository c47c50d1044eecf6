// nn::Embedding: a lookup table of num_embeddings vectors of size embedding_dim, initialized
// N(0, 1) with the padding row (if any) zeroed; the padding row gets no gradient.
#pragma once

#include <optional>
#include <string>

#include "nn/module.h"
#include "tensor/generator.h"

namespace mica::nn {

struct EmbeddingOptions {
  // A row that stays zero and gets no gradient (negative: counted from the end, like torch).
  std::optional<int64_t> padding_idx;
};

class Embedding : public Module {
 public:
  // nn::Embedding tok(50257, 768); nn::Embedding pad(10, 3, {.padding_idx = 0});
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});

  // indices: int64 [*] -> [*, embedding_dim]
  Tensor forward(const Tensor& indices) const;
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t num_embeddings;
  int64_t embedding_dim;
  std::optional<int64_t> padding_idx;  // normalized to [0, num_embeddings)
  Tensor weight;                       // [num_embeddings, embedding_dim]
};

}  // namespace mica::nn
