// Op-table rows for the reduction, scan and sorting family. References group the input's
// elements by output position with naive index loops and reduce each group in double.
#include <cmath>
#include <limits>

#include "op_table.h"

namespace mica::test {

namespace {

// ---- reference helpers ----

// Elements of x grouped by the output position of a reduction over dims (empty: all dims),
// each group in row-major order of x (so a group's position is the index along a single
// reduced dim, or the flat index when all dims are reduced).
struct Groups {
  Shape shape;  // the result shape
  std::vector<std::vector<double>> vals;
};

Groups group(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const int64_t nd = x.dim();
  std::vector<bool> red(static_cast<size_t>(nd), dims.empty());
  for (int64_t d : dims)
    if (nd > 0) red[static_cast<size_t>((d % nd + nd) % nd)] = true;
  Shape keep_shape;
  Groups g;
  for (int64_t d = 0; d < nd; ++d) {
    keep_shape.push_back(red[static_cast<size_t>(d)] ? 1 : x.size(d));
    if (!red[static_cast<size_t>(d)] || keepdim) g.shape.push_back(keep_shape.back());
  }
  g.vals.resize(static_cast<size_t>(shape_numel(keep_shape)));
  for (int64_t i = 0; i < x.numel(); ++i) {
    std::vector<int64_t> idx = unravel(i, x.sizes());
    const double v = at(x, idx);
    int64_t o = 0;
    for (int64_t d = 0; d < nd; ++d)
      o = o * keep_shape[static_cast<size_t>(d)] + (red[static_cast<size_t>(d)] ? 0 : idx[d]);
    g.vals[static_cast<size_t>(o)].push_back(v);
  }
  return g;
}

using GroupFn = std::function<double(const std::vector<double>&)>;

Tensor ref_reduce(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                  const GroupFn& fn) {
  const Groups g = group(x, dims, keepdim);
  std::vector<double> out;
  for (const auto& v : g.vals) out.push_back(fn(v));
  return from_values(g.shape, out);
}

double ref_sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
double ref_var(const std::vector<double>& v, double correction) {
  const double n = static_cast<double>(v.size());
  const double mean = ref_sum(v) / n;
  double m2 = 0;
  for (double x : v) m2 += (x - mean) * (x - mean);
  return m2 / std::max(0.0, n - correction);
}
// Position of the first maximum (or minimum); NaN counts as the extreme.
int64_t ref_arg_extreme(const std::vector<double>& v, bool is_max) {
  int64_t best = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) return static_cast<int64_t>(i);
    if (is_max ? v[i] > v[static_cast<size_t>(best)] : v[i] < v[static_cast<size_t>(best)])
      best = static_cast<int64_t>(i);
  }
  return best;
}

// ---- samples: ints = {keepdim, dims...} (no dims: all) ----
Sample red_sample(Tensor x, bool keepdim, std::vector<int64_t> dims, std::string desc) {
  std::vector<int64_t> ints{keepdim};
  ints.insert(ints.end(), dims.begin(), dims.end());
  return {{std::move(x)}, ints, {}, desc + " dims " + shape_str(dims) + (keepdim ? " keep" : "")};
}
std::vector<int64_t> sample_dims(const Sample& s) {
  return std::vector<int64_t>(s.ints.begin() + 1, s.ints.end());
}

struct SampleOpts {
  double low = -2, high = 2;
  bool empty_reduce = true;  // samples that reduce over a zero-size dim
  bool long_rows = true;     // 20k-element reductions (chunked and tiled kernel paths)
  bool multi_dim = true;     // several dims at once (false: ops taking one dim)
  // float64 (the gradcheck dtype) reduces the expanded sample over its distinct dim 0 instead
  // of its stride-0 dim 1, whose equal elements are ties (kinks of max/min-like ops)
  bool tie_free = false;
};

std::vector<Sample> reduction_samples(DType dt, std::mt19937_64& rng, SampleOpts o) {
  auto r = [&](const Shape& s) { return rand_tensor(s, dt, rng, o.low, o.high); };
  std::vector<Sample> s;
  if (o.multi_dim) {
    s.push_back(red_sample(r({}), false, {}, "[]"));
    s.push_back(red_sample(r({7}), false, {}, "[7]"));
    s.push_back(red_sample(r({3, 4}), true, {}, "[3, 4]"));
    s.push_back(red_sample(r({2, 3, 5}), false, {0, 2}, "[2, 3, 5]"));
    s.push_back(red_sample(r({2, 3, 5}), true, {2, -3}, "[2, 3, 5]"));
    s.push_back(red_sample(non_contiguous(r({4, 5})), false, {}, "[4, 5] non-contiguous"));
    s.push_back(red_sample(r({2, 3, 4}).permute({2, 0, 1}), false, {0, 1}, "[4, 2, 3] permuted"));
    if (o.empty_reduce) s.push_back(red_sample(r({0, 3}), false, {}, "[0, 3]"));
  }
  s.push_back(red_sample(r({}), false, {0}, "[]"));
  s.push_back(red_sample(r({7}), true, {0}, "[7]"));
  s.push_back(red_sample(r({3, 4}), false, {1}, "[3, 4]"));
  s.push_back(red_sample(r({3, 4}), true, {-2}, "[3, 4]"));
  s.push_back(red_sample(r({2, 3, 5}), false, {1}, "[2, 3, 5]"));
  s.push_back(red_sample(r({3, 1, 4}), false, {1}, "[3, 1, 4] size-1 dim"));
  s.push_back(red_sample(non_contiguous(r({4, 5})), false, {0}, "[4, 5] non-contiguous"));
  s.push_back(red_sample(non_contiguous(r({4, 5})), true, {1}, "[4, 5] non-contiguous"));
  s.push_back(red_sample(non_contiguous(r({6})), false, {0}, "[6] strided"));
  const int64_t expanded_dim = o.tie_free && dt == kFloat64 ? 0 : 1;
  s.push_back(red_sample(r({3, 1}).expand({3, 4}), false, {expanded_dim}, "[3, 4] expanded"));
  s.push_back(red_sample(r({40, 35}), false, {0}, "[40, 35] (output tiles)"));
  s.push_back(red_sample(r({0, 3}), false, {1}, "[0, 3] no outputs"));
  if (o.empty_reduce) s.push_back(red_sample(r({0, 3}), true, {0}, "[0, 3] empty reduce"));
  if (o.long_rows) {  // forward only: too large for finite differences
    s.push_back(red_sample(r({2, 20000}), false, {1}, "[2, 20000] (chunked)"));
    s.push_back(red_sample(r({20000, 3}), false, {0}, "[20000, 3] (chunked, strided)"));
    s.push_back(red_sample(r({5, 3000}), false, {1}, "[5, 3000]"));
    s.push_back(red_sample(r({5, 600}), false, {0}, "[5, 600] (several output tiles)"));
    for (size_t i = s.size() - 4; i < s.size(); ++i) s[i].gradcheck = false;
  }
  return s;
}

// prod with zeros (floating dtypes): a line with one zero, one with two, one without; a full
// reduction with one zero; values otherwise in [0.5, 1.5).
std::vector<Sample> prod_zero_samples(DType dt, std::mt19937_64& rng) {
  auto with_zeros = [&](const Shape& shape, const std::vector<int64_t>& zero_at) {
    std::vector<double> v = values(rand_tensor(shape, kFloat64, rng, 0.5, 1.5));
    for (int64_t i : zero_at) v[static_cast<size_t>(i)] = 0;
    return from_values(shape, v, dt);
  };
  std::vector<Sample> s;
  s.push_back(red_sample(with_zeros({3, 4}, {1, 4, 6}), false, {1}, "[3, 4] zeros: 1, 2, none"));
  s.push_back(red_sample(with_zeros({3, 4}, {5}), true, {0}, "[3, 4] one zero"));
  s.push_back(red_sample(with_zeros({5}, {2}), false, {}, "[5] one zero"));
  s.push_back(red_sample(with_zeros({2, 3}, {0, 5}), true, {}, "[2, 3] two zeros"));
  return s;
}

using ReduceFn = std::function<Tensor(const Tensor&, const std::vector<int64_t>&, bool)>;

// The autograd column of a reduction row: grad_op is the differentiable mica:: op.
void set_grad(OpInfo& info, ReduceFn grad_op) {
  info.grad_run = [grad_op](const Sample& s) {
    return std::vector<Tensor>{grad_op(s.inputs[0], sample_dims(s), s.ints[0] != 0)};
  };
}

// Reductions over dims with a ints = {keepdim, dims...} sample; ref maps each group.
OpInfo reduce_row(std::string name, std::vector<DType> dtypes, ReduceFn op, GroupFn ref,
                  SampleOpts opts = {}) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  info.samples = [opts](DType dt, std::mt19937_64& rng) {
    return reduction_samples(dt, rng, opts);
  };
  info.run = [op](const Sample& s) {
    return std::vector<Tensor>{op(s.inputs[0], sample_dims(s), s.ints[0] != 0)};
  };
  info.reference = [ref](const Sample& s) {
    return std::vector<Tensor>{ref_reduce(s.inputs[0], sample_dims(s), s.ints[0] != 0, ref)};
  };
  return info;
}

// Values and indices along one dim (max/min with a dim).
OpInfo extreme_dim_row(std::string name, bool is_max) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = kAllDTypes;
  SampleOpts o;
  o.empty_reduce = false;
  o.multi_dim = false;
  o.tie_free = true;
  info.samples = [o](DType dt, std::mt19937_64& rng) { return reduction_samples(dt, rng, o); };
  info.run = [is_max](const Sample& s) {
    const auto [v, i] = is_max ? ops::max(s.inputs[0], s.ints[1], s.ints[0] != 0)
                               : ops::min(s.inputs[0], s.ints[1], s.ints[0] != 0);
    return std::vector<Tensor>{v, i};
  };
  info.grad_run = [is_max](const Sample& s) {  // values differentiable, indices not
    const auto [v, i] = is_max ? mica::max(s.inputs[0], s.ints[1], s.ints[0] != 0)
                               : mica::min(s.inputs[0], s.ints[1], s.ints[0] != 0);
    return std::vector<Tensor>{v, i};
  };
  info.reference = [is_max](const Sample& s) {
    const auto dims = sample_dims(s);
    const bool keep = s.ints[0] != 0;
    return std::vector<Tensor>{
        ref_reduce(s.inputs[0], dims, keep,
                   [is_max](const auto& v) { return v[size_t(ref_arg_extreme(v, is_max))]; }),
        ref_reduce(s.inputs[0], dims, keep, [is_max](const auto& v) {
          return static_cast<double>(ref_arg_extreme(v, is_max));
        })};
  };
  return info;
}

// argmax/argmin: with a dim, and without (flat index over all dims).
OpInfo arg_row(std::string name, bool is_max) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = kAllDTypes;
  info.differentiable = false;
  info.samples = [](DType dt, std::mt19937_64& rng) {
    SampleOpts o;
    o.empty_reduce = false;
    o.multi_dim = false;
    auto s = reduction_samples(dt, rng, o);
    for (const Shape& shape : std::vector<Shape>{{}, {7}, {3, 4}, {2, 3, 5}})
      for (bool keep : {false, true})
        s.push_back(red_sample(rand_tensor(shape, dt, rng), keep, {}, shape_str(shape) + " flat"));
    return s;
  };
  info.run = [is_max](const Sample& s) {
    std::optional<int64_t> dim;
    if (s.ints.size() > 1) dim = s.ints[1];
    const bool keep = s.ints[0] != 0;
    return std::vector<Tensor>{is_max ? ops::argmax(s.inputs[0], dim, keep)
                                      : ops::argmin(s.inputs[0], dim, keep)};
  };
  info.reference = [is_max](const Sample& s) {
    return std::vector<Tensor>{ref_reduce(
        s.inputs[0], sample_dims(s), s.ints[0] != 0,
        [is_max](const auto& v) { return static_cast<double>(ref_arg_extreme(v, is_max)); })};
  };
  return info;
}

// ---- lines along one dim (scans, sort, topk): ints = {dim, ...} ----

// The lines of x along dim: for each line (row-major over the other dims), its values.
std::vector<std::vector<double>> ref_lines(const Tensor& x, int64_t dim) {
  const int64_t nd = std::max<int64_t>(x.dim(), 1);
  const int64_t d = (dim % nd + nd) % nd;
  const Shape shape = x.dim() == 0 ? Shape{1} : x.sizes();
  Shape line_shape = shape;
  line_shape[static_cast<size_t>(d)] = 1;
  std::vector<std::vector<double>> lines(static_cast<size_t>(shape_numel(line_shape)));
  for (int64_t i = 0; i < shape_numel(shape); ++i) {
    auto idx = unravel(i, shape);
    const double v = x.dim() == 0 ? at(x, {}) : at(x, idx);
    idx[static_cast<size_t>(d)] = 0;
    int64_t o = 0;
    for (int64_t k = 0; k < nd; ++k) o = o * line_shape[static_cast<size_t>(k)] + idx[k];
    lines[static_cast<size_t>(o)].push_back(v);
  }
  return lines;
}

// Builds a tensor of the given shape whose line l along dim holds lines[l].
Tensor from_lines(const Shape& shape, int64_t dim, const std::vector<std::vector<double>>& lines) {
  const Shape s = shape.empty() ? Shape{1} : shape;
  const int64_t nd = static_cast<int64_t>(s.size());
  const int64_t d = (dim % nd + nd) % nd;
  Shape line_shape = s;
  line_shape[static_cast<size_t>(d)] = 1;
  std::vector<double> out(static_cast<size_t>(shape_numel(s)));
  for (int64_t i = 0; i < shape_numel(s); ++i) {
    auto idx = unravel(i, s);
    const int64_t pos = idx[static_cast<size_t>(d)];
    idx[static_cast<size_t>(d)] = 0;
    int64_t o = 0;
    for (int64_t k = 0; k < nd; ++k) o = o * line_shape[static_cast<size_t>(k)] + idx[k];
    out[static_cast<size_t>(i)] = lines[static_cast<size_t>(o)][static_cast<size_t>(pos)];
  }
  return from_values(shape, out);
}

// tie_free: float64 (the gradcheck dtype) takes the expanded sample along its distinct dim 0
// instead of its stride-0 dim 1 (equal elements: ties, where sorting is not differentiable).
std::vector<Sample> line_samples(DType dt, std::mt19937_64& rng, double low, double high,
                                 bool long_lines, bool tie_free = false) {
  auto r = [&](const Shape& s) { return rand_tensor(s, dt, rng, low, high); };
  std::vector<Sample> s;
  auto add = [&](Tensor x, int64_t dim, std::string desc) {
    s.push_back({{std::move(x)}, {dim}, {}, desc + " dim " + std::to_string(dim)});
  };
  add(r({}), 0, "[]");
  add(r({7}), 0, "[7]");
  add(r({3, 4}), 1, "[3, 4]");
  add(r({3, 4}), -2, "[3, 4]");
  add(r({2, 3, 5}), 1, "[2, 3, 5]");
  add(non_contiguous(r({4, 5})), 0, "[4, 5] non-contiguous");
  add(non_contiguous(r({4, 5})), 1, "[4, 5] non-contiguous");
  add(r({3, 1}).expand({3, 4}), tie_free && dt == kFloat64 ? 0 : 1, "[3, 4] expanded");
  add(r({0, 3}), 0, "[0, 3]");
  add(r({0, 3}), 1, "[0, 3]");
  if (long_lines) add(r({2, 300}), 1, "[2, 300]");
  return s;
}

OpInfo scan_row(std::string name, std::vector<DType> dtypes, bool is_sum) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  // products: floats in [0.5, 1.5), integers in {-2, -1, 0, 1}, short lines
  info.samples = [is_sum](DType dt, std::mt19937_64& rng) {
    if (is_sum) return line_samples(dt, rng, -2, 2, true);
    return is_floating(dt) ? line_samples(dt, rng, 0.5, 1.5, false)
                           : line_samples(dt, rng, -2, 2, false);
  };
  info.run = [is_sum](const Sample& s) {
    return std::vector<Tensor>{is_sum ? ops::cumsum(s.inputs[0], s.ints[0])
                                      : ops::cumprod(s.inputs[0], s.ints[0])};
  };
  info.grad_run = [is_sum](const Sample& s) {
    return std::vector<Tensor>{is_sum ? mica::cumsum(s.inputs[0], s.ints[0])
                                      : mica::cumprod(s.inputs[0], s.ints[0])};
  };
  info.reference = [is_sum](const Sample& s) {
    auto lines = ref_lines(s.inputs[0], s.ints[0]);
    for (auto& line : lines) {
      double acc = is_sum ? 0 : 1;
      for (double& v : line) v = acc = is_sum ? acc + v : acc * v;
    }
    return std::vector<Tensor>{from_lines(s.inputs[0].sizes(), s.ints[0], lines)};
  };
  return info;
}

// Positions of a line in sorted order: stable insertion sort, NaN above every number.
std::vector<int64_t> ref_order(const std::vector<double>& v, bool descending) {
  auto before = [descending](double a, double b) {  // a strictly before b
    if (std::isnan(a) || std::isnan(b))
      return descending ? std::isnan(a) && !std::isnan(b) : !std::isnan(a) && std::isnan(b);
    return descending ? a > b : a < b;
  };
  std::vector<int64_t> order;
  for (size_t i = 0; i < v.size(); ++i) {
    size_t j = order.size();
    while (j > 0 && before(v[i], v[static_cast<size_t>(order[j - 1])])) --j;
    order.insert(order.begin() + static_cast<std::ptrdiff_t>(j), static_cast<int64_t>(i));
  }
  return order;
}

// sort (ints {dim, descending}) and topk (ints {dim, largest, k}) share the reference.
OpInfo sort_row(std::string name, bool is_topk) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = kAllDTypes;
  info.differentiable = true;  // the values (indices are not differentiable)
  info.samples = [is_topk](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> out;
    for (const Sample& base : line_samples(dt, rng, -2, 2, true, /*tie_free=*/true)) {
      const Tensor& x = base.inputs[0];
      const int64_t nd = std::max<int64_t>(x.dim(), 1);
      const int64_t d = (base.ints[0] % nd + nd) % nd;
      const int64_t n = x.dim() == 0 ? 1 : x.size(d);
      for (int64_t flag : {0, 1}) {
        Sample s = base;
        s.ints.push_back(flag);
        if (!is_topk) {
          s.desc += flag ? " descending" : "";
          out.push_back(s);
          continue;
        }
        for (int64_t k : std::vector<int64_t>{0, n / 2, n}) {
          if (x.dim() == 0 && k == 0) continue;  // 0-d: k = 1 only
          Sample t = s;
          t.ints.push_back(k);
          t.desc += std::string(flag ? " largest" : " smallest") + " k " + std::to_string(k);
          out.push_back(t);
        }
      }
    }
    return out;
  };
  info.run = [is_topk](const Sample& s) {
    const auto [v, i] = is_topk ? ops::topk(s.inputs[0], s.ints[2], s.ints[0], s.ints[1] != 0)
                                : ops::sort(s.inputs[0], s.ints[0], s.ints[1] != 0);
    return std::vector<Tensor>{v, i};
  };
  info.grad_run = [is_topk](const Sample& s) {  // values differentiable, indices not
    const auto [v, i] = is_topk ? mica::topk(s.inputs[0], s.ints[2], s.ints[0], s.ints[1] != 0)
                                : mica::sort(s.inputs[0], s.ints[0], s.ints[1] != 0);
    return std::vector<Tensor>{v, i};
  };
  info.reference = [is_topk](const Sample& s) {
    const Tensor& x = s.inputs[0];
    auto lines = ref_lines(x, s.ints[0]);
    auto idx_lines = lines;
    const int64_t k = is_topk ? s.ints[2] : -1;
    for (size_t l = 0; l < lines.size(); ++l) {
      const auto order = ref_order(lines[l], s.ints[1] != 0);
      const size_t keep = k < 0 ? order.size() : static_cast<size_t>(k);
      std::vector<double> vals, idxs;
      for (size_t j = 0; j < keep; ++j) {
        vals.push_back(lines[l][static_cast<size_t>(order[j])]);
        idxs.push_back(static_cast<double>(order[j]));
      }
      lines[l] = vals;
      idx_lines[l] = idxs;
    }
    Shape shape = x.sizes();
    if (is_topk && !shape.empty()) {
      const int64_t nd = x.dim();
      shape[static_cast<size_t>((s.ints[0] % nd + nd) % nd)] = k;
    }
    if (shape_numel(shape) == 0)
      return std::vector<Tensor>{from_values(shape, {}), from_values(shape, {})};
    return std::vector<Tensor>{from_lines(shape, s.ints[0], lines),
                               from_lines(shape, s.ints[0], idx_lines)};
  };
  return info;
}

// sum_to: ints = the target shape.
OpInfo sum_to_row() {
  OpInfo info;
  info.name = "sum_to";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    const std::vector<std::pair<Shape, Shape>> cases{
        {{2, 3, 4}, {3, 1}}, {{3, 4}, {4}},         {{3, 4}, {1, 4}}, {{3, 4}, {3, 4}},
        {{2, 1, 4}, {1, 4}}, {{3, 4}, {}},          {{0, 4}, {4}},    {{5, 3}, {5, 1}},
        {{4, 6}, {1, 1}},    {{2, 3, 4}, {2, 1, 4}}};
    for (const auto& [from, to] : cases)
      s.push_back({{rand_tensor(from, dt, rng)}, to, {}, shape_str(from) + " -> " + shape_str(to)});
    s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng))}, {5}, {}, "[4, 5] nc -> [5]"});
    return s;
  };
  info.run = [](const Sample& s) { return std::vector<Tensor>{ops::sum_to(s.inputs[0], s.ints)}; };
  info.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::sum_to(s.inputs[0], s.ints)};
  };
  info.reference = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    const Shape& to = s.ints;
    std::vector<double> out(static_cast<size_t>(shape_numel(to)), 0.0);
    const int64_t lead = x.dim() - static_cast<int64_t>(to.size());
    for (int64_t i = 0; i < x.numel(); ++i) {
      const auto idx = unravel(i, x.sizes());
      int64_t o = 0;
      for (size_t d = 0; d < to.size(); ++d)
        o = o * to[d] + (to[d] == 1 ? 0 : idx[d + static_cast<size_t>(lead)]);
      out[static_cast<size_t>(o)] += at(x, idx);
    }
    return std::vector<Tensor>{from_values(to, out)};
  };
  return info;
}

Tol sum_tol(DType dt) {  // 16-bit results of long sums are rounded once more
  return dt == kFloat16 ? Tol{1e-2, 2e-3} : default_tol(dt);
}

}  // namespace

std::vector<OpInfo> reduction_op_infos() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  using Dims = std::vector<int64_t>;
  std::vector<OpInfo> rows;
  rows.push_back(reduce_row(
      "sum", kAllDTypes, [](auto& x, const Dims& d, bool k) { return ops::sum(x, d, k); },
      ref_sum));
  rows.back().tol = sum_tol;
  set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::sum(x, d, k); });
  rows.back().gradgrad = true;
  rows.push_back(reduce_row(
      "mean", kFloatingDTypes, [](auto& x, const Dims& d, bool k) { return ops::mean(x, d, k); },
      [](const auto& v) { return ref_sum(v) / static_cast<double>(v.size()); }));
  set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::mean(x, d, k); });
  rows.back().gradgrad = true;
  {
    SampleOpts o;
    o.low = 0.5;
    o.high = 1.5;
    o.long_rows = false;
    rows.push_back(reduce_row(
        "prod", kFloatingDTypes, [](auto& x, const Dims& d, bool k) { return ops::prod(x, d, k); },
        [](const auto& v) {
          double p = 1;
          for (double x : v) p *= x;
          return p;
        },
        o));
    set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::prod(x, d, k); });
    rows.back().samples = [o](DType dt, std::mt19937_64& rng) {
      auto s = reduction_samples(dt, rng, o);
      for (Sample& z : prod_zero_samples(dt, rng)) s.push_back(std::move(z));
      return s;
    };
    o.low = -2;  // integers in {-2, -1, 0, 1}: products stay small
    o.high = 2;
    rows.push_back(rows.back());
    rows.back().name = "prod_int";
    rows.back().dtypes = {kInt64, kInt32, kUInt8, kBool};
    rows.back().samples = [o](DType dt, std::mt19937_64& rng) {
      return reduction_samples(dt, rng, o);
    };
  }
  for (double c : {1.0, 0.0, 2.0}) {
    const std::string suffix = c == 1 ? "" : "_correction" + std::to_string(int(c));
    rows.push_back(reduce_row(
        "var" + suffix, kFloatingDTypes,
        [c](auto& x, const Dims& d, bool k) { return ops::var(x, d, c, k); },
        [c](const auto& v) { return ref_var(v, c); }));
    set_grad(rows.back(), [c](auto& x, const Dims& d, bool k) { return mica::var(x, d, c, k); });
    rows.push_back(reduce_row(
        "std" + suffix, kFloatingDTypes,
        [c](auto& x, const Dims& d, bool k) { return ops::std(x, d, c, k); },
        [c](const auto& v) { return std::sqrt(ref_var(v, c)); }));
    set_grad(rows.back(), [c](auto& x, const Dims& d, bool k) { return mica::std(x, d, c, k); });
    // std has no derivative where it is 0 (a constant or single-element group) and none where
    // N - correction <= 0 (inf/NaN): those samples check the forward only.
    rows.back().samples = [c](DType dt, std::mt19937_64& rng) {
      auto samples = reduction_samples(dt, rng, {});
      for (Sample& s : samples) {
        if (s.inputs[0].numel() == 0) continue;
        const Tensor out = ops::std(s.inputs[0], sample_dims(s), c, false);
        for (double v : values(out))
          if (!(v > 0 && std::isfinite(v))) s.gradcheck = false;
      }
      return samples;
    };
  }
  SampleOpts no_empty;
  no_empty.empty_reduce = false;
  no_empty.tie_free = true;
  rows.push_back(reduce_row(
      "amax", kAllDTypes, [](auto& x, const Dims& d, bool k) { return ops::amax(x, d, k); },
      [](const auto& v) { return v[size_t(ref_arg_extreme(v, true))]; }, no_empty));
  set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::amax(x, d, k); });
  rows.push_back(reduce_row(
      "amin", kAllDTypes, [](auto& x, const Dims& d, bool k) { return ops::amin(x, d, k); },
      [](const auto& v) { return v[size_t(ref_arg_extreme(v, false))]; }, no_empty));
  set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::amin(x, d, k); });
  rows.push_back(extreme_dim_row("max_dim", true));
  rows.push_back(extreme_dim_row("min_dim", false));
  for (bool is_max : {true, false}) {  // full reductions to 0-d
    OpInfo info;
    info.name = is_max ? "max_all" : "min_all";
    info.dtypes = kAllDTypes;
    info.samples = [](DType dt, std::mt19937_64& rng) {
      std::vector<Sample> s;
      for (const Shape& shape : std::vector<Shape>{{}, {7}, {3, 4}, {2, 3, 5}, {3, 20000}}) {
        s.push_back(red_sample(rand_tensor(shape, dt, rng), false, {}, shape_str(shape)));
        s.back().gradcheck = shape_numel(shape) < 1000;  // forward only: the chunked path
      }
      s.push_back(red_sample(non_contiguous(rand_tensor({4, 5}, dt, rng)), false, {}, "[4, 5] nc"));
      return s;
    };
    info.run = [is_max](const Sample& s) {
      return std::vector<Tensor>{is_max ? ops::max(s.inputs[0]) : ops::min(s.inputs[0])};
    };
    info.grad_run = [is_max](const Sample& s) {
      return std::vector<Tensor>{is_max ? mica::max(s.inputs[0]) : mica::min(s.inputs[0])};
    };
    info.reference = [is_max](const Sample& s) {
      return std::vector<Tensor>{ref_reduce(s.inputs[0], {}, false, [is_max](const auto& v) {
        return v[size_t(ref_arg_extreme(v, is_max))];
      })};
    };
    rows.push_back(info);
  }
  rows.push_back(arg_row("argmax", true));
  rows.push_back(arg_row("argmin", false));

  const std::vector<std::pair<std::string, double>> norms{
      {"2", 2},     {"1", 1},     {"0", 0},          {"3", 3},
      {"0_5", 0.5}, {"inf", inf}, {"neg_inf", -inf}, {"neg_1", -1}};
  for (const auto& [label, p] : norms) {
    SampleOpts o;
    o.empty_reduce = p >= 0 && !std::isinf(p);
    o.long_rows = p >= 1;  // p < 1 norms of 20k elements overflow float16
    o.tie_free = std::isinf(p);
    rows.push_back(reduce_row(
        "norm_p" + label, kFloatingDTypes,
        [p](auto& x, const Dims& d, bool k) { return ops::norm(x, p, d, k); },
        [p](const auto& v) {
          if (std::isinf(p)) {
            double m = p > 0 ? 0 : std::numeric_limits<double>::infinity();
            for (double x : v) m = p > 0 ? std::max(m, std::fabs(x)) : std::min(m, std::fabs(x));
            return m;
          }
          double acc = 0;
          for (double x : v) acc += p == 0 ? (x != 0) : std::pow(std::fabs(x), p);
          return p == 0 ? acc : std::pow(acc, 1 / p);
        },
        o));
    // p = 0 (a count of nonzeros) is piecewise constant: its gradient is zero
    set_grad(rows.back(), [p](auto& x, const Dims& d, bool k) { return mica::norm(x, p, d, k); });
  }
  rows.push_back(reduce_row(
      "logsumexp", kFloatingDTypes,
      [](auto& x, const Dims& d, bool k) { return ops::logsumexp(x, d, k); },
      [](const auto& v) {
        double s = 0;
        for (double x : v) s += std::exp(x);
        return std::log(s);
      }));
  set_grad(rows.back(), [](auto& x, const Dims& d, bool k) { return mica::logsumexp(x, d, k); });
  for (bool is_all : {true, false}) {
    rows.push_back(reduce_row(
        is_all ? "all" : "any", kAllDTypes,
        [is_all](auto& x, const Dims& d, bool k) {
          return is_all ? ops::all(x, d, k) : ops::any(x, d, k);
        },
        [is_all](const auto& v) {
          bool r = is_all;
          for (double x : v) r = is_all ? (r && x != 0) : (r || x != 0);
          return double(r);
        }));
    // mostly-nonzero and mostly-zero inputs: values in [0, 2) rounded, or [0, 1) for ints
    rows.back().samples = [](DType dt, std::mt19937_64& rng) {
      auto s = reduction_samples(kInt64, rng, SampleOpts{0, 2, true, false, true});
      for (Sample& x : s) x.inputs[0] = x.inputs[0].to(dt);
      return s;
    };
    rows.back().differentiable = false;
  }
  rows.push_back(sum_to_row());
  rows.push_back(scan_row("cumsum", kAllDTypes, true));
  rows.back().tol = sum_tol;
  rows.push_back(scan_row("cumprod", kAllDTypes, false));
  rows.push_back(sort_row("sort", false));
  {  // argsort: the indices output of sort, against the same reference
    OpInfo arg = sort_row("argsort", false);
    auto sort_reference = arg.reference;
    arg.run = [](const Sample& s) {
      return std::vector<Tensor>{ops::argsort(s.inputs[0], s.ints[0], s.ints[1] != 0)};
    };
    arg.reference = [sort_reference](const Sample& s) {
      return std::vector<Tensor>{sort_reference(s)[1]};
    };
    rows.push_back(arg);
  }
  rows.push_back(sort_row("topk", true));
  for (OpInfo& r : rows)
    if (r.name.rfind("arg", 0) == 0 || r.name == "all" || r.name == "any" || r.name == "prod_int")
      r.differentiable = false;
  // Every backward here is differentiable again; prod's samples with two zeros in a group are
  // exact to first order only (its second order: tests/autograd/reduction_gradcheck_test.cpp).
  for (OpInfo& r : rows)
    if (r.differentiable && r.name != "prod") r.gradgrad = true;
  return rows;
}

}  // namespace mica::test
