// Differentiable reductions: sum, mean and sum_to (the adjoint of broadcasting, which the
// engine uses to un-broadcast gradients).
#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::set_history;

namespace {
// Sorted, wrapped dims (all dims when empty).
std::vector<int64_t> reduced_dims(const ops::Dims& dims, int64_t ndim) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
  } else {
    for (int64_t d : dims.vec()) {
      const int64_t w = wrap_dim(d, ndim, "sum");
      if (ndim > 0) out.push_back(w);  // a 0-d tensor's dim 0 / -1 has no size to reduce
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Broadcasts the gradient of a reduction back over the reduced dims.
struct ReduceBackward : Node {
  std::string node_name;
  std::string name() const override { return node_name; }
  Shape input_sizes;
  std::vector<int64_t> dims;
  bool keepdim = false;
  double scale = 1.0;  // 1 for sum, 1/count for mean
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor grad = g[0];
    if (!keepdim && !input_sizes.empty())
      for (int64_t d : dims) grad = grad.unsqueeze(d);
    grad = grad.expand(input_sizes);
    return {scale == 1.0 ? grad : mul(grad, scale)};
  }
};

Tensor reduce(const char* name, const Tensor& x, Tensor out, const ops::Dims& dims, bool keepdim,
              bool is_mean) {
  if (auto node = make_node<ReduceBackward>({&x})) {
    node->node_name = name;
    node->input_sizes = x.sizes();
    node->dims = reduced_dims(dims, x.dim());
    node->keepdim = keepdim;
    if (is_mean) {
      int64_t count = 1;
      for (int64_t d : node->dims) count *= x.size(d);
      node->scale = count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
    }
    set_history(out, node);
  }
  return out;
}

struct SumToBackward : Node {
  MICA_NODE_NAME("SumToBackward")
  Shape input_sizes;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].expand(input_sizes)}; }
};
}  // namespace

Tensor sum(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return reduce("SumBackward", x, raw([&] { return ops::sum(x, dims, keepdim); }), dims, keepdim,
                false);
}

Tensor mean(const Tensor& x, const ops::Dims& dims, bool keepdim) {
  return reduce("MeanBackward", x, raw([&] { return ops::mean(x, dims, keepdim); }), dims, keepdim,
                true);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.sizes() == shape) return x;
  Tensor out = raw([&] { return ops::sum_to(x, shape); });
  if (auto node = make_node<SumToBackward>({&x})) {
    node->input_sizes = x.sizes();
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
