// nn::Embedding: N(0, 1) table with a zero padding row; forward through mica::embedding.
#include "nn/layers/embedding.h"

#include "autograd/ops/shape.h"
#include "nn/init.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::nn {

Embedding::Embedding(int64_t num, int64_t dim, EmbeddingOptions options)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim) {
  MICA_CHECK(num >= 0 && dim >= 0, "Embedding: num_embeddings and embedding_dim must be >= 0, got ",
             num, " and ", dim);
  if (options.padding_idx) {
    int64_t p = *options.padding_idx;
    MICA_CHECK(p < num && p >= -num, "Embedding: padding_idx ", p,
               " must be within num_embeddings (", num, ")");
    padding_idx = p < 0 ? p + num : p;
  }
  weight = register_parameter("weight", empty({num, dim}));
  reset_parameters();
}

void Embedding::reset_parameters(Generator* gen) {
  init::normal_(weight, 0.0, 1.0, gen);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight.select(0, *padding_idx).fill_(0);
  }
}

Tensor Embedding::forward(const Tensor& indices) const {
  return embedding(weight, indices, padding_idx);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace mica::nn
