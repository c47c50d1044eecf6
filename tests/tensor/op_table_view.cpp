// Op-table rows for the Tensor view methods and copies (view, reshape, permute, transpose, t,
// expand, squeeze, unsqueeze, flatten, unflatten, slice, narrow, select, diagonal, as_strided,
// contiguous, clone, copy_). Each reference maps an output multi-index to the input element it
// must show, with plain index arithmetic. Autograd column: the same Tensor methods are
// differentiable (autograd/functions/view.cpp), so grad_run is run itself; views are second
// order too, as_strided first order only.
#include <algorithm>

#include "op_table.h"

namespace mica::test {

namespace {
using Index = std::vector<int64_t>;
using Ints = std::vector<int64_t>;

Tol exact(DType) {
  return {0, 0};
}

int64_t wrap(int64_t d, int64_t n) {
  return d < 0 ? d + n : d;
}

// Row-major position of p in shape.
int64_t ravel(const Index& p, const Shape& shape) {
  int64_t flat = 0;
  for (size_t i = 0; i < p.size(); ++i) flat = flat * shape[i] + p[i];
  return flat;
}

// A row whose output element at p is input element map(p) (in input coordinates).
struct MapRow {
  std::string name;
  std::function<std::vector<Sample>(DType, std::mt19937_64&)> samples;
  std::function<Tensor(const Tensor&, const Ints&)> run;
  std::function<Shape(const Tensor&, const Ints&)> out_shape;
  std::function<Index(const Index&, const Tensor&, const Ints&)> map;
};

OpInfo make_row(MapRow m) {
  OpInfo r;
  r.name = m.name;
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = m.samples;
  auto run = m.run;
  r.run = [run](const Sample& s) { return std::vector<Tensor>{run(s.inputs[0], s.ints)}; };
  r.grad_run = r.run;
  r.gradgrad = true;
  auto out_shape = m.out_shape;
  auto map = m.map;
  r.reference = [out_shape, map](const Sample& s) {
    const Tensor& t = s.inputs[0];
    const Shape shape = out_shape(t, s.ints);
    std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = at(t, map(unravel(static_cast<int64_t>(i), shape), t, s.ints));
    return std::vector<Tensor>{from_values(shape, v)};
  };
  return r;
}

// Samples: (shape, ints, non-contiguous?) triples.
struct Spec {
  Shape shape;
  Ints ints;
  bool strided = false;
  std::string desc = "";
};
std::function<std::vector<Sample>(DType, std::mt19937_64&)> specs(std::vector<Spec> list) {
  return [list](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    for (const Spec& sp : list) {
      Tensor t = rand_tensor(sp.shape, dt, rng);
      if (sp.strided) t = non_contiguous(t);
      s.push_back({{t},
                   sp.ints,
                   {},
                   shape_str(sp.shape) + (sp.strided ? " non-contiguous " : " ") +
                       shape_str(sp.ints) + " " + sp.desc});
    }
    return s;
  };
}

// Shape with a -1 filled in.
Shape infer(const Ints& shape, int64_t numel) {
  Shape out = shape;
  int64_t known = 1;
  for (int64_t s : shape)
    if (s != -1) known *= s;
  for (auto& s : out)
    if (s == -1) s = known ? numel / known : 0;
  return out;
}

// The row-major element of t at flat position `flat`.
Index row_major(int64_t flat, const Tensor& t) {
  return unravel(flat, t.sizes());
}

MapRow reshape_like(std::string name, std::function<Tensor(const Tensor&, const Ints&)> run,
                    std::vector<Spec> list) {
  return {std::move(name), specs(std::move(list)), std::move(run),
          [](const Tensor& t, const Ints& a) { return infer(a, t.numel()); },
          [](const Index& p, const Tensor& t, const Ints& a) {
            return row_major(ravel(p, infer(a, t.numel())), t);
          }};
}

OpInfo as_strided_row() {
  // inputs[0]: a contiguous base; ints = {pre, sizes..., strides..., offset}: as_strided is
  // called on base.slice(0, pre) (so offset -1 means pre * base.stride(0)). The base's storage
  // holds its values in row-major order, which the reference indexes.
  OpInfo r;
  r.name = "as_strided";
  r.dtypes = kAllDTypes;
  r.tol = exact;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    s.push_back({{rand_tensor({3, 4}, dt, rng)}, {0, 2, 2, 4, 1, 0}, {}, "sub-block"});
    s.push_back({{rand_tensor({12}, dt, rng)}, {0, 3, 3, 3, 1, 2}, {}, "overlapping windows"});
    s.push_back({{rand_tensor({3, 4}, dt, rng)}, {0, 4, 3, 1, 4, 0}, {}, "transpose"});
    s.push_back({{rand_tensor({3, 4}, dt, rng)}, {1, 2, 2, 1, 4, -1}, {}, "offset -1 of a slice"});
    s.push_back({{rand_tensor({5}, dt, rng)}, {0, 0, 3, 1, 1, 0}, {}, "zero-size"});
    s.push_back({{rand_tensor({5}, dt, rng)}, {0, 3, 0, 2}, {}, "stride 0"});
    return s;
  };
  auto parse = [](const Sample& s, Shape& sz, Shape& st, int64_t& off) {
    const size_t n = (s.ints.size() - 2) / 2;
    sz.assign(s.ints.begin() + 1, s.ints.begin() + 1 + n);
    st.assign(s.ints.begin() + 1 + n, s.ints.begin() + 1 + 2 * n);
    off = s.ints.back();
  };
  r.run = [parse](const Sample& s) {
    Shape sz, st;
    int64_t off;
    parse(s, sz, st, off);
    const Tensor& base = s.inputs[0];
    return std::vector<Tensor>{base.slice(0, s.ints[0], base.size(0)).as_strided(sz, st, off)};
  };
  r.grad_run = r.run;  // first order (its backward is a raw scatter-add)
  r.reference = [parse](const Sample& s) {
    Shape sz, st;
    int64_t off;
    parse(s, sz, st, off);
    const Tensor& base = s.inputs[0];
    if (off < 0) off = s.ints[0] * contiguous_strides(base.sizes())[0];
    std::vector<double> v(static_cast<size_t>(shape_numel(sz)));
    for (size_t i = 0; i < v.size(); ++i) {
      const Index p = unravel(static_cast<int64_t>(i), sz);
      int64_t k = off;
      for (size_t d = 0; d < p.size(); ++d) k += p[d] * st[d];
      v[i] = at(base, unravel(k, base.sizes()));
    }
    return std::vector<Tensor>{from_values(sz, v)};
  };
  return r;
}

OpInfo copy_row() {
  // inputs = {dst, src}; src has another dtype and may broadcast
  OpInfo r;
  r.name = "copy_";
  r.dtypes = kAllDTypes;  // the destination dtype
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    const double low = dt == kUInt8 ? 0 : -3;  // float -> uint8 of a negative value is undefined
    // float64 (the gradcheck dtype) needs float64 floating inputs: a float16/float32 source
    // becomes its exact float64 widening there (same values, so the same expected result)
    auto src_float = [dt](const Tensor& t) { return dt == kFloat64 ? t.to(kFloat64) : t; };
    s.push_back({{rand_tensor({3, 4}, dt, rng), rand_tensor({3, 4}, kFloat64, rng, low, 3)},
                 {},
                 {},
                 "from float64"});
    s.push_back({{rand_tensor({3, 4}, dt, rng), rand_tensor({4}, kInt32, rng, low, 3)},
                 {},
                 {},
                 "from int32, broadcast"});
    s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng)), rand_tensor({4, 1}, kBool, rng)},
                 {},
                 {},
                 "from bool into non-contiguous"});
    s.push_back({{rand_tensor({2, 3}, dt, rng),
                  non_contiguous(src_float(rand_tensor({2, 3}, kFloat16, rng, low, 3)))},
                 {},
                 {},
                 "from non-contiguous float16"});
    s.push_back(
        {{rand_tensor({2, 3}, dt, rng), rand_tensor({}, dt, rng)}, {}, {}, "same dtype 0-d"});
    s.push_back({{rand_tensor({0, 3}, dt, rng), src_float(rand_tensor({3}, kFloat32, rng, low, 3))},
                 {},
                 {},
                 "zero-size"});
    return s;
  };
  r.run = [](const Sample& s) {
    Tensor dst = s.inputs[0].is_contiguous() ? s.inputs[0].clone() : non_contiguous(s.inputs[0]);
    dst.copy_(s.inputs[1]);
    return std::vector<Tensor>{dst};
  };
  // Like torch: the gradient goes to src (summed over broadcasting); dst's earlier value is
  // overwritten and gets none. A contiguous dst is a clone of the input, so its history must be
  // dropped by copy_; a non-contiguous dst is built detached (in-place writes into a view of a
  // tensor that requires grad are not supported).
  r.grad_run = [](const Sample& s) {
    Tensor dst =
        s.inputs[0].is_contiguous() ? s.inputs[0].clone() : non_contiguous(s.inputs[0].detach());
    dst.copy_(s.inputs[1]);
    return std::vector<Tensor>{dst};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& dst = s.inputs[0];
    const DType dt = s.dtype;
    std::vector<double> v(static_cast<size_t>(dst.numel()));
    for (size_t i = 0; i < v.size(); ++i) {
      const double x = at(s.inputs[1], unravel(static_cast<int64_t>(i), dst.sizes()));
      v[i] = is_floating(dt) || dt == kBool ? cast_to(dt, x) : cast_to(dt, std::trunc(x));
    }
    return std::vector<Tensor>{from_values(dst.sizes(), v)};
  };
  r.tol = default_tol;
  return r;
}
}  // namespace

std::vector<OpInfo> view_op_infos() {
  std::vector<MapRow> m;
  m.push_back(reshape_like("view", [](const Tensor& t, const Ints& a) { return t.view(a); },
                           {{{3, 4}, {4, 3}},
                            {{3, 4}, {-1}},
                            {{2, 3, 4}, {6, -1}},
                            {{4, 6}, {2, 2, 6}, true, "split a strided dim"},
                            {{6}, {2, 3}, true},
                            {{}, {1, 1}},
                            {{0, 3}, {3, 0}}}));
  m.push_back(reshape_like("reshape", [](const Tensor& t, const Ints& a) { return t.reshape(a); },
                           {{{3, 4}, {2, 6}},
                            {{4, 5}, {-1}, true, "needs a copy"},
                            {{4, 6}, {2, 12}, true, "needs a copy"},
                            {{4, 6}, {2, 2, 6}, true, "stays a view"},
                            {{}, {-1}},
                            {{0, 4}, {-1, 2}}}));
  m.push_back(reshape_like("flatten_all", [](const Tensor& t, const Ints&) { return t.flatten(); },
                           {{{2, 3, 4}, {-1}}, {{4, 5}, {-1}, true}, {{0, 2}, {-1}}}));
  m.push_back({"permute",
               specs({{{2, 3, 4}, {2, 0, 1}},
                      {{2, 3, 4}, {-1, 1, 0}},
                      {{3, 4}, {1, 0}, true},
                      {{}, {}},
                      {{2, 0, 3}, {1, 2, 0}}}),
               [](const Tensor& t, const Ints& a) { return t.permute(a); },
               [](const Tensor& t, const Ints& a) {
                 Shape s;
                 for (int64_t d : a) s.push_back(t.size(d));
                 return s;
               },
               [](const Index& p, const Tensor& t, const Ints& a) {
                 Index q(p.size());
                 for (size_t i = 0; i < a.size(); ++i) q[wrap(a[i], t.dim())] = p[i];
                 return q;
               }});
  m.push_back(
      {"transpose",
       specs({{{2, 3, 4}, {0, 2}}, {{3, 4}, {-1, -2}, true}, {{3, 4}, {1, 1}}, {{}, {0, 0}}}),
       [](const Tensor& t, const Ints& a) { return t.transpose(a[0], a[1]); },
       [](const Tensor& t, const Ints& a) {
         Shape s = t.sizes();
         if (t.dim() > 0) std::swap(s[wrap(a[0], t.dim())], s[wrap(a[1], t.dim())]);
         return s;
       },
       [](const Index& p, const Tensor& t, const Ints& a) {
         Index q = p;
         if (t.dim() > 0) std::swap(q[wrap(a[0], t.dim())], q[wrap(a[1], t.dim())]);
         return q;
       }});
  m.push_back(
      {"t", specs({{{3, 4}, {}}, {{4, 5}, {}, true}, {{5}, {}}, {{}, {}}, {{0, 2}, {}}}),
       [](const Tensor& t, const Ints&) { return t.t(); },
       [](const Tensor& t, const Ints&) {
         Shape s = t.sizes();
         std::reverse(s.begin(), s.end());
         return s;
       },
       [](const Index& p, const Tensor&, const Ints&) { return Index(p.rbegin(), p.rend()); }});
  m.push_back({"expand",
               specs({{{3, 1}, {3, 4}},
                      {{4}, {2, 3, 4}},
                      {{1, 4}, {2, -1, -1}, false, "-1 keeps"},
                      {{}, {2, 2}},
                      {{3, 1}, {3, 0}},
                      {{4, 1}, {4, 3}, true}}),
               [](const Tensor& t, const Ints& a) { return t.expand(a); },
               [](const Tensor& t, const Ints& a) {
                 Shape s = a;
                 const int64_t lead = static_cast<int64_t>(a.size()) - t.dim();
                 for (size_t i = 0; i < s.size(); ++i)
                   if (s[i] == -1) s[i] = t.size(static_cast<int64_t>(i) - lead);
                 return s;
               },
               [](const Index& p, const Tensor& t, const Ints& a) {
                 const int64_t lead = static_cast<int64_t>(a.size()) - t.dim();
                 Index q;
                 for (int64_t d = 0; d < t.dim(); ++d)
                   q.push_back(t.size(d) == 1 ? 0 : p[d + lead]);
                 return q;
               }});
  // squeeze: ints empty squeezes all size-1 dims, {d} only d (if it has size 1)
  auto squeezed_dims = [](const Tensor& t, const Ints& a) {
    std::vector<bool> drop(static_cast<size_t>(t.dim()), false);
    for (int64_t d = 0; d < t.dim(); ++d)
      drop[d] = t.size(d) == 1 && (a.empty() || wrap(a[0], t.dim()) == d);
    return drop;
  };
  m.push_back(
      {"squeeze",
       specs({{{1, 3, 1, 4}, {}},
              {{1, 3, 1, 4}, {2}},
              {{1, 3, 1, 4}, {-3}, false, "not size 1: unchanged"},
              {{3, 1}, {}, true},
              {{}, {}},
              {{1, 0}, {0}}}),
       [](const Tensor& t, const Ints& a) { return a.empty() ? t.squeeze() : t.squeeze(a[0]); },
       [squeezed_dims](const Tensor& t, const Ints& a) {
         const auto drop = squeezed_dims(t, a);
         Shape s;
         for (int64_t d = 0; d < t.dim(); ++d)
           if (!drop[d]) s.push_back(t.size(d));
         return s;
       },
       [squeezed_dims](const Index& p, const Tensor& t, const Ints& a) {
         const auto drop = squeezed_dims(t, a);
         Index q;
         size_t k = 0;
         for (int64_t d = 0; d < t.dim(); ++d) q.push_back(drop[d] ? 0 : p[k++]);
         return q;
       }});
  m.push_back(
      {"unsqueeze",
       specs({{{3, 4}, {0}}, {{3, 4}, {2}}, {{3, 4}, {-1}}, {{4, 5}, {1}, true}, {{}, {0}}}),
       [](const Tensor& t, const Ints& a) { return t.unsqueeze(a[0]); },
       [](const Tensor& t, const Ints& a) {
         Shape s = t.sizes();
         s.insert(s.begin() + wrap(a[0], t.dim() + 1), 1);
         return s;
       },
       [](const Index& p, const Tensor& t, const Ints& a) {
         Index q = p;
         q.erase(q.begin() + wrap(a[0], t.dim() + 1));
         return q;
       }});
  m.push_back(reshape_like(
      "flatten", [](const Tensor& t, const Ints& a) { return t.flatten(a[0], a[1]); }, {}));
  m.back().samples = specs({{{2, 3, 4, 5}, {1, 2}},
                            {{2, 3, 4}, {0, -1}},
                            {{4, 5}, {0, 1}, true},
                            {{2, 3}, {1, 1}},
                            {{}, {0, 0}}});
  m.back().out_shape = [](const Tensor& t, const Ints& a) {
    if (t.dim() == 0) return Shape{1};
    const int64_t s = wrap(a[0], t.dim()), e = wrap(a[1], t.dim());
    Shape out(t.sizes().begin(), t.sizes().begin() + s);
    int64_t prod = 1;
    for (int64_t d = s; d <= e; ++d) prod *= t.size(d);
    out.push_back(prod);
    out.insert(out.end(), t.sizes().begin() + e + 1, t.sizes().end());
    return out;
  };
  {
    auto shape_fn = m.back().out_shape;
    m.back().map = [shape_fn](const Index& p, const Tensor& t, const Ints& a) {
      return row_major(ravel(p, shape_fn(t, a)), t);
    };
  }
  // unflatten: ints = {dim, sizes...}
  auto unflat_shape = [](const Tensor& t, const Ints& a) {
    const int64_t d = wrap(a[0], t.dim());
    const Shape inner = infer(Ints(a.begin() + 1, a.end()), t.size(d));
    Shape s(t.sizes().begin(), t.sizes().begin() + d);
    s.insert(s.end(), inner.begin(), inner.end());
    s.insert(s.end(), t.sizes().begin() + d + 1, t.sizes().end());
    return s;
  };
  m.push_back({"unflatten",
               specs({{{2, 12}, {1, 3, 4}}, {{6, 2}, {0, 2, -1}}, {{4, 6}, {0, 2, 2}, true}}),
               [](const Tensor& t, const Ints& a) {
                 return t.unflatten(a[0], Shape(a.begin() + 1, a.end()));
               },
               unflat_shape,
               [unflat_shape](const Index& p, const Tensor& t, const Ints& a) {
                 return row_major(ravel(p, unflat_shape(t, a)), t);
               }});
  // slice: ints = {dim, start, end, step} (torch clamps start/end; negative ones count from the
  // end)
  auto slice_range = [](const Tensor& t, const Ints& a, int64_t& d, int64_t& start, int64_t& len) {
    d = wrap(a[0], t.dim());
    const int64_t n = t.size(d);
    int64_t s = a[1] < 0 ? a[1] + n : a[1], e = a[2] < 0 ? a[2] + n : a[2];
    s = std::clamp<int64_t>(s, 0, n);
    e = std::clamp<int64_t>(e, s, n);
    start = s;
    len = (e - s + a[3] - 1) / a[3];
  };
  m.push_back({"slice",
               specs({{{6, 4}, {0, 1, 5, 1}},
                      {{6, 4}, {0, 0, 6, 2}},
                      {{5, 7}, {-1, -5, 100, 3}},
                      {{4, 6}, {1, 1, -1, 2}, true},
                      {{4, 3}, {0, 3, 1, 1}, false, "empty"},
                      {{7}, {0, 1, 7, 4}, true}}),
               [](const Tensor& t, const Ints& a) { return t.slice(a[0], a[1], a[2], a[3]); },
               [slice_range](const Tensor& t, const Ints& a) {
                 int64_t d, start, len;
                 slice_range(t, a, d, start, len);
                 Shape s = t.sizes();
                 s[d] = len;
                 return s;
               },
               [slice_range](const Index& p, const Tensor& t, const Ints& a) {
                 int64_t d, start, len;
                 slice_range(t, a, d, start, len);
                 Index q = p;
                 q[d] = start + p[d] * a[3];
                 return q;
               }});
  m.push_back({"narrow",
               specs({{{6, 4}, {0, 2, 3}}, {{4, 6}, {-1, -4, 2}, true}, {{3, 4}, {1, 4, 0}}}),
               [](const Tensor& t, const Ints& a) { return t.narrow(a[0], a[1], a[2]); },
               [](const Tensor& t, const Ints& a) {
                 Shape s = t.sizes();
                 s[wrap(a[0], t.dim())] = a[2];
                 return s;
               },
               [](const Index& p, const Tensor& t, const Ints& a) {
                 const int64_t d = wrap(a[0], t.dim());
                 Index q = p;
                 q[d] += wrap(a[1], t.size(d));
                 return q;
               }});
  m.push_back({"select",
               specs({{{3, 4}, {0, 1}},
                      {{3, 4}, {1, -1}},
                      {{2, 3, 4}, {-2, 2}},
                      {{4, 5}, {1, 3}, true},
                      {{5}, {0, 4}},
                      {{2, 0}, {0, 1}}}),
               [](const Tensor& t, const Ints& a) { return t.select(a[0], a[1]); },
               [](const Tensor& t, const Ints& a) {
                 Shape s = t.sizes();
                 s.erase(s.begin() + wrap(a[0], t.dim()));
                 return s;
               },
               [](const Index& p, const Tensor& t, const Ints& a) {
                 const int64_t d = wrap(a[0], t.dim());
                 Index q = p;
                 q.insert(q.begin() + d, wrap(a[1], t.size(d)));
                 return q;
               }});
  // diagonal: ints = {offset, dim1, dim2}
  auto diag_len = [](const Tensor& t, const Ints& a) {
    const int64_t n1 = t.size(a[1]), n2 = t.size(a[2]), off = a[0];
    return std::max<int64_t>(0, off >= 0 ? std::min(n1, n2 - off) : std::min(n1 + off, n2));
  };
  m.push_back({"diagonal",
               specs({{{4, 4}, {0, 0, 1}},
                      {{3, 5}, {2, 0, 1}},
                      {{5, 3}, {-2, 0, 1}},
                      {{2, 3, 4}, {1, -1, 0}},
                      {{4, 5}, {0, 1, 0}, true},
                      {{3, 3}, {5, 0, 1}, false, "offset past the end"}}),
               [](const Tensor& t, const Ints& a) { return t.diagonal(a[0], a[1], a[2]); },
               [diag_len](const Tensor& t, const Ints& a) {
                 const int64_t d1 = wrap(a[1], t.dim()), d2 = wrap(a[2], t.dim());
                 Shape s;
                 for (int64_t d = 0; d < t.dim(); ++d)
                   if (d != d1 && d != d2) s.push_back(t.size(d));
                 s.push_back(diag_len(t, {a[0], d1, d2}));
                 return s;
               },
               [](const Index& p, const Tensor& t, const Ints& a) {
                 const int64_t d1 = wrap(a[1], t.dim()), d2 = wrap(a[2], t.dim());
                 Index q(static_cast<size_t>(t.dim()));
                 size_t k = 0;
                 for (int64_t d = 0; d < t.dim(); ++d)
                   if (d != d1 && d != d2) q[d] = p[k++];
                 const int64_t i = p.back();
                 q[d1] = a[0] >= 0 ? i : i - a[0];
                 q[d2] = a[0] >= 0 ? i + a[0] : i;
                 return q;
               }});
  auto identity = [](const Tensor& t, const Ints&) { return t.sizes(); };
  auto same = [](const Index& p, const Tensor&, const Ints&) { return p; };
  const std::vector<Spec> any{{{3, 4}, {}}, {{4, 5}, {}, true}, {{2, 3, 4}, {}},
                              {{}, {}},     {{0, 3}, {}},       {{7}, {}, true}};
  m.push_back({"contiguous", specs(any),
               [](const Tensor& t, const Ints&) { return t.contiguous(); }, identity, same});
  m.push_back({"clone", specs(any), [](const Tensor& t, const Ints&) { return t.clone(); },
               identity, same});

  std::vector<OpInfo> rows;
  for (auto& row : m) rows.push_back(make_row(std::move(row)));
  rows.push_back(as_strided_row());
  rows.push_back(copy_row());
  return rows;
}

}  // namespace mica::test
