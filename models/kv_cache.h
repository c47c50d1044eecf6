// models::KVCache: the keys and values of past positions for each attention layer of a decoder
// (models::GPT), so generation runs one new token per forward instead of recomputing the
// prefix. Per layer it holds keys and values [B, n_kv_head, T_past, head_dim] (after rotary
// embedding for Llama-style models, before GQA head repetition); each forward appends its new
// positions, and the model offsets the new positions by length().
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace mica::models {

class KVCache {
 public:
  // A cache for n_layer attention layers, all empty.
  explicit KVCache(int64_t n_layer);

  int64_t n_layer() const { return static_cast<int64_t>(keys_.size()); }
  // Cached positions of layer 0 (the offset of the next forward's first token); 0 when empty.
  int64_t length() const { return length(0); }
  // Cached positions of one layer.
  int64_t length(int64_t layer) const;
  bool empty() const { return length() == 0; }

  // k, v: [B, n_kv_head, T_new, head_dim]. Appends them to the layer's cache and returns the
  // layer's full keys and values [B, n_kv_head, T_past + T_new, head_dim]. Batch size, heads,
  // head_dim, dtype and device must match what is cached (mica::Error otherwise).
  std::pair<Tensor, Tensor> update(int64_t layer, const Tensor& k, const Tensor& v);

  // The layer's cached keys / values (undefined when empty).
  const Tensor& keys(int64_t layer) const;
  const Tensor& values(int64_t layer) const;

  // Drops every cached position.
  void reset();
  // Keeps only the first `length` positions of every layer (e.g. to rewind a rejected draft).
  void crop(int64_t length);
  // batch_indices: int64 [B'] -> row i of every layer becomes old row batch_indices[i] (beam
  // search's reordering).
  void reorder(const Tensor& batch_indices);

 private:
  void check_layer(int64_t layer, const char* what) const;
  std::vector<Tensor> keys_;
  std::vector<Tensor> values_;
};

}  // namespace mica::models
