// Differentiable linear algebra: matmul (all of torch.matmul's shape cases, batch broadcasting
// undone by the engine), mm, bmm, addmm, linear, outer, dot and einsum. Every backward is written
// with these differentiable ops (einsum's gradients are einsums), so create_graph works.
#include <algorithm>
#include <string>
#include <vector>
#include "autograd/autocast.h"

#include "autograd/function.h"
#include "autograd/ops.h"

namespace mica {

using autograd::make_node;
using autograd::Node;
using autograd::raw;
using autograd::SavedVariable;
using autograd::set_history;

namespace {
Tensor mT(const Tensor& t) {
  return t.transpose(-1, -2);
}

struct MatmulBackward : Node {
  MICA_NODE_NAME("MatmulBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor g = grads[0];
    // Treat 1-d operands as matrices ([k] -> [1, k] on the left, [k, 1] on the right).
    const bool a_vec = av.dim() == 1, b_vec = bv.dim() == 1;
    if (a_vec) {
      av = av.unsqueeze(0);
      g = g.unsqueeze(b_vec ? 0 : -2);
    }
    if (b_vec) {
      bv = bv.unsqueeze(-1);
      g = g.unsqueeze(-1);
    }
    Tensor ga, gb;
    if (needs_input_grad(0)) {
      ga = matmul(g, mT(bv));  // [..., m, k]
      if (a_vec) ga = sum_to(ga, {1, ga.size(-1)}).squeeze(0);
    }
    if (needs_input_grad(1)) {
      gb = matmul(mT(av), g);  // [..., k, n]
      if (b_vec) gb = sum_to(gb, {gb.size(-2), 1}).squeeze(-1);
    }
    return {ga, gb};  // batch broadcasting is summed away by the engine
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

Tensor record_matmul(const Tensor& a, const Tensor& b, Tensor out) {
  if (auto node = make_node<MatmulBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    // both are needed for the 1-d reshaping logic
    if (!node->a.defined()) node->a = SavedVariable(a, false);
    if (!node->b.defined()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

struct LinearBackward : Node {
  MICA_NODE_NAME("LinearBackward")
  SavedVariable x, w;
  bool has_bias = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];  // [*, out]
    Tensor gx, gw, gb;
    if (needs_input_grad(0)) gx = matmul(g, w.unpack(*this));  // [*, in]
    if (needs_input_grad(1)) {
      const Tensor xv = x.unpack(*this);
      const Tensor g2 = g.reshape({-1, g.size(-1)});
      const Tensor x2 = xv.reshape({-1, xv.size(-1)});
      gw = mm(g2.t(), x2);  // [out, in]
    }
    if (has_bias && needs_input_grad(2)) gb = sum_to(g, {g.size(-1)});
    return {gx, gw, gb};
  }
  void release_saved() override {
    x.reset();
    w.reset();
  }
};
struct AddmmBackward : Node {
  MICA_NODE_NAME("AddmmBackward")
  double beta = 1, alpha = 1;
  SavedVariable m1, m2;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];  // [n, m]
    Tensor gi, g1, g2;
    if (needs_input_grad(0)) gi = mul(g, beta);  // summed to input's shape by the engine
    if (needs_input_grad(1)) g1 = mul(mm(g, mT(m2.unpack(*this))), alpha);  // [n, k]
    if (needs_input_grad(2)) g2 = mul(mm(mT(m1.unpack(*this)), g), alpha);  // [k, m]
    return {gi, g1, g2};
  }
  void release_saved() override {
    m1.reset();
    m2.reset();
  }
};

struct OuterBackward : Node {
  MICA_NODE_NAME("OuterBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];  // [n, m], of the promoted dtype (the engine casts back)
    auto like_g = [&](const Tensor& t) { return t.dtype() == g.dtype() ? t : t.to(g.dtype()); };
    return {needs_input_grad(0) ? matmul(g, like_g(b.unpack(*this))) : Tensor(),   // [n]
            needs_input_grad(1) ? matmul(like_g(a.unpack(*this)), g) : Tensor()};  // [m]
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

struct DotBackward : Node {
  MICA_NODE_NAME("DotBackward")
  SavedVariable a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];  // []
    return {needs_input_grad(0) ? mul(b.unpack(*this), g) : Tensor(),
            needs_input_grad(1) ? mul(a.unpack(*this), g) : Tensor()};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

// ---- einsum ----
// An equation with explicit letters only: "..." replaced by fresh letters (right-aligned across
// operands, like ops::einsum), the output spelled out (implicit: "..." first, then the letters
// seen once, A-Z before a-z).
struct EinsumSpec {
  std::vector<std::string> terms;
  std::string out;
  std::string unused;  // letters free for the backward's own labels
};

bool is_label(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

EinsumSpec parse_einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> raw_terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    raw_terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::string used;
  for (char c : eq)
    if (is_label(c)) used += c;
  EinsumSpec spec;
  for (char c = 'A'; c <= 'z'; ++c)
    if (is_label(c) && used.find(c) == std::string::npos) spec.unused += c;
  // "..." dims per operand and in all
  auto explicit_count = [](const std::string& t) {
    return static_cast<int64_t>(std::count_if(t.begin(), t.end(), is_label));
  };
  int64_t max_ell = 0;
  for (size_t i = 0; i < raw_terms.size(); ++i)
    if (raw_terms[i].find("...") != std::string::npos)
      max_ell = std::max(max_ell, operands[i].dim() - explicit_count(raw_terms[i]));
  MICA_CHECK(static_cast<size_t>(max_ell) <= spec.unused.size(), "einsum: '", equation,
             "' leaves too few free letters for the gradient");
  const std::string ell_letters = spec.unused.substr(0, static_cast<size_t>(max_ell));
  spec.unused = spec.unused.substr(static_cast<size_t>(max_ell));
  auto expand_ellipsis = [&](const std::string& t, int64_t n) {
    const size_t pos = t.find("...");
    if (pos == std::string::npos) return t;
    return t.substr(0, pos) + ell_letters.substr(static_cast<size_t>(max_ell - n)) +
           t.substr(pos + 3);
  };
  for (size_t i = 0; i < raw_terms.size(); ++i)
    spec.terms.push_back(
        expand_ellipsis(raw_terms[i], operands[i].dim() - explicit_count(raw_terms[i])));
  if (arrow != std::string::npos) {
    spec.out = expand_ellipsis(eq.substr(arrow + 2), max_ell);
  } else {
    spec.out = ell_letters;
    for (char c = 'A'; c <= 'z'; ++c) {
      if (!is_label(c) || ell_letters.find(c) != std::string::npos) continue;
      int n = 0;
      for (const std::string& t : spec.terms)
        n += static_cast<int>(std::count(t.begin(), t.end(), c));
      if (n == 1) spec.out += c;
    }
  }
  return spec;
}

struct EinsumBackward : Node {
  MICA_NODE_NAME("EinsumBackward")
  EinsumSpec spec;
  std::vector<SavedVariable> operands;

  // d out / d operand i: an einsum of the output gradient with the other operands, written to
  // operand i's labels. A label repeated in operand i (a diagonal) gets a fresh letter tied to
  // the first by an identity matrix; labels of operand i seen nowhere else (summed in forward)
  // are broadcast back; size-1 dims broadcast in forward are expanded back.
  Tensor grad_of(size_t i, const Tensor& g) const {
    const Tensor xi = operands[i].unpack(*this);
    std::string target, unused = spec.unused;
    std::vector<std::string> terms{spec.out};
    std::vector<Tensor> ins{g};
    for (size_t j = 0; j < operands.size(); ++j) {
      if (j == i) continue;
      terms.push_back(spec.terms[j]);
      ins.push_back(operands[j].unpack(*this));
    }
    const std::string& ti = spec.terms[i];
    for (size_t d = 0; d < ti.size(); ++d) {
      const char c = ti[d];
      if (target.find(c) == std::string::npos) {
        target += c;
        continue;
      }
      MICA_CHECK(!unused.empty(), "einsum: too few free letters for the gradient");
      const char fresh = unused[0];
      unused.erase(0, 1);
      target += fresh;
      const int64_t n = xi.size(static_cast<int64_t>(d));
      terms.push_back(std::string{c, fresh});
      ins.push_back(eye(n, std::nullopt, g.options()));
    }
    std::string available;
    for (const std::string& t : terms) available += t;
    std::string kept;
    for (char c : target)
      if (available.find(c) != std::string::npos) kept += c;
    std::string eq;
    for (size_t k = 0; k < terms.size(); ++k) eq += (k ? "," : "") + terms[k];
    Tensor r = einsum(eq + "->" + kept, ins);
    Shape shape;
    for (size_t d = 0; d < target.size(); ++d) {
      const int64_t n = xi.size(static_cast<int64_t>(d));
      if (kept.find(target[d]) == std::string::npos) {
        r = r.unsqueeze(static_cast<int64_t>(d));
        shape.push_back(n);
      } else {
        const int64_t got = r.size(static_cast<int64_t>(d));
        shape.push_back(got == 1 ? n : got);  // larger: summed back by the engine
      }
    }
    return r.sizes() == shape ? r : r.expand(shape);
  }

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    std::vector<Tensor> out(operands.size());
    for (size_t i = 0; i < operands.size(); ++i)
      if (needs_input_grad(i)) out[i] = grad_of(i, grads[0]);
    return out;
  }
  void release_saved() override {
    for (SavedVariable& s : operands) s.reset();
  }
};
}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast::lower(a_in), b = autocast::lower(b_in);
  return record_matmul(a, b, raw([&] { return ops::matmul(a, b); }));
}
Tensor mm(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast::lower(a_in), b = autocast::lower(b_in);
  return record_matmul(a, b, raw([&] { return ops::mm(a, b); }));
}
const Tensor& mm_out(const Tensor& out, const Tensor& a, const Tensor& b) {
  const auto wants_grad = [](const Tensor& t) { return t.defined() && t.requires_grad(); };
  MICA_CHECK(!GradMode::is_enabled() || (!wants_grad(a) && !wants_grad(b) && !wants_grad(out)),
             "mm_out: writing into out does not record autograd history; use mm, or call "
             "mm_out under NoGradGuard");
  return ops::mm_out(out, a, b);
}
Tensor bmm(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast::lower(a_in), b = autocast::lower(b_in);
  return record_matmul(a, b, raw([&] { return ops::bmm(a, b); }));
}

Tensor linear(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in) {
  const Tensor x = autocast::lower(x_in), weight = autocast::lower(weight_in),
               bias = autocast::lower(bias_in);
  Tensor out = raw([&] { return ops::linear(x, weight, bias); });
  if (auto node = make_node<LinearBackward>({&x, &weight, &bias})) {
    node->has_bias = bias.defined();
    if (weight.requires_grad()) node->x = SavedVariable(x, false);
    if (x.requires_grad()) node->w = SavedVariable(weight, false);
    set_history(out, node);
  }
  return out;
}

Tensor addmm(const Tensor& input_in, const Tensor& m1_in, const Tensor& m2_in, const Scalar& beta,
             const Scalar& alpha) {
  const Tensor input = autocast::lower(input_in), m1 = autocast::lower(m1_in),
               m2 = autocast::lower(m2_in);
  Tensor out = raw([&] { return ops::addmm(input, m1, m2, beta, alpha); });
  if (auto node = make_node<AddmmBackward>({&input, &m1, &m2})) {
    node->beta = beta.to_double();
    node->alpha = alpha.to_double();
    if (m2.requires_grad()) node->m1 = SavedVariable(m1, false);
    if (m1.requires_grad()) node->m2 = SavedVariable(m2, false);
    set_history(out, node);
  }
  return out;
}

Tensor outer(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = autocast::lower(a_in), b = autocast::lower(b_in);
  Tensor out = raw([&] { return ops::outer(a, b); });
  if (auto node = make_node<OuterBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  Tensor out = raw([&] { return ops::dot(a, b); });
  if (auto node = make_node<DotBackward>({&a, &b})) {
    if (b.requires_grad()) node->a = SavedVariable(a, false);
    if (a.requires_grad()) node->b = SavedVariable(b, false);
    set_history(out, node);
  }
  return out;
}

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  Tensor out = raw([&] { return ops::einsum(equation, operands); });
  if (auto node = make_node<EinsumBackward>(operands)) {
    node->spec = parse_einsum(equation, operands);
    for (const Tensor& t : operands) node->operands.emplace_back(t, false);
    set_history(out, node);
  }
  return out;
}

}  // namespace mica
