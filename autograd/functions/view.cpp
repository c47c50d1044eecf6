// Backward of Tensor's view and copy methods (recorded through tensor/autograd_hooks.h):
// reshape-like views reshape the gradient back, permute inverts, expand sums, and slicing-like
// views embed the gradient into zeros of the base's shape. All written with differentiable
// operations, so double backward works through views too.
#include "autograd/functions/view.h"

#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica::autograd {

namespace {
// Zeros of the base's shape with grad written into the view described by rec.
Tensor embed(const Tensor& grad, const ViewRecord& rec, const Tensor& view_geometry);

// The view rec applied to t (a tensor of the base's shape); differentiable.
Tensor apply_view(const Tensor& t, const ViewRecord& rec, const Tensor& view_geometry) {
  switch (rec.kind) {
    case ViewKind::Slice:
      return t.slice(rec.dim, rec.start, rec.start + (view_geometry.size(rec.dim)) * rec.step,
                     rec.step);
    case ViewKind::Select:
      return t.select(rec.dim, rec.start);
    case ViewKind::Diagonal:
      return t.diagonal(rec.start, rec.dims[0], rec.dims[1]);
    default:
      MICA_FAIL("view backward: unexpected view kind");
  }
}

class EmbedBackward : public Node {
 public:
  MICA_NODE_NAME("EmbedBackward")
  ViewRecord rec;
  Tensor view_geometry;  // an undefined-data handle with the view's sizes (sizes only are used)
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {apply_view(g[0], rec, view_geometry)};
  }
};

Tensor embed(const Tensor& grad, const ViewRecord& rec, const Tensor& view_geometry) {
  Tensor out = zeros(rec.sizes, grad.options());
  raw([&] { return apply_view(out, rec, view_geometry).copy_(grad); });
  if (auto node = make_node<EmbedBackward>({&grad})) {
    node->rec = rec;
    node->view_geometry = view_geometry;
    set_history(out, node);
  }
  return out;
}

Shape inverse_permutation(const Shape& dims) {
  const int64_t n = static_cast<int64_t>(dims.size());
  Shape inv(dims.size());
  for (int64_t i = 0; i < n; ++i)
    inv[static_cast<size_t>(wrap_dim(dims[static_cast<size_t>(i)], n, "permute"))] = i;
  return inv;
}

class ViewBackward : public Node {
 public:
  std::string name() const override { return kind_name(); }
  ViewRecord rec;
  Tensor view_geometry;  // sizes of the view (a zero-copy alias without history)
  // as_strided: the base's and the view's geometry in storage coordinates
  Shape base_strides, view_strides;
  int64_t base_offset = 0, view_offset = 0;

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    switch (rec.kind) {
      case ViewKind::View:
      case ViewKind::Squeeze:
      case ViewKind::Unsqueeze:
        return {g.reshape(rec.sizes)};
      case ViewKind::Permute:
        return {g.permute(inverse_permutation(rec.dims))};
      case ViewKind::Expand:
        return {sum_to(g, rec.sizes)};
      case ViewKind::Slice:
      case ViewKind::Select:
      case ViewKind::Diagonal:
        return {embed(g, rec, view_geometry)};
      case ViewKind::AsStrided:
        return {as_strided_backward(g)};
    }
    MICA_FAIL("view backward: unknown view kind");
  }

 private:
  std::string kind_name() const {
    switch (rec.kind) {
      case ViewKind::View:
        return "ViewBackward";
      case ViewKind::Permute:
        return "PermuteBackward";
      case ViewKind::Expand:
        return "ExpandBackward";
      case ViewKind::Squeeze:
        return "SqueezeBackward";
      case ViewKind::Unsqueeze:
        return "UnsqueezeBackward";
      case ViewKind::Slice:
        return "SliceBackward";
      case ViewKind::Select:
        return "SelectBackward";
      case ViewKind::Diagonal:
        return "DiagonalBackward";
      case ViewKind::AsStrided:
        return "AsStridedBackward";
    }
    return "ViewBackward";
  }

  // Scatter-adds g through the view's geometry into a buffer spanning the storage, then reads
  // it back through the base's geometry. (Not differentiable a second time.)
  Tensor as_strided_backward(const Tensor& g) const {
    int64_t span = std::max(base_offset, view_offset) + 1;
    for (size_t i = 0; i < rec.sizes.size(); ++i) span += (rec.sizes[i] - 1) * base_strides[i];
    for (size_t i = 0; i < view_strides.size(); ++i)
      span += (view_geometry.size(static_cast<int64_t>(i)) - 1) * view_strides[i];
    return raw([&] {
      Tensor buffer = zeros({span}, g.options());
      // Overlapping view elements accumulate: add element by element through a flat index.
      Tensor idx =
          arange(span).as_strided(view_geometry.sizes(), view_strides, view_offset).reshape({-1});
      ops::index_put_(buffer, idx, g.reshape({-1}), /*accumulate=*/true);
      return buffer.as_strided(rec.sizes, base_strides, base_offset).clone();
    });
  }
};
}  // namespace

void record_view(const Tensor& base, Tensor& out, const ViewRecord& rec) {
  auto node = std::make_shared<ViewBackward>();
  connect(*node, {&base});
  node->rec = rec;
  node->view_geometry = alias_without_history(out);
  if (rec.kind == ViewKind::AsStrided) {
    node->base_strides = base.strides();
    node->base_offset = base.storage_offset();
    node->view_strides = out.strides();
    node->view_offset = out.storage_offset();
  }
  set_history(out, node);
}

namespace {
class CopyBackward : public Node {
 public:
  MICA_NODE_NAME(kind == CopyKind::Clone     ? "CloneBackward"
                 : kind == CopyKind::ToDtype ? "ToDtypeBackward"
                                             : "ToDeviceBackward")
  CopyKind kind = CopyKind::Clone;
  Device source_device;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (kind == CopyKind::ToDevice) return {g[0].to(source_device)};
    return {g[0]};  // the engine casts to the input's dtype
  }
};

// self.copy_(src): the gradient goes to src (summed back over broadcasting); the old value of
// self is overwritten and receives none.
class CopyIntoBackward : public Node {
 public:
  MICA_NODE_NAME("CopyBackward")
  Device source_device;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {g[0].device() == source_device ? g[0] : g[0].to(source_device)};
  }
};
}  // namespace

void record_copy(const Tensor& in, Tensor& out, CopyKind kind) {
  auto node = std::make_shared<CopyBackward>();
  connect(*node, {&in});
  node->kind = kind;
  node->source_device = in.device();
  set_history(out, node);
}

void before_inplace(const Tensor& self, const char* op) {
  if (!GradMode::is_enabled()) return;
  MICA_CHECK(!(self.requires_grad() && !grad_fn(self)), op,
             ": a leaf tensor that requires grad (shape ", shape_str(self.sizes()),
             ") cannot be modified in place; do it under NoGradGuard");
  const auto& fn = grad_fn(self);
  MICA_CHECK(!fn || dynamic_cast<ViewBackward*>(fn.get()) == nullptr, op,
             ": in-place modification of a view of a tensor that requires grad (",
             fn ? fn->name() : "", ") is not supported; modify a clone() instead");
}

void after_copy_(Tensor& self, const Tensor& src) {
  if (src.defined() && src.requires_grad() && GradMode::is_enabled()) {
    auto node = std::make_shared<CopyIntoBackward>();
    connect(*node, {&src});
    node->source_device = src.device();
    set_history(self, node);
  } else if (AutogradMeta* m = meta(self); m && m->grad_fn) {
    // Overwritten by values that carry no gradient: no history any more.
    m->grad_fn.reset();
    self.impl()->set_requires_grad(false);
  }
}

}  // namespace mica::autograd
