// Differentiable indexing ops. Backwards pair each op with its adjoint, written in these same
// differentiable ops (so create_graph gives second derivatives): gather <-> scatter_add into
// zeros, index_select <-> index_add (a scatter_add with the index expanded along the other dims),
// masked_select <-> index_put into zeros, embedding -> index_put with accumulate into zeros.
// Index tensors and masks are saved version-checked and never get gradients.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {

// g: the gradient of an index-shaped part of a tensor of shape `sizes` (index.size(i) <= sizes[i]
// for every i) -> the same values at the front of each dim, zeros after them.
Tensor zero_extend(const Tensor& g, const Shape& sizes) {
  if (g.sizes() == sizes) return g;
  Shape pads;
  for (int64_t i = g.dim() - 1; i >= 0; --i) {
    pads.push_back(0);
    pads.push_back(sizes[static_cast<size_t>(i)] - g.size(i));
  }
  return pad(g, pads);
}

// index as a bool mask (uint8 masks are accepted by the raw ops).
Tensor as_bool_mask(const Tensor& mask) {
  return mask.dtype() == kBool ? mask : raw([&] { return ops::ne(mask, 0); });
}

struct IndexSelectBackward : Node {
  MICA_NODE_NAME("IndexSelectBackward")
  Shape self_sizes;
  int64_t dim = 0;
  SavedVariable index;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (self_sizes.empty()) return {g[0].reshape({})};  // a 0-d input is its own only element
    return {index_add(zeros(self_sizes, g[0].options()), dim, index.unpack(*this), g[0])};
  }
  void release_saved() override { index.reset(); }
};

struct GatherBackward : Node {
  MICA_NODE_NAME("GatherBackward")
  Shape self_sizes;
  int64_t dim = 0;
  SavedVariable index;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {scatter_add(zeros(self_sizes, g[0].options()), dim, index.unpack(*this), g[0])};
  }
  void release_saved() override { index.reset(); }
};

// scatter (add = false; value form: no src input) and scatter_add (add = true).
struct ScatterBackward : Node {
  MICA_NODE_NAME(add ? "ScatterAddBackward" : "ScatterBackward")
  bool add = false, has_src = true;
  Shape src_sizes;
  int64_t dim = 0;
  SavedVariable index;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor idx = index.unpack(*this);
    Tensor gself, gsrc;
    // scatter overwrites the indexed positions of self: they get no gradient
    if (needs_input_grad(0)) gself = add ? g[0] : scatter(g[0], dim, idx, Scalar(0));
    if (!has_src) return {gself};
    if (needs_input_grad(1)) gsrc = zero_extend(gather(g[0], dim, idx), src_sizes);
    return {gself, gsrc};
  }
  void release_saved() override { index.reset(); }
};

struct IndexPutBackward : Node {
  MICA_NODE_NAME(accumulate ? "IndexPutAccumulateBackward" : "IndexPutBackward")
  bool accumulate = false;
  Shape self_sizes;
  SavedVariable index;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor idx = index.unpack(*this);
    Tensor gself, gvalues;
    if (needs_input_grad(0))
      gself = accumulate ? g[0] : index_put(g[0], idx, zeros({}, g[0].options()));
    if (needs_input_grad(1)) gvalues = take(g[0], idx);  // the engine sums it to values' shape
    return {gself, gvalues};
  }
  void release_saved() override { index.reset(); }

 private:
  // g[index] as index_put reads it: [count, *rest] for a mask of the leading dims, [*k, *rest]
  // for integer indices into dim 0 (negative ones counting from the end).
  Tensor take(const Tensor& g, const Tensor& idx) const {
    if (idx.dtype() == kBool || idx.dtype() == kUInt8) {
      const Tensor mask = as_bool_mask(idx);
      Shape rest(self_sizes.begin() + mask.dim(), self_sizes.end()), msizes = mask.sizes();
      msizes.insert(msizes.end(), rest.size(), 1);
      const int64_t count = raw([&] { return ops::nonzero(mask).size(0); });
      rest.insert(rest.begin(), count);
      return masked_select(g, mask.reshape(msizes).expand(g.sizes())).reshape(rest);
    }
    const int64_t n = self_sizes[0];
    const Tensor wrapped = raw([&] { return ops::where(ops::lt(idx, 0), ops::add(idx, n), idx); });
    Shape shape = idx.sizes();
    shape.insert(shape.end(), self_sizes.begin() + 1, self_sizes.end());
    return index_select(g, 0, wrapped.reshape({idx.numel()})).reshape(shape);
  }
};

struct MaskedSelectBackward : Node {
  MICA_NODE_NAME("MaskedSelectBackward")
  Shape shape;  // the broadcast shape of self and mask
  SavedVariable mask;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor m = as_bool_mask(mask.unpack(*this)).expand(shape);
    return {index_put(zeros(shape, g[0].options()), m, g[0])};  // summed to self's shape
  }
  void release_saved() override { mask.reset(); }
};

struct EmbeddingBackward : Node {
  MICA_NODE_NAME("EmbeddingBackward")
  int64_t num_embeddings = 0, embedding_dim = 0;
  std::optional<int64_t> padding_idx;  // wrapped to [0, num_embeddings)
  SavedVariable indices;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor idx = indices.unpack(*this);
    const Tensor rows = g[0].reshape({idx.numel(), embedding_dim});
    Tensor grad = index_put(zeros({num_embeddings, embedding_dim}, g[0].options()),
                            idx.reshape({idx.numel()}), rows, /*accumulate=*/true);
    if (padding_idx)
      grad = index_put(grad, full({1}, *padding_idx, TensorOptions(kInt64).device(g[0].device())),
                       zeros({}, g[0].options()));
    return {grad};
  }
  void release_saved() override { indices.reset(); }
};

}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  Tensor out = raw([&] { return ops::index_select(t, dim, index); });
  if (auto node = make_node<IndexSelectBackward>({&t})) {
    node->self_sizes = t.sizes();
    node->dim = dim;
    node->index = SavedVariable(index, false);
    set_history(out, node);
  }
  return out;
}

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  Tensor out = raw([&] { return ops::gather(t, dim, index); });
  if (auto node = make_node<GatherBackward>({&t})) {
    node->self_sizes = t.sizes();
    node->dim = dim;
    node->index = SavedVariable(index, false);
    set_history(out, node);
  }
  return out;
}

namespace {
Tensor record_scatter(Tensor out, bool add, const Tensor& t, int64_t dim, const Tensor& index,
                      const Tensor* src) {
  auto node = src ? make_node<ScatterBackward>({&t, src}) : make_node<ScatterBackward>({&t});
  if (node) {
    node->add = add;
    node->has_src = src != nullptr;
    node->dim = dim;
    if (src) node->src_sizes = src->sizes();
    node->index = SavedVariable(index, false);
    set_history(out, node);
  }
  return out;
}
}  // namespace

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return record_scatter(raw([&] { return ops::scatter(t, dim, index, src); }), false, t, dim, index,
                        &src);
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  return record_scatter(raw([&] { return ops::scatter(t, dim, index, value); }), false, t, dim,
                        index, nullptr);
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return record_scatter(raw([&] { return ops::scatter_add(t, dim, index, src); }), true, t, dim,
                        index, &src);
}

// A composition: scatter_add with index expanded over source's other dims (so its gradient
// follows from scatter_add's).
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
  const char* op = "index_add";
  MICA_CHECK(t.defined() && index.defined() && source.defined(), op,
             ": self, index and source must be defined");
  MICA_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
             ": index must be int64 or int32, got ", dtype_name(index.dtype()));
  MICA_CHECK(index.dim() <= 1, op, ": index must be 0-d or 1-d, got shape ",
             shape_str(index.sizes()));
  MICA_CHECK(source.dim() == t.dim(), op, ": source ", shape_str(source.sizes()), " and self ",
             shape_str(t.sizes()), " must have the same number of dims");
  if (t.dim() == 0) {
    MICA_CHECK(index.numel() == 1, op, ": a 0-d self needs one index, got shape ",
               shape_str(index.sizes()));
    return scatter_add(t, 0, index.reshape({}), source);
  }
  const int64_t d = wrap_dim(dim, t.dim(), op);
  for (int64_t i = 0; i < t.dim(); ++i)
    MICA_CHECK(i == d ? source.size(i) == index.numel() : source.size(i) == t.size(i), op,
               ": source ", shape_str(source.sizes()), " does not match self ",
               shape_str(t.sizes()), " with ", index.numel(), " indices along dim ", d);
  Shape line(static_cast<size_t>(t.dim()), 1);
  line[static_cast<size_t>(d)] = index.numel();
  const Tensor idx = raw([&] { return index.reshape(line).expand(source.sizes()); });
  return scatter_add(t, d, idx, source);
}

Tensor index_put(const Tensor& t, const Tensor& index, const Tensor& values, bool accumulate) {
  Tensor out = raw([&] { return ops::index_put(t, index, values, accumulate); });
  if (auto node = make_node<IndexPutBackward>({&t, &values})) {
    node->accumulate = accumulate;
    node->self_sizes = t.sizes();
    node->index = SavedVariable(index, false);
    set_history(out, node);
  }
  return out;
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  Tensor out = raw([&] { return ops::masked_select(t, mask); });
  if (auto node = make_node<MaskedSelectBackward>({&t})) {
    node->shape = broadcast_shapes(t.sizes(), mask.sizes(), "masked_select");
    node->mask = SavedVariable(mask, false);
    set_history(out, node);
  }
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  Tensor out = raw([&] { return ops::embedding(weight, indices); });
  const int64_t v = weight.size(0);
  if (padding_idx) {
    MICA_CHECK(*padding_idx >= -v && *padding_idx < v, "embedding: padding_idx ", *padding_idx,
               " is out of range for ", v, " embeddings (weight ", shape_str(weight.sizes()), ")");
    if (*padding_idx < 0) padding_idx = *padding_idx + v;
  }
  if (auto node = make_node<EmbeddingBackward>({&weight})) {
    node->num_embeddings = v;
    node->embedding_dim = weight.size(1);
    node->padding_idx = padding_idx;
    node->indices = SavedVariable(indices, false);
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
