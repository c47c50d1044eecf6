// models::KVCache: per-layer key/value concatenation for incremental decoding.
#include "models/kv_cache.h"

#include "autograd/ops.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace mica::models {

KVCache::KVCache(int64_t n_layer) {
  MICA_CHECK(n_layer > 0, "KVCache: n_layer must be positive, got ", n_layer);
  keys_.resize(static_cast<size_t>(n_layer));
  values_.resize(static_cast<size_t>(n_layer));
}

void KVCache::check_layer(int64_t layer, const char* what) const {
  MICA_CHECK(layer >= 0 && layer < n_layer(), "KVCache::", what, ": layer ", layer,
             " out of range for a cache of ", n_layer(), " layers");
}

int64_t KVCache::length(int64_t layer) const {
  check_layer(layer, "length");
  const Tensor& k = keys_[static_cast<size_t>(layer)];
  return k.defined() ? k.size(2) : 0;
}

std::pair<Tensor, Tensor> KVCache::update(int64_t layer, const Tensor& k, const Tensor& v) {
  check_layer(layer, "update");
  MICA_CHECK(k.defined() && v.defined() && k.dim() == 4 && k.sizes() == v.sizes(),
             "KVCache::update: keys and values must both be [B, n_kv_head, T, head_dim], got ",
             k.defined() ? shape_str(k.sizes()) : "undefined", " and ",
             v.defined() ? shape_str(v.sizes()) : "undefined");
  Tensor& ck = keys_[static_cast<size_t>(layer)];
  Tensor& cv = values_[static_cast<size_t>(layer)];
  if (!ck.defined()) {
    ck = k;
    cv = v;
  } else {
    MICA_CHECK(ck.size(0) == k.size(0) && ck.size(1) == k.size(1) && ck.size(3) == k.size(3) &&
                   ck.dtype() == k.dtype() && ck.device() == k.device(),
               "KVCache::update: layer ", layer, " caches ", shape_str(ck.sizes()),
               " but got new keys ", shape_str(k.sizes()));
    ck = cat({ck, k}, 2);
    cv = cat({cv, v}, 2);
  }
  return {ck, cv};
}

const Tensor& KVCache::keys(int64_t layer) const {
  check_layer(layer, "keys");
  return keys_[static_cast<size_t>(layer)];
}

const Tensor& KVCache::values(int64_t layer) const {
  check_layer(layer, "values");
  return values_[static_cast<size_t>(layer)];
}

void KVCache::reset() {
  for (auto& t : keys_) t = Tensor();
  for (auto& t : values_) t = Tensor();
}

void KVCache::crop(int64_t length) {
  MICA_CHECK(length >= 0, "KVCache::crop: negative length ", length);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (!keys_[i].defined() || keys_[i].size(2) <= length) continue;
    if (length == 0) {
      keys_[i] = Tensor();
      values_[i] = Tensor();
    } else {
      keys_[i] = keys_[i].slice(2, 0, length);
      values_[i] = values_[i].slice(2, 0, length);
    }
  }
}

void KVCache::reorder(const Tensor& batch_indices) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (!keys_[i].defined()) continue;
    keys_[i] = ops::index_select(keys_[i], 0, batch_indices);
    values_[i] = ops::index_select(values_[i], 0, batch_indices);
  }
}

}  // namespace mica::models
