// Collation: default_collate (stack fields, integer labels to int64) and pad_collate (pad token
// sequences, attention masks).
#include "data/collate.h"

#include <algorithm>

#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::data {

namespace {

void check_same_fields(const std::vector<Example>& examples, const char* op) {
  MICA_CHECK(!examples.empty(), op, ": no examples to collate");
  for (size_t k = 1; k < examples.size(); ++k)
    MICA_CHECK(examples[k].names() == examples[0].names(), op, ": example ", k, " has fields ",
               examples[k].describe(), " but example 0 has ", examples[0].describe());
}

std::string field_label(const Example& e, size_t f) {
  return e.names()[f].empty() ? mica::detail::str_cat("#", f)
                              : mica::detail::str_cat("'", e.names()[f], "'");
}

void check_defined(const std::vector<Example>& examples, size_t f, const char* op) {
  for (size_t k = 0; k < examples.size(); ++k)
    MICA_CHECK(examples[k][f].defined(), op, ": field ", field_label(examples[k], f),
               " of example ", k, " is undefined");
}

// Field f of every example, stacked: [B, *shape].
Tensor stack_field(const std::vector<Example>& examples, size_t f, const char* op) {
  check_defined(examples, f, op);
  const Tensor& first = examples[0][f];
  std::vector<Tensor> parts;
  parts.reserve(examples.size());
  for (size_t k = 0; k < examples.size(); ++k) {
    const Tensor& t = examples[k][f];
    MICA_CHECK(t.sizes() == first.sizes(), op, ": field ", field_label(examples[0], f),
               " has shape ", shape_str(first.sizes()), " in example 0 but ", shape_str(t.sizes()),
               " in example ", k, "; pad variable-length sequences with pad_collate");
    const bool label = t.dim() == 0 && is_integral(t.dtype(), false) && t.dtype() != kInt64;
    parts.push_back(label ? t.to(kInt64) : t);
  }
  return ops::stack(parts);
}

}  // namespace

Batch default_collate(const std::vector<Example>& examples) {
  check_same_fields(examples, "default_collate");
  Batch out;
  for (size_t f = 0; f < examples[0].size(); ++f)
    out.add(examples[0].names()[f], stack_field(examples, f, "default_collate"));
  return out;
}

Collate pad_collate(PadCollateOptions opts) {
  MICA_CHECK(opts.pad_to_multiple_of >= 1, "pad_collate: pad_to_multiple_of must be positive, got ",
             opts.pad_to_multiple_of);
  return [opts](const std::vector<Example>& examples) -> Batch {
    const char* op = "pad_collate";
    check_same_fields(examples, op);
    const Example& e0 = examples[0];
    const auto& names = e0.names();
    const int64_t batch = static_cast<int64_t>(examples.size());
    for (const auto& name : opts.fields)
      MICA_CHECK(e0.contains(name), op, ": no field named '", name, "' to pad in ", e0.describe());
    const bool has_mask = !opts.mask_field.empty() && e0.contains(opts.mask_field);

    // Which fields to pad, and the common length L.
    std::vector<bool> padded(e0.size());
    int64_t length = 0;
    for (size_t f = 0; f < e0.size(); ++f) {
      check_defined(examples, f, op);
      if (opts.fields.empty())
        padded[f] = e0[f].dim() >= 1;
      else
        padded[f] =
            std::find(opts.fields.begin(), opts.fields.end(), names[f]) != opts.fields.end() ||
            (has_mask && names[f] == opts.mask_field);
      if (!padded[f]) continue;
      const Shape trailing(e0[f].sizes().begin() + std::min<int64_t>(1, e0[f].dim()),
                           e0[f].sizes().end());
      for (size_t k = 0; k < examples.size(); ++k) {
        const Tensor& t = examples[k][f];
        MICA_CHECK(t.dim() >= 1, op, ": field ", field_label(e0, f), " of example ", k,
                   " is 0-d; padded fields must be sequences [len, *]");
        MICA_CHECK(Shape(t.sizes().begin() + 1, t.sizes().end()) == trailing, op, ": field ",
                   field_label(e0, f), " has shape ", shape_str(e0[f].sizes()),
                   " in example 0 but ", shape_str(t.sizes()), " in example ", k,
                   "; only dim 0 may vary");
        length = std::max(length, t.size(0));
      }
    }
    const int64_t m = opts.pad_to_multiple_of;
    length = (length + m - 1) / m * m;

    Batch out;
    bool mask_done = has_mask || opts.mask_field.empty();
    for (size_t f = 0; f < e0.size(); ++f) {
      if (!padded[f]) {
        out.add(names[f], stack_field(examples, f, op));
        continue;
      }
      int64_t value = has_mask && names[f] == opts.mask_field ? 0 : opts.pad_id;
      for (const auto& [name, v] : opts.pad_values)
        if (name == names[f]) value = v;
      Shape shape = e0[f].sizes();
      shape[0] = length;
      shape.insert(shape.begin(), batch);
      Tensor t = full(shape, value, TensorOptions(e0[f].dtype()).device(e0[f].device()));
      Tensor mask;
      if (!mask_done) mask = zeros({batch, length}, TensorOptions(kInt64).device(e0[f].device()));
      for (int64_t k = 0; k < batch; ++k) {
        const Tensor& seq = examples[static_cast<size_t>(k)][f];
        const int64_t len = seq.size(0);
        const int64_t offset = opts.left_padding ? length - len : 0;
        if (len == 0) continue;
        t.select(0, k).narrow(0, offset, len).copy_(seq);
        if (mask.defined()) mask.select(0, k).narrow(0, offset, len).fill_(1);
      }
      out.add(names[f], t);
      if (mask.defined()) {
        out.add(opts.mask_field, mask);
        mask_done = true;
      }
    }
    return out;
  };
}

}  // namespace mica::data
