// einsum: parses torch.einsum's equation syntax (letters, one "..." per term, optional "->"),
// takes diagonals for labels repeated within an operand, sums labels no one else needs, and
// contracts the operands pairwise, left to right, each contraction one batched GEMM on
// permuted/reshaped views: [batch..., M, K] @ [batch..., K, N].
#include <algorithm>
#include <string>
#include <vector>

#include "tensor/ops/common.h"
#include "tensor/ops/linalg.h"

namespace mica::ops {

namespace {

constexpr int kLetters = 52;  // 'A'-'Z' -> 0-25, 'a'-'z' -> 26-51; ellipsis dims follow
constexpr int kEllipsis = -1;

char label_char(int id) {
  return id < 26 ? static_cast<char>('A' + id) : static_cast<char>('a' + id - 26);
}
std::string label_name(int id) {
  return id < kLetters ? std::string(1, label_char(id)) : "...";
}

// One term of the equation: letter ids, with kEllipsis where "..." stands.
std::vector<int> parse_term(const std::string& term, const std::string& eq) {
  std::vector<int> out;
  bool seen_ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == '.') {
      MICA_CHECK(term.compare(i, 3, "...") == 0 && !seen_ellipsis, "einsum: invalid '.' in '", eq,
                 "' (only one '...' per operand)");
      seen_ellipsis = true;
      out.push_back(kEllipsis);
      i += 2;
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(26 + (c - 'a'));
    } else {
      MICA_FAIL("einsum: invalid subscript '", std::string(1, c), "' in equation '", eq,
                "' (subscripts are letters a-z, A-Z, and '...')");
    }
  }
  return out;
}

// An operand during evaluation: a tensor and one label per dim.
struct Term {
  Tensor t;
  std::vector<int> labels;
};

int64_t find(const std::vector<int>& v, int x) {
  const auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : static_cast<int64_t>(it - v.begin());
}
bool has(const std::vector<int>& v, int x) {
  return find(v, x) >= 0;
}

// Sums t over the dims whose labels are not in keep (a GEMM with a vector of ones).
Term sum_out(const Term& in, const std::vector<int>& keep) {
  Shape perm, kept_sizes;
  std::vector<int> kept_labels;
  int64_t summed = 1;
  for (size_t d = 0; d < in.labels.size(); ++d)
    if (has(keep, in.labels[d])) {
      perm.push_back(static_cast<int64_t>(d));
      kept_sizes.push_back(in.t.size(static_cast<int64_t>(d)));
      kept_labels.push_back(in.labels[d]);
    }
  if (perm.size() == in.labels.size()) return in;
  for (size_t d = 0; d < in.labels.size(); ++d)
    if (!has(keep, in.labels[d])) {
      perm.push_back(static_cast<int64_t>(d));
      summed *= in.t.size(static_cast<int64_t>(d));
    }
  Shape flat = kept_sizes;
  flat.push_back(summed);
  const Tensor x = in.t.permute(perm).reshape(flat);
  const Tensor ones_v = ones({summed}, in.t.options());
  return {detail::matmul_impl("einsum", x, ones_v, nullptr, 0, 1), kept_labels};
}

// Contracts a and b over their shared labels not in needed; shared labels in needed are batch.
Term contract(Term a, Term b, const std::vector<int>& needed) {
  // A shared label of size 1 on one side and s on the other: broadcast, and if it is summed,
  // sum the s side first and drop the size-1 dim.
  for (size_t d = 0; d < a.labels.size(); ++d) {
    const int l = a.labels[d];
    const int64_t db = find(b.labels, l);
    if (db < 0 || has(needed, l)) continue;
    const int64_t sa = a.t.size(static_cast<int64_t>(d)), sb = b.t.size(db);
    if (sa == sb) continue;
    Term& one = sa == 1 ? a : b;
    Term& other = sa == 1 ? b : a;
    const int64_t d1 = find(one.labels, l);
    one.t = one.t.squeeze(d1);
    one.labels.erase(one.labels.begin() + d1);
    std::vector<int> keep = other.labels;
    keep.erase(keep.begin() + find(keep, l));
    other = sum_out(other, keep);
    d = static_cast<size_t>(-1);  // labels changed: rescan
  }
  std::vector<int> batch, ms, ks, ns;
  for (int l : a.labels) {
    if (has(b.labels, l))
      (has(needed, l) ? batch : ks).push_back(l);
    else
      ms.push_back(l);
  }
  for (int l : b.labels)
    if (!has(a.labels, l)) ns.push_back(l);

  auto arrange = [](const Term& t, const std::vector<std::vector<int>*>& groups) {
    Shape perm, shape;
    for (size_t g = 0; g < groups.size(); ++g) {
      int64_t merged = 1;
      for (int l : *groups[g]) {
        const int64_t d = find(t.labels, l);
        perm.push_back(d);
        if (g == 0)
          shape.push_back(t.t.size(d));  // batch dims stay separate (broadcast by matmul)
        else
          merged *= t.t.size(d);
      }
      if (g > 0) shape.push_back(merged);
    }
    return t.t.permute(perm).reshape(shape);
  };
  const Tensor am = arrange(a, {&batch, &ms, &ks});
  const Tensor bm = arrange(b, {&batch, &ks, &ns});
  const Tensor prod = detail::matmul_impl("einsum", am, bm, nullptr, 0, 1);
  Shape out_shape(prod.sizes().begin(), prod.sizes().end() - 2);
  std::vector<int> labels = batch;
  for (int l : ms) {
    out_shape.push_back(a.t.size(find(a.labels, l)));
    labels.push_back(l);
  }
  for (int l : ns) {
    out_shape.push_back(b.t.size(find(b.labels, l)));
    labels.push_back(l);
  }
  return {prod.reshape(out_shape), labels};
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  MICA_CHECK(!operands.empty(), "einsum: expected at least one operand");
  for (const Tensor& t : operands) detail::check_defined("einsum", t, "operands");
  for (const Tensor& t : operands) {
    detail::check_same_device("einsum", {&operands[0], &t});
    MICA_CHECK(t.dtype() == operands[0].dtype(),
               "einsum: expected all operands to have the same dtype, got ",
               dtype_name(operands[0].dtype()), " and ", dtype_name(t.dtype()));
  }
  MICA_CHECK(operands[0].dtype() != kBool, "einsum: not supported for bool tensors");

  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::vector<int>> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(parse_term(lhs.substr(start, comma - start), equation));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  MICA_CHECK(terms.size() == operands.size(), "einsum: the equation '", equation, "' has ",
             terms.size(), " operand(s) but ", operands.size(), " tensor(s) were given");

  // Expand "..." into labels kLetters + j, right-aligned across operands like broadcasting.
  int64_t max_ell = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const int64_t explicit_dims =
        static_cast<int64_t>(terms[i].size()) - (has(terms[i], kEllipsis) ? 1 : 0);
    const int64_t ndim = operands[i].dim();
    MICA_CHECK(has(terms[i], kEllipsis) ? ndim >= explicit_dims : ndim == explicit_dims,
               "einsum: operand ", i, " has ", ndim, " dims (shape ",
               shape_str(operands[i].sizes()), ") but its subscripts in '", equation, "' name ",
               explicit_dims);
    if (has(terms[i], kEllipsis)) max_ell = std::max(max_ell, ndim - explicit_dims);
  }
  std::vector<Term> ts;
  std::vector<int> count(kLetters + static_cast<size_t>(max_ell), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    Term t{operands[i], {}};
    const int64_t ell = operands[i].dim() - (static_cast<int64_t>(terms[i].size()) - 1);
    for (int l : terms[i]) {
      if (l != kEllipsis) {
        t.labels.push_back(l);
        continue;
      }
      for (int64_t j = 0; j < ell; ++j)
        t.labels.push_back(kLetters + static_cast<int>(max_ell - ell + j));
    }
    for (int l : t.labels) ++count[l];
    ts.push_back(std::move(t));
  }

  std::vector<int> out_labels;
  if (arrow == std::string::npos) {  // implicit: "..." first, then labels seen once, sorted
    for (int64_t j = 0; j < max_ell; ++j) out_labels.push_back(kLetters + static_cast<int>(j));
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) out_labels.push_back(l);
  } else {
    for (int l : parse_term(eq.substr(arrow + 2), equation)) {
      if (l == kEllipsis) {
        for (int64_t j = 0; j < max_ell; ++j) out_labels.push_back(kLetters + static_cast<int>(j));
        continue;
      }
      MICA_CHECK(count[l] > 0, "einsum: output subscript '", label_name(l), "' in '", equation,
                 "' does not appear in any input");
      MICA_CHECK(!has(out_labels, l), "einsum: output subscript '", label_name(l),
                 "' appears more than once in '", equation, "'");
      out_labels.push_back(l);
    }
  }

  // Repeated labels within an operand: take the diagonal.
  for (size_t i = 0; i < ts.size(); ++i) {
    Term& t = ts[i];
    for (size_t d1 = 0; d1 < t.labels.size(); ++d1) {
      const auto it =
          std::find(t.labels.begin() + static_cast<int64_t>(d1) + 1, t.labels.end(), t.labels[d1]);
      if (it == t.labels.end()) continue;
      const int64_t d2 = it - t.labels.begin();
      const int l = t.labels[d1];
      MICA_CHECK(t.t.size(static_cast<int64_t>(d1)) == t.t.size(d2), "einsum: subscript '",
                 label_name(l), "' is repeated in operand ", i, " for dims of sizes ",
                 t.t.size(static_cast<int64_t>(d1)), " and ", t.t.size(d2));
      t.t = t.t.diagonal(0, static_cast<int64_t>(d1), d2);
      t.labels.erase(t.labels.begin() + d2);
      t.labels.erase(t.labels.begin() + static_cast<int64_t>(d1));
      t.labels.push_back(l);
      d1 = static_cast<size_t>(-1);  // rescan
    }
  }

  // Sizes must agree per label (or be 1, which broadcasts).
  std::vector<int64_t> size_of(count.size(), 1);
  for (size_t i = 0; i < ts.size(); ++i)
    for (size_t d = 0; d < ts[i].labels.size(); ++d) {
      const int l = ts[i].labels[d];
      const int64_t s = ts[i].t.size(static_cast<int64_t>(d));
      MICA_CHECK(s == size_of[l] || s == 1 || size_of[l] == 1, "einsum: subscript '", label_name(l),
                 "' has size ", s, " for operand ", i, ", which does not broadcast with the size ",
                 size_of[l], " seen before");
      if (s != 1) size_of[l] = s;
    }

  // Labels needed after operand i: the output's and those of operands > i.
  auto needed_after = [&](size_t i) {
    std::vector<int> need = out_labels;
    for (size_t j = i + 1; j < ts.size(); ++j)
      need.insert(need.end(), ts[j].labels.begin(), ts[j].labels.end());
    return need;
  };
  auto with = [](std::vector<int> v, const std::vector<int>& more) {
    v.insert(v.end(), more.begin(), more.end());
    return v;
  };
  Term acc =
      sum_out(ts[0], with(needed_after(0), ts.size() > 1 ? ts[1].labels : std::vector<int>{}));
  for (size_t i = 1; i < ts.size(); ++i) {
    const std::vector<int> need = needed_after(i);
    const Term rhs = sum_out(ts[i], with(need, acc.labels));
    acc = contract(sum_out(acc, with(need, rhs.labels)), rhs, need);
  }
  acc = sum_out(acc, out_labels);

  // Broadcast size-1 output dims that another operand gave a size, then order as the output.
  Shape perm, final_shape;
  for (int l : out_labels) {
    perm.push_back(find(acc.labels, l));
    final_shape.push_back(size_of[l]);
  }
  Tensor result = acc.t.permute(perm);
  return result.sizes() == final_shape ? result : result.expand(final_shape).contiguous();
}

}  // namespace mica::ops
