// Differentiable scans (cumsum, cumprod) and the ops that pick elements by index along a dim
// (max/min with a dim, sort, topk): their values' gradient is scattered back to the picked
// positions, through a private gather/scatter pair that are each other's adjoint (so second
// derivatives work too). Indices and argsort are not differentiable.
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {

// ---- gather along a dim and its adjoint, scatter-add into zeros ----
Tensor take_along(const Tensor& t, int64_t dim, const Tensor& index);
Tensor put_along(const Tensor& src, int64_t dim, const Tensor& index, const Shape& sizes);

struct TakeAlongBackward : Node {
  MICA_NODE_NAME("GatherBackward")
  int64_t dim = 0;
  Tensor index;  // int64, never modified (owned by the graph)
  Shape sizes;   // the gathered-from tensor's
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {put_along(g[0], dim, index, sizes)};
  }
};

struct PutAlongBackward : Node {
  MICA_NODE_NAME("ScatterAddBackward")
  int64_t dim = 0;
  Tensor index;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {take_along(g[0], dim, index)};
  }
};

// t: [..., n, ...], index: [..., k, ...] -> [..., k, ...]
Tensor take_along(const Tensor& t, int64_t dim, const Tensor& index) {
  Tensor out = raw([&] { return ops::gather(t, dim, index); });
  if (auto node = make_node<TakeAlongBackward>({&t})) {
    node->dim = dim;
    node->index = index;
    node->sizes = t.sizes();
    set_history(out, node);
  }
  return out;
}

// src: [..., k, ...], index: src's shape -> zeros of sizes with src added at the indices.
Tensor put_along(const Tensor& src, int64_t dim, const Tensor& index, const Shape& sizes) {
  Tensor out = raw([&] { return ops::scatter_add(zeros(sizes, src.options()), dim, index, src); });
  if (auto node = make_node<PutAlongBackward>({&src})) {
    node->dim = dim;
    node->index = index;
    set_history(out, node);
  }
  return out;
}

// max/min along a dim, sort, topk: the values are x gathered at indices along dim.
struct PickBackward : Node {
  std::string node_name;
  std::string name() const override { return node_name; }
  int64_t dim = 0;  // wrapped
  bool keepdim = true;
  Shape sizes;
  SavedVariable indices;  // an output of the op: version-checked
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (sizes.empty()) return {sum(g[0])};  // 0-d x: picked once (or never, for topk k = 0)
    Tensor grad = keepdim ? g[0] : g[0].unsqueeze(dim);
    Tensor index = indices.unpack(*this);
    if (!keepdim) index = raw([&] { return index.unsqueeze(dim); });
    return {put_along(grad, dim, index, sizes)};
  }
  void release_saved() override { indices.reset(); }
};

ops::ValuesIndices picked(const char* name, const Tensor& x, ops::ValuesIndices out, int64_t dim,
                          bool keepdim) {
  if (auto node = make_node<PickBackward>({&x})) {
    node->node_name = name;
    node->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), name);
    node->keepdim = keepdim;
    node->sizes = x.sizes();
    set_history(out.values, node);
    node->indices = SavedVariable(out.indices, false);
  }
  return out;
}

// ---- scans ----

// Reverse cumulative sum along dim (sum of g_j for j >= i), differentiable.
Tensor reverse_cumsum(const Tensor& g, int64_t dim) {
  return add(sub(sum(g, dim, true), cumsum(g, dim)), g);
}

struct CumsumBackward : Node {
  MICA_NODE_NAME("CumsumBackward")
  int64_t dim = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {reverse_cumsum(g[0], dim)};
  }
};

// d out_j / d x_i = out_j / x_i for j >= i. With zeros, per line with its first zero at k:
//   i < k:  sum_{j >= i} g_j out_j / x_i   (out_j = 0 from k on, so x_i != 0 is all it divides by)
//   i = k:  sum_{j >= k} g_j P_j, P = cumprod of x with x_k replaced by 1
//   i > k:  0 (every out_j that depends on x_i holds the factor x_k = 0)
// First derivatives are exact with zeros; second derivatives only without zeros.
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& out, int64_t dim) {
  const Tensor is_zero = raw([&] { return ops::eq(x, 0); });
  if (!raw([&] { return ops::any(is_zero); }).item<bool>())
    return div(reverse_cumsum(mul(g, out), dim), x);
  const DType dt = x.dtype();
  const Tensor zeros_so_far = raw([&] { return ops::cumsum(is_zero, dim); });
  const Tensor before = raw([&] { return ops::eq(zeros_so_far, 0).to(dt); });
  const Tensor from_first = raw([&] { return ops::ge(zeros_so_far, 1).to(dt); });
  const Tensor first =
      raw([&] { return ops::logical_and(is_zero, ops::eq(zeros_so_far, 1)).to(dt); });
  // i < k (x_safe: x with 1 from k on, so the masked-out division stays finite)
  const Tensor x_safe = add(mul(x, before), from_first);
  const Tensor head = mul(div(reverse_cumsum(mul(g, out), dim), x_safe), before);
  // i = k (P does not depend on x_k)
  const Tensor not_first = raw([&] { return ops::eq(first, 0).to(dt); });
  const Tensor p = cumprod(add(mul(x, not_first), first), dim);
  const Tensor at_zero = mul(reverse_cumsum(mul(mul(g, p), from_first), dim), first);
  return add(head, at_zero);
}

struct CumprodBackward : Node {
  MICA_NODE_NAME("CumprodBackward")
  int64_t dim = 0;
  SavedVariable x, result;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {cumprod_backward(g[0], x.unpack(*this), result.unpack(*this), dim)};
  }
  void release_saved() override {
    x.reset();
    result.reset();
  }
};

}  // namespace

ops::ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return picked("MaxBackward", x, raw([&] { return ops::max(x, dim, keepdim); }), dim, keepdim);
}

ops::ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return picked("MinBackward", x, raw([&] { return ops::min(x, dim, keepdim); }), dim, keepdim);
}

ops::ValuesIndices sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  return picked("SortBackward", x, raw([&] { return ops::sort(x, dim, descending, stable); }), dim,
                true);
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  return raw([&] { return ops::argsort(x, dim, descending, stable); });
}

ops::ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  return picked("TopkBackward", x, raw([&] { return ops::topk(x, k, dim, largest, sorted); }), dim,
                true);
}

Tensor cumsum(const Tensor& x, int64_t dim) {
  Tensor out = raw([&] { return ops::cumsum(x, dim); });
  if (auto node = make_node<CumsumBackward>({&x})) {
    node->dim = dim;
    set_history(out, node);
  }
  return out;
}

Tensor cumprod(const Tensor& x, int64_t dim) {
  Tensor out = raw([&] { return ops::cumprod(x, dim); });
  if (auto node = make_node<CumprodBackward>({&x})) {
    node->dim = dim;
    set_history(out, node);
    node->x = SavedVariable(x, false);
    node->result = SavedVariable(out, true);
  }
  return out;
}

}  // namespace mica
