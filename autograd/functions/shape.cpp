// Differentiable shape ops: cat/stack (backward: slices of the gradient), split/chunk (views
// through Tensor::narrow), repeat (sum over the tiles), repeat_interleave (sum over the copies,
// or index_add for per-slice repeats), flip (flip), roll (roll back), tril/triu (the same
// triangle of the gradient) and pad (constant: pad by the negated pads; reflect/replicate:
// index_add of the gradient along each padded dim). All backwards are written in differentiable
// ops, so create_graph gives second derivatives.
#include <algorithm>

#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::set_history;

namespace {

bool legacy_empty(const Tensor& t) {  // 1-d [0] tensors are skipped by cat
  return t.dim() == 1 && t.size(0) == 0;
}

// ---- cat / stack ----
struct CatBackward : Node {
  MICA_NODE_NAME("CatBackward")
  int64_t dim = 0;               // wrapped
  std::vector<int64_t> lengths;  // each input's size along dim; -1 for skipped 1-d empties
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<Tensor> out(lengths.size());
    int64_t off = 0;
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] < 0) {
        if (needs_input_grad(i)) out[i] = zeros({0}, g[0].options());
        continue;
      }
      if (needs_input_grad(i)) out[i] = g[0].narrow(dim, off, lengths[i]);
      off += lengths[i];
    }
    return out;
  }
};

struct StackBackward : Node {
  MICA_NODE_NAME("StackBackward")
  int64_t dim = 0;  // wrapped, in the output's dims
  size_t count = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<Tensor> out(count);
    for (size_t i = 0; i < count; ++i)
      if (needs_input_grad(i)) out[i] = g[0].select(dim, static_cast<int64_t>(i));
    return out;
  }
};

// ---- repeat / repeat_interleave ----
// out viewed as [r0, s0, r1, s1, ...]: the gradient summed over the r dims.
struct RepeatBackward : Node {
  MICA_NODE_NAME("RepeatBackward")
  Shape input_sizes, inter;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<int64_t> tiles;
    for (size_t i = 0; i < inter.size(); i += 2) tiles.push_back(static_cast<int64_t>(i));
    return {sum(g[0].reshape(inter), tiles).reshape(input_sizes)};
  }
};

// out = in.unsqueeze(d + 1).expand(expanded).reshape(...): the gradient summed over dim d + 1.
struct RepeatInterleaveBackward : Node {
  MICA_NODE_NAME("RepeatInterleaveBackward")
  Shape input_sizes, expanded;
  int64_t dim = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {sum(g[0].reshape(expanded), dim + 1).reshape(input_sizes)};
  }
};

// out = index_select(in, d, index): the gradient index_added back.
struct IndexRepeatBackward : Node {
  MICA_NODE_NAME("RepeatInterleaveBackward")
  Shape input_sizes, in_sizes;  // t's shape; the shape of the (flattened / 1-d) input indexed
  int64_t dim = 0;
  Tensor index;  // int64 [sum(repeats)], made by the op (not visible to the caller)
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {index_add(zeros(in_sizes, g[0].options()), dim, index, g[0]).reshape(input_sizes)};
  }
};

// ---- flip / roll / triangles ----
struct FlipBackward : Node {
  MICA_NODE_NAME("FlipBackward")
  Shape dims;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {flip(g[0], dims)}; }
};

struct RollBackward : Node {
  MICA_NODE_NAME("RollBackward")
  Shape shifts, dims;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Shape back(shifts.size());
    std::transform(shifts.begin(), shifts.end(), back.begin(), [](int64_t s) { return -s; });
    return {roll(g[0], back, dims)};
  }
};

struct TriangleBackward : Node {
  MICA_NODE_NAME(upper ? "TriuBackward" : "TrilBackward")
  bool upper = false;
  int64_t diagonal = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {upper ? triu(g[0], diagonal) : tril(g[0], diagonal)};
  }
};

// ---- pad ----
// For reflect/replicate: source position of each output position along one padded dim.
Tensor pad_source_index(int64_t n, int64_t left, int64_t right, ops::PadMode mode, Device device) {
  std::vector<int64_t> src(static_cast<size_t>(n + left + right));
  for (int64_t j = 0; j < n + left + right; ++j) {
    int64_t x = j - left;
    if (mode == ops::PadMode::Reflect) {
      if (x < 0) x = -x;
      if (x >= n) x = 2 * (n - 1) - x;
    } else {
      x = std::clamp<int64_t>(x, 0, n - 1);
    }
    src[static_cast<size_t>(j)] = x;
  }
  Tensor idx = from_vector(src, {-1}, TensorOptions(kInt64));
  return device.is_cpu() ? idx : idx.to(device);
}

struct PadBackward : Node {
  MICA_NODE_NAME(mode == ops::PadMode::Constant  ? "ConstantPadBackward"
                 : mode == ops::PadMode::Reflect ? "ReflectionPadBackward"
                                                 : "ReplicationPadBackward")
  ops::PadMode mode = ops::PadMode::Constant;
  Shape pads, input_sizes;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (mode == ops::PadMode::Constant) {  // crop what was padded, zero-pad what was cropped
      Shape back(pads.size());
      std::transform(pads.begin(), pads.end(), back.begin(), [](int64_t p) { return -p; });
      return {pad(g[0], back)};
    }
    // out = index_select along each padded dim (with sources mirrored or clamped), so the
    // gradient is index_add along each of them; the order of the dims does not matter.
    Tensor grad = g[0];
    const int64_t nd = static_cast<int64_t>(input_sizes.size());
    for (size_t k = 0; 2 * k < pads.size(); ++k) {
      const int64_t d = nd - 1 - static_cast<int64_t>(k), l = pads[2 * k], r = pads[2 * k + 1];
      if (l == 0 && r == 0) continue;
      const int64_t n = input_sizes[static_cast<size_t>(d)];
      Shape sizes = grad.sizes();
      sizes[static_cast<size_t>(d)] = n;
      grad = index_add(zeros(sizes, grad.options()), d,
                       pad_source_index(n, l, r, mode, grad.device()), grad);
    }
    return {grad};
  }
};

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor out = raw([&] { return ops::cat(tensors, dim); });
  if (auto node = make_node<CatBackward>(tensors)) {
    const Tensor* ref = nullptr;
    for (const Tensor& t : tensors)
      if (!legacy_empty(t)) {
        ref = &t;
        break;
      }
    node->dim = ref ? wrap_dim(dim, ref->dim(), "cat") : 0;
    for (const Tensor& t : tensors)
      node->lengths.push_back(legacy_empty(t) ? -1 : t.size(node->dim));
    set_history(out, node);
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor out = raw([&] { return ops::stack(tensors, dim); });
  if (auto node = make_node<StackBackward>(tensors)) {
    node->dim = wrap_dim(dim, out.dim(), "stack");
    node->count = tensors.size();
    set_history(out, node);
  }
  return out;
}

namespace {
// The raw pieces (checked and sized by the raw op) remade as recorded narrow views of t when t
// needs a graph, so each piece has its own SliceBackward.
std::vector<Tensor> recorded_pieces(const Tensor& t, std::vector<Tensor> pieces, int64_t dim,
                                    const char* op) {
  autograd::init();  // installs the hooks that make narrow record (idempotent)
  if (!needs_autograd(t)) return pieces;
  const int64_t d = wrap_dim(dim, t.dim(), op);
  int64_t start = 0;
  for (Tensor& p : pieces) {
    const int64_t len = p.size(d);
    p = t.narrow(d, start, len);
    start += len;
  }
  return pieces;
}
}  // namespace

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  return recorded_pieces(t, raw([&] { return ops::split(t, split_size, dim); }), dim, "split");
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim) {
  return recorded_pieces(t, raw([&] { return ops::split(t, split_sizes, dim); }), dim, "split");
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  return recorded_pieces(t, raw([&] { return ops::chunk(t, chunks, dim); }), dim, "chunk");
}

Tensor repeat(const Tensor& t, const Shape& repeats) {
  Tensor out = raw([&] { return ops::repeat(t, repeats); });
  if (auto node = make_node<RepeatBackward>({&t})) {
    const int64_t m = static_cast<int64_t>(repeats.size()), lead = m - t.dim();
    node->input_sizes = t.sizes();
    for (int64_t i = 0; i < m; ++i) {
      node->inter.push_back(repeats[static_cast<size_t>(i)]);
      node->inter.push_back(i < lead ? 1 : t.size(i - lead));
    }
    set_history(out, node);
  }
  return out;
}

namespace {
// Records out = repeat_interleave(t, repeats, dim) with one repeat count for every slice.
Tensor record_repeat_interleave(const Tensor& t, Tensor out, int64_t repeats,
                                std::optional<int64_t> dim) {
  if (auto node = make_node<RepeatInterleaveBackward>({&t})) {
    // the raw op works on t flattened (no dim) or on t as at least 1-d
    Shape in = dim ? (t.dim() == 0 ? Shape{1} : t.sizes()) : Shape{t.numel()};
    const int64_t d =
        dim ? wrap_dim(*dim, static_cast<int64_t>(in.size()), "repeat_interleave") : 0;
    node->input_sizes = t.sizes();
    node->dim = d;
    in.insert(in.begin() + d + 1, repeats);
    node->expanded = in;
    set_history(out, node);
  }
  return out;
}
}  // namespace

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim) {
  return record_repeat_interleave(t, raw([&] { return ops::repeat_interleave(t, repeats, dim); }),
                                  repeats, dim);
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim) {
  Tensor out = raw([&] { return ops::repeat_interleave(t, repeats, dim); });
  if (!autograd::any_requires_grad({&t})) return out;
  if (repeats.numel() == 1) {  // one count for all slices, as the raw op did
    const int64_t r = repeats.item<int64_t>();
    return record_repeat_interleave(t, out, r, dim);
  }
  if (auto node = make_node<IndexRepeatBackward>({&t})) {
    node->in_sizes = dim ? (t.dim() == 0 ? Shape{1} : t.sizes()) : Shape{t.numel()};
    node->dim =
        dim ? wrap_dim(*dim, static_cast<int64_t>(node->in_sizes.size()), "repeat_interleave") : 0;
    node->input_sizes = t.sizes();
    node->index = raw([&] { return ops::repeat_interleave(repeats); });
    set_history(out, node);
  }
  return out;
}

Tensor flip(const Tensor& t, const Shape& dims) {
  Tensor out = raw([&] { return ops::flip(t, dims); });
  if (auto node = make_node<FlipBackward>({&t})) {
    node->dims = dims;
    set_history(out, node);
  }
  return out;
}

Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims) {
  Tensor out = raw([&] { return ops::roll(t, shifts, dims); });
  if (auto node = make_node<RollBackward>({&t})) {
    node->shifts = shifts;
    node->dims = dims;
    set_history(out, node);
  }
  return out;
}

namespace {
Tensor record_triangle(const Tensor& t, Tensor out, int64_t diagonal, bool upper) {
  if (auto node = make_node<TriangleBackward>({&t})) {
    node->upper = upper;
    node->diagonal = diagonal;
    set_history(out, node);
  }
  return out;
}
}  // namespace

Tensor tril(const Tensor& t, int64_t diagonal) {
  return record_triangle(t, raw([&] { return ops::tril(t, diagonal); }), diagonal, false);
}

Tensor triu(const Tensor& t, int64_t diagonal) {
  return record_triangle(t, raw([&] { return ops::triu(t, diagonal); }), diagonal, true);
}

Tensor pad(const Tensor& t, const Shape& pads, ops::PadMode mode, const Scalar& value) {
  Tensor out = raw([&] { return ops::pad(t, pads, mode, value); });
  if (auto node = make_node<PadBackward>({&t})) {
    node->mode = mode;
    node->pads = pads;
    node->input_sizes = t.sizes();
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
