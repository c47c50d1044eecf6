// Op-table rows for the indexing family (index_select, gather, scatter*, index_put(_),
// masked_select, nonzero, embedding, one_hot); the shape ops' rows are in
// op_table_shape.cpp. References walk the output (or the index) element by element. In-place
// rows, nonzero and one_hot are not differentiable; the others gradcheck the mica:: ops.
#include <algorithm>
#include <numeric>

#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> shape_op_infos();  // op_table_shape.cpp

namespace {
using Index = std::vector<int64_t>;

Tol exact(DType) {
  return {0, 0};
}

// A float64 tensor of shape whose element at each multi-index is fn(index).
Tensor build(const Shape& shape, const std::function<double(const Index&)>& fn) {
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = fn(unravel(static_cast<int64_t>(i), shape));
  return from_values(shape, v);
}

// Random indices in [low, high) of the given index dtype.
Tensor rand_index(const Shape& shape, int64_t low, int64_t high, std::mt19937_64& rng,
                  DType dt = kInt64) {
  return rand_tensor(shape, dt, rng, static_cast<double>(low), static_cast<double>(high));
}

// Index of `shape` whose values along `dim` are distinct within each line (a random permutation
// prefix of [0, n)), so scatter results do not depend on the write order.
Tensor unique_index(const Shape& shape, int64_t dim, int64_t n, std::mt19937_64& rng,
                    DType dt = kInt64) {
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  const Shape st = contiguous_strides(shape);
  for (size_t i = 0; i < v.size(); ++i) {
    const Index p = unravel(static_cast<int64_t>(i), shape);
    if (p[dim] != 0) continue;  // fill each line from its first element
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    for (int64_t k = 0; k < shape[dim]; ++k)
      v[i + static_cast<size_t>(k * st[dim])] = static_cast<double>(perm[k]);
  }
  return from_values(shape, v, dt);
}

// An index tensor laid out non-contiguously (same values).
Tensor strided_index(const Tensor& idx) {
  return non_contiguous(idx);
}

std::vector<Tensor> one(Tensor t) {
  return {std::move(t)};
}

// A fresh copy of t with t's layout kind (non-contiguous stays non-contiguous), for in-place ops.
Tensor writable_copy(const Tensor& t) {
  return t.is_contiguous() ? t.clone() : non_contiguous(t.contiguous());
}

OpInfo index_select_row() {
  OpInfo r;
  r.name = "index_select";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    s.push_back({{rand_tensor({5, 4}, dt, rng), rand_index({6}, 0, 5, rng)}, {0}, {}, "[5,4] d0"});
    s.push_back({{rand_tensor({5, 4}, dt, rng), rand_index({3}, 0, 4, rng, kInt32)},
                 {1},
                 {},
                 "[5,4] d1 int32"});
    s.push_back(
        {{rand_tensor({2, 3, 4}, dt, rng), rand_index({5}, 0, 4, rng)}, {-1}, {}, "[2,3,4] d-1"});
    s.push_back(
        {{non_contiguous(rand_tensor({4, 5}, dt, rng)), strided_index(rand_index({3}, 0, 5, rng))},
         {1},
         {},
         "non-contiguous self and index"});
    s.push_back({{rand_tensor({3, 4}, dt, rng), rand_index({0}, 0, 3, rng)}, {0}, {}, "empty idx"});
    s.push_back({{rand_tensor({0, 4}, dt, rng), rand_index({2}, 0, 4, rng)}, {1}, {}, "[0,4]"});
    s.push_back({{rand_tensor({4, 3}, dt, rng), rand_index({}, 0, 4, rng)}, {0}, {}, "0-d index"});
    return s;
  };
  r.run = [](const Sample& s) {
    return one(ops::index_select(s.inputs[0], s.ints[0], s.inputs[1]));
  };
  r.grad_run = [](const Sample& s) {
    return one(mica::index_select(s.inputs[0], s.ints[0], s.inputs[1]));
  };
  r.reference = [](const Sample& s) {
    const Tensor& t = s.inputs[0];
    const int64_t d = s.ints[0] < 0 ? s.ints[0] + t.dim() : s.ints[0];
    const auto idx = values(s.inputs[1]);
    Shape shape = t.sizes();
    shape[d] = static_cast<int64_t>(idx.size());
    return one(build(shape, [&](Index p) {
      p[d] = static_cast<int64_t>(idx[p[d]]);
      return at(t, p);
    }));
  };
  return r;
}

OpInfo gather_row() {
  OpInfo r;
  r.name = "gather";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    s.push_back({{rand_tensor({4, 5}, dt, rng), rand_index({3, 5}, 0, 4, rng)}, {0}, {}, "d0"});
    s.push_back({{rand_tensor({4, 5}, dt, rng), rand_index({4, 7}, 0, 5, rng, kInt32)},
                 {1},
                 {},
                 "d1 int32, wider index"});
    s.push_back({{rand_tensor({3, 4, 5}, dt, rng), rand_index({2, 3, 5}, 0, 4, rng)},
                 {-2},
                 {},
                 "3-d dim -2, smaller index"});
    s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng)),
                  non_contiguous(rand_index({4, 3}, 0, 5, rng))},
                 {1},
                 {},
                 "non-contiguous"});
    s.push_back({{rand_tensor({4, 5}, dt, rng), rand_index({0, 5}, 0, 4, rng)}, {0}, {}, "empty"});
    s.push_back({{rand_tensor({}, dt, rng), rand_index({}, 0, 1, rng)}, {0}, {}, "0-d"});
    return s;
  };
  r.run = [](const Sample& s) { return one(ops::gather(s.inputs[0], s.ints[0], s.inputs[1])); };
  r.grad_run = [](const Sample& s) {
    return one(mica::gather(s.inputs[0], s.ints[0], s.inputs[1]));
  };
  r.reference = [](const Sample& s) {
    const Tensor &t = s.inputs[0], &idx = s.inputs[1];
    const int64_t d = t.dim() == 0 ? 0 : (s.ints[0] < 0 ? s.ints[0] + t.dim() : s.ints[0]);
    return one(build(idx.sizes(), [&](Index p) {
      if (t.dim() == 0) return at(t, {});
      p[d] = static_cast<int64_t>(at(idx, p));
      return at(t, p);
    }));
  };
  return r;
}

// Samples for scatter/scatter_add: self, index, src; unique = distinct indices per line.
std::vector<Sample> scatter_samples(DType dt, std::mt19937_64& rng, bool unique) {
  auto index = [&](const Shape& shape, int64_t dim, int64_t n, DType idt = kInt64) {
    return unique && !shape.empty() ? unique_index(shape, dim, n, rng, idt)
                                    : rand_index(shape, 0, n, rng, idt);
  };
  std::vector<Sample> s;
  s.push_back({{rand_tensor({4, 5}, dt, rng), index({3, 5}, 0, 4), rand_tensor({3, 5}, dt, rng)},
               {0},
               {},
               "d0"});
  s.push_back(
      {{rand_tensor({4, 6}, dt, rng), index({3, 4}, 1, 6, kInt32), rand_tensor({5, 5}, dt, rng)},
       {-1},
       {},
       "d-1 int32, src larger than index"});
  s.push_back(
      {{rand_tensor({2, 3, 4}, dt, rng), index({2, 2, 4}, 1, 3), rand_tensor({2, 2, 4}, dt, rng)},
       {1},
       {},
       "3-d"});
  s.push_back({{non_contiguous(rand_tensor({5, 4}, dt, rng)), non_contiguous(index({5, 3}, 1, 4)),
                non_contiguous(rand_tensor({5, 3}, dt, rng))},
               {1},
               {},
               "non-contiguous"});
  s.push_back({{rand_tensor({3, 4}, dt, rng), index({0, 4}, 0, 3), rand_tensor({0, 4}, dt, rng)},
               {0},
               {},
               "empty index"});
  s.push_back(
      {{rand_tensor({}, dt, rng), index({}, 0, 1), rand_tensor({}, dt, rng)}, {0}, {}, "0-d"});
  return s;
}

// Reference scatter: out = self; out[index-mapped position] = or += src (or the scalar reals[0]).
Tensor ref_scatter(const Sample& s, bool add, bool scalar) {
  const Tensor &t = s.inputs[0], &idx = s.inputs[1];
  const int64_t d = t.dim() == 0 ? 0 : (s.ints[0] < 0 ? s.ints[0] + t.dim() : s.ints[0]);
  std::vector<double> out = values(t);
  const Shape st = contiguous_strides(t.sizes());
  const int64_t n = idx.numel();
  for (int64_t i = 0; i < n; ++i) {
    Index p = unravel(i, idx.sizes());
    const double v = scalar ? cast_to(s.dtype, s.reals[0]) : at(s.inputs[2], p);
    if (t.dim() > 0) p[d] = static_cast<int64_t>(at(idx, p));
    int64_t flat = 0;
    for (size_t k = 0; k < p.size(); ++k) flat += p[k] * st[k];
    double& slot = out[static_cast<size_t>(flat)];
    slot = cast_to(s.dtype, add ? slot + v : v);
  }
  return from_values(t.sizes(), out);
}

OpInfo scatter_row(std::string name, bool add, bool inplace, bool scalar) {
  OpInfo r;
  r.name = std::move(name);
  r.dtypes = add ? kNumericDTypes : kAllDTypes;
  r.tol = add ? [](DType dt) {
    return dt == kBFloat16 ? Tol{0.05, 0.02} : dt == kFloat16 ? Tol{5e-3, 5e-3} : default_tol(dt);
  }
              : exact;
  r.samples = [add, scalar](DType dt, std::mt19937_64& rng) {
    auto s = scatter_samples(dt, rng, !add);
    if (scalar)
      for (auto& x : s) {
        x.inputs.pop_back();
        x.reals = {dt == kBool ? 1.0 : is_floating(dt) ? -1.25 : 3.0};
      }
    return s;
  };
  r.run = [add, inplace, scalar](const Sample& s) {
    const Tensor& idx = s.inputs[1];
    const int64_t d = s.ints[0];
    if (inplace) {
      Tensor t = writable_copy(s.inputs[0]);
      if (add)
        ops::scatter_add_(t, d, idx, s.inputs[2]);
      else if (scalar)
        ops::scatter_(t, d, idx, Scalar(s.reals[0]));
      else
        ops::scatter_(t, d, idx, s.inputs[2]);
      return one(t);
    }
    if (add) return one(ops::scatter_add(s.inputs[0], d, idx, s.inputs[2]));
    if (scalar) return one(ops::scatter(s.inputs[0], d, idx, Scalar(s.reals[0])));
    return one(ops::scatter(s.inputs[0], d, idx, s.inputs[2]));
  };
  r.reference = [add, scalar](const Sample& s) { return one(ref_scatter(s, add, scalar)); };
  // In-place scatters have no differentiable form; the out-of-place rows check the gradients
  // (scatter's samples have distinct indices, so which duplicate wins does not matter).
  r.differentiable = !inplace;
  if (!inplace)
    r.grad_run = [add, scalar](const Sample& s) {
      const Tensor& idx = s.inputs[1];
      const int64_t d = s.ints[0];
      if (add) return one(mica::scatter_add(s.inputs[0], d, idx, s.inputs[2]));
      if (scalar) return one(mica::scatter(s.inputs[0], d, idx, Scalar(s.reals[0])));
      return one(mica::scatter(s.inputs[0], d, idx, s.inputs[2]));
    };
  return r;
}

// index_put_ samples: self, index (bool mask or int64/int32 along dim 0), values;
// ints = {accumulate}.
std::vector<Sample> index_put_samples(DType dt, std::mt19937_64& rng, bool accumulate) {
  std::vector<Sample> s;
  const int64_t acc = accumulate;
  auto mask = [&](const Shape& shape) { return rand_tensor(shape, kBool, rng); };
  auto count = [](const Tensor& m) {
    int64_t c = 0;
    for (double v : values(m)) c += v != 0;
    return c;
  };
  {
    Tensor m = mask({4, 3});
    s.push_back({{rand_tensor({4, 3}, dt, rng), m, rand_tensor({count(m)}, dt, rng)},
                 {acc},
                 {},
                 "full mask"});
  }
  {
    Tensor m = mask({4});
    s.push_back(
        {{non_contiguous(rand_tensor({4, 3}, dt, rng)), m, rand_tensor({count(m), 3}, dt, rng)},
         {acc},
         {},
         "leading mask, non-contiguous self"});
  }
  s.push_back({{rand_tensor({2, 3, 4}, dt, rng), mask({2, 3}), rand_tensor({4}, dt, rng)},
               {acc},
               {},
               "leading mask, broadcast values"});
  s.push_back(
      {{rand_tensor({3, 2}, dt, rng), mask({3, 2}), rand_tensor({}, dt, rng)}, {acc}, {}, "0-d"});
  s.push_back({{rand_tensor({0, 2}, dt, rng), mask({0, 2}), rand_tensor({0}, dt, rng)},
               {acc},
               {},
               "empty"});
  auto int_index = [&](const Shape& shape, int64_t n, DType idt) {
    // accumulate may repeat indices; assignment uses distinct ones. Both include negatives.
    Tensor i = accumulate ? rand_index(shape, -n, n, rng, idt)
                          : unique_index({shape_numel(shape)}, 0, n, rng, idt).reshape(shape);
    if (!accumulate) {  // make some of the distinct indices negative (same rows)
      std::vector<double> v = values(i);
      for (size_t k = 0; k < v.size(); k += 2) v[k] -= static_cast<double>(n);
      i = from_values(shape, v, idt);
    }
    return i;
  };
  s.push_back(
      {{rand_tensor({5, 3}, dt, rng), int_index({4}, 5, kInt64), rand_tensor({4, 3}, dt, rng)},
       {acc},
       {},
       "int64 index"});
  s.push_back({{non_contiguous(rand_tensor({6, 2}, dt, rng)), int_index({2, 2}, 6, kInt32),
                rand_tensor({2}, dt, rng)},
               {acc},
               {},
               "2-d int32 index, broadcast values, non-contiguous self"});
  s.push_back({{rand_tensor({4}, dt, rng), int_index({3}, 4, kInt64), rand_tensor({3}, dt, rng)},
               {acc},
               {},
               "1-d self"});
  return s;
}

Tensor ref_index_put(const Sample& s) {
  const Tensor &t = s.inputs[0], &index = s.inputs[1], &vals = s.inputs[2];
  const bool acc = s.ints[0] != 0;
  std::vector<double> out = values(t);
  const Shape st = contiguous_strides(t.sizes());
  const bool mask = index.dtype() == kBool;
  const int64_t lead = mask ? index.dim() : 1;
  Shape rest(t.sizes().begin() + lead, t.sizes().end());
  // rows: flat offsets (in out) of each selected row, in order
  std::vector<int64_t> rows;
  Shape row_shape;
  if (mask) {
    for (int64_t i = 0; i < index.numel(); ++i) {
      const Index p = unravel(i, index.sizes());
      if (at(index, p) == 0) continue;
      int64_t off = 0;
      for (int64_t k = 0; k < lead; ++k) off += p[k] * st[k];
      rows.push_back(off);
    }
    row_shape = {static_cast<int64_t>(rows.size())};
  } else {
    for (double v : values(index)) {
      const int64_t row = v < 0 ? static_cast<int64_t>(v) + t.size(0) : static_cast<int64_t>(v);
      rows.push_back(row * st[0]);
    }
    row_shape = index.sizes();
  }
  Shape target = row_shape;
  target.insert(target.end(), rest.begin(), rest.end());
  const int64_t rest_n = shape_numel(rest);
  const int64_t total = shape_numel(target);
  for (int64_t i = 0; i < total; ++i) {
    const int64_t row = i / std::max<int64_t>(rest_n, 1);
    const Index r = unravel(i % std::max<int64_t>(rest_n, 1), rest);
    int64_t off = rows[static_cast<size_t>(row)];
    for (size_t k = 0; k < r.size(); ++k) off += r[k] * st[lead + k];
    const double v = at(vals, unravel(i, target));
    double& slot = out[static_cast<size_t>(off)];
    slot = cast_to(s.dtype, acc ? slot + v : v);
  }
  return from_values(t.sizes(), out);
}

// In place (index_put_, not differentiable) or out of place (index_put, differentiable in self
// and values; assignment samples have distinct indices).
OpInfo index_put_row(bool accumulate, bool inplace) {
  OpInfo r;
  r.name = inplace ? (accumulate ? "index_put_accumulate" : "index_put_")
                   : (accumulate ? "index_put_accumulate_out_of_place" : "index_put");
  r.dtypes = accumulate ? kNumericDTypes : kAllDTypes;
  r.tol = accumulate ? [](DType dt) {
    return dt == kBFloat16 ? Tol{0.05, 0.02} : dt == kFloat16 ? Tol{5e-3, 5e-3} : default_tol(dt);
  }
                     : exact;
  r.samples = [accumulate](DType dt, std::mt19937_64& rng) {
    return index_put_samples(dt, rng, accumulate);
  };
  r.run = [inplace](const Sample& s) {
    if (!inplace) return one(ops::index_put(s.inputs[0], s.inputs[1], s.inputs[2], s.ints[0] != 0));
    Tensor t = writable_copy(s.inputs[0]);
    ops::index_put_(t, s.inputs[1], s.inputs[2], s.ints[0] != 0);
    return one(t);
  };
  r.reference = [](const Sample& s) { return one(ref_index_put(s)); };
  r.differentiable = !inplace;
  if (!inplace)
    r.grad_run = [](const Sample& s) {
      return one(mica::index_put(s.inputs[0], s.inputs[1], s.inputs[2], s.ints[0] != 0));
    };
  return r;
}

OpInfo masked_select_row() {
  OpInfo r;
  r.name = "masked_select";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    const std::vector<std::pair<Shape, Shape>> shapes{{{3, 4}, {3, 4}}, {{3, 4}, {4}},
                                                      {{4}, {2, 4}},    {{}, {}},
                                                      {{0, 3}, {3}},    {{2, 3, 2}, {3, 1}}};
    for (const auto& [a, b] : shapes)
      s.push_back({{rand_tensor(a, dt, rng), rand_tensor(b, kBool, rng)},
                   {},
                   {},
                   shape_str(a) + " x " + shape_str(b)});
    s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng)),
                  non_contiguous(rand_tensor({4, 5}, kBool, rng))},
                 {},
                 {},
                 "non-contiguous"});
    return s;
  };
  r.run = [](const Sample& s) { return one(ops::masked_select(s.inputs[0], s.inputs[1])); };
  r.grad_run = [](const Sample& s) { return one(mica::masked_select(s.inputs[0], s.inputs[1])); };
  r.reference = [](const Sample& s) {
    const Shape shape = broadcast_shapes(s.inputs[0].sizes(), s.inputs[1].sizes(), "ref");
    std::vector<double> out;
    for (int64_t i = 0; i < shape_numel(shape); ++i) {
      const Index p = unravel(i, shape);
      if (at(s.inputs[1], p) != 0) out.push_back(at(s.inputs[0], p));
    }
    return one(from_values({static_cast<int64_t>(out.size())}, out));
  };
  return r;
}

OpInfo nonzero_row() {
  OpInfo r;
  r.name = "nonzero";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.differentiable = false;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    // values in {-1, 0, 1} so that about a third are zero
    auto sparse = [&](const Shape& shape) { return rand_tensor(shape, kInt64, rng, -1, 2).to(dt); };
    for (const Shape& shape : std::vector<Shape>{{7}, {3, 4}, {2, 3, 4}, {0, 3}, {}, {1}})
      s.push_back({{sparse(shape)}, {}, {}, shape_str(shape)});
    s.push_back({{non_contiguous(sparse({4, 5}))}, {}, {}, "non-contiguous"});
    return s;
  };
  r.run = [](const Sample& s) { return one(ops::nonzero(s.inputs[0])); };
  r.reference = [](const Sample& s) {
    const Tensor& t = s.inputs[0];
    std::vector<double> out;
    int64_t n = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const Index p = unravel(i, t.sizes());
      if (at(t, p) == 0) continue;
      for (int64_t c : p) out.push_back(static_cast<double>(c));
      ++n;
    }
    return one(from_values({n, t.dim()}, out, kInt64));
  };
  return r;
}

OpInfo embedding_row() {
  OpInfo r;
  r.name = "embedding";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    s.push_back({{rand_tensor({7, 4}, dt, rng), rand_index({5}, 0, 7, rng)}, {}, {}, "[5]"});
    s.push_back({{rand_tensor({7, 4}, dt, rng), rand_index({2, 3}, 0, 7, rng, kInt32)},
                 {},
                 {},
                 "[2,3] int32"});
    s.push_back({{non_contiguous(rand_tensor({6, 5}, dt, rng)),
                  non_contiguous(rand_index({3, 4}, 0, 6, rng))},
                 {},
                 {},
                 "non-contiguous"});
    s.push_back({{rand_tensor({7, 4}, dt, rng), rand_index({}, 0, 7, rng)}, {}, {}, "0-d"});
    s.push_back({{rand_tensor({7, 4}, dt, rng), rand_index({0}, 0, 7, rng)}, {}, {}, "empty"});
    s.push_back({{rand_tensor({3, 0}, dt, rng), rand_index({2}, 0, 3, rng)}, {}, {}, "D=0"});
    return s;
  };
  r.run = [](const Sample& s) { return one(ops::embedding(s.inputs[0], s.inputs[1])); };
  r.grad_run = [](const Sample& s) { return one(mica::embedding(s.inputs[0], s.inputs[1])); };
  r.reference = [](const Sample& s) {
    const Tensor &w = s.inputs[0], &idx = s.inputs[1];
    Shape shape = idx.sizes();
    shape.push_back(w.size(1));
    return one(build(shape, [&](const Index& p) {
      const Index ip(p.begin(), p.end() - 1);
      return at(w, {static_cast<int64_t>(at(idx, ip)), p.back()});
    }));
  };
  return r;
}

OpInfo one_hot_row() {
  OpInfo r;
  r.name = "one_hot";
  r.dtypes = {kInt64, kInt32};  // the index dtype
  r.tol = exact;
  r.differentiable = false;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    s.push_back({{rand_index({6}, 0, 4, rng, dt)}, {5}, {}, "[6] classes 5"});
    s.push_back({{rand_index({2, 3}, 0, 4, rng, dt)}, {-1}, {}, "[2,3] inferred"});
    s.push_back({{non_contiguous(rand_index({3, 4}, 0, 3, rng, dt))}, {3}, {}, "non-contiguous"});
    s.push_back({{rand_index({}, 0, 3, rng, dt)}, {3}, {}, "0-d"});
    s.push_back({{rand_index({0}, 0, 3, rng, dt)}, {3}, {}, "empty"});
    return s;
  };
  r.run = [](const Sample& s) { return one(ops::one_hot(s.inputs[0], s.ints[0])); };
  r.reference = [](const Sample& s) {
    const Tensor& idx = s.inputs[0];
    int64_t c = s.ints[0];
    if (c < 0)
      for (double v : values(idx)) c = std::max(c, static_cast<int64_t>(v) + 1);
    Shape shape = idx.sizes();
    shape.push_back(c);
    return one(build(shape, [&](const Index& p) {
      return double(at(idx, Index(p.begin(), p.end() - 1)) == static_cast<double>(p.back()));
    }));
  };
  return r;
}
}  // namespace

std::vector<OpInfo> indexing_op_infos() {
  std::vector<OpInfo> rows{index_select_row(),
                           gather_row(),
                           scatter_row("scatter", false, false, false),
                           scatter_row("scatter_value", false, false, true),
                           scatter_row("scatter_add", true, false, false),
                           scatter_row("scatter_", false, true, false),
                           scatter_row("scatter__value", false, true, true),
                           scatter_row("scatter_add_", true, true, false),
                           index_put_row(false, true),
                           index_put_row(true, true),
                           index_put_row(false, false),
                           index_put_row(true, false),
                           masked_select_row(),
                           nonzero_row(),
                           embedding_row(),
                           one_hot_row()};
  // Backwards are written in these differentiable ops: second order for every differentiable row.
  for (OpInfo& r : rows) r.gradgrad = r.differentiable && static_cast<bool>(r.grad_run);
  auto shape_rows = shape_op_infos();
  rows.insert(rows.end(), shape_rows.begin(), shape_rows.end());
  return rows;
}

}  // namespace mica::test
