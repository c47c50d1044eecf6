// Op-table rows for the shape ops (cat, stack, split, chunk, repeat, repeat_interleave, flip,
// roll, tril, triu, pad), listed with the indexing family. References map each output
// multi-index back to the input element it comes from.
#include <algorithm>

#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> shape_op_infos();

namespace {
using Index = std::vector<int64_t>;

Tol exact(DType) {
  return {0, 0};
}

Tensor build(const Shape& shape, const std::function<double(const Index&)>& fn) {
  std::vector<double> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = fn(unravel(static_cast<int64_t>(i), shape));
  return from_values(shape, v);
}

int64_t wrap(int64_t d, int64_t n) {
  return d < 0 ? d + n : d;
}

OpInfo row(std::string name, std::vector<DType> dtypes,
           std::function<std::vector<Sample>(DType, std::mt19937_64&)> samples,
           std::function<std::vector<Tensor>(const Sample&)> run,
           std::function<std::vector<Tensor>(const Sample&)> ref) {
  OpInfo r;
  r.name = std::move(name);
  r.dtypes = std::move(dtypes);
  r.samples = std::move(samples);
  r.run = std::move(run);
  r.reference = std::move(ref);
  r.tol = exact;
  return r;
}

// The row with its autograd column: grad_run, the same op through the differentiable API.
// Backwards are written in these differentiable ops, so every row is also gradgradchecked.
OpInfo with_grad(OpInfo r, std::function<std::vector<Tensor>(const Sample&)> grad_run) {
  r.grad_run = std::move(grad_run);
  r.gradgrad = true;
  return r;
}

std::vector<Tensor> one(Tensor t) {
  return {std::move(t)};
}

// ---- cat / stack ----
std::vector<Sample> cat_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  auto R = [&](const Shape& sh) { return rand_tensor(sh, dt, rng); };
  s.push_back({{R({2, 3}), R({4, 3}), R({1, 3})}, {0}, {}, "dim 0"});
  s.push_back({{R({2, 3}), R({2, 1}), R({2, 4})}, {-1}, {}, "dim -1"});
  s.push_back({{non_contiguous(R({3, 4})), R({3, 2})}, {1}, {}, "non-contiguous"});
  s.push_back({{R({2, 0, 3}), R({2, 2, 3}), R({2, 0, 3})}, {1}, {}, "zero-size pieces"});
  s.push_back({{R({0}), R({2, 3}), R({0})}, {1}, {}, "skipped empty 1-d"});
  s.push_back({{R({4}), non_contiguous(R({3}))}, {0}, {}, "1-d"});
  s.push_back({{R({2, 2}), rand_tensor({2, 2}, kInt32, rng, -3, 3)}, {0}, {}, "mixed dtype"});
  return s;
}

bool skipped(const Tensor& t) {
  return t.dim() == 1 && t.size(0) == 0;
}

std::vector<Tensor> ref_cat(const Sample& s) {
  std::vector<Tensor> ts;
  for (const Tensor& t : s.inputs)
    if (!skipped(t)) ts.push_back(t);
  const int64_t d = wrap(s.ints[0], ts[0].dim());
  Shape shape = ts[0].sizes();
  shape[d] = 0;
  for (const Tensor& t : ts) shape[d] += t.size(d);
  return {build(shape, [&](Index p) {
    size_t k = 0;
    while (p[d] >= ts[k].size(d)) p[d] -= ts[k++].size(d);
    return at(ts[k], p);
  })};
}

std::vector<Sample> stack_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  auto R = [&](const Shape& sh) { return rand_tensor(sh, dt, rng); };
  s.push_back({{R({2, 3}), R({2, 3}), R({2, 3})}, {0}, {}, "dim 0"});
  s.push_back({{R({2, 3}), non_contiguous(R({2, 3}))}, {1}, {}, "dim 1, non-contiguous"});
  s.push_back({{R({2, 3}), R({2, 3})}, {2}, {}, "dim 2 (new last)"});
  s.push_back({{R({2, 3}), R({2, 3})}, {-1}, {}, "dim -1"});
  s.push_back({{R({}), R({}), R({})}, {0}, {}, "0-d"});
  s.push_back({{R({0, 3}), R({0, 3})}, {1}, {}, "zero-size"});
  return s;
}

std::vector<Tensor> ref_stack(const Sample& s) {
  const int64_t d = wrap(s.ints[0], s.inputs[0].dim() + 1);
  Shape shape = s.inputs[0].sizes();
  shape.insert(shape.begin() + d, static_cast<int64_t>(s.inputs.size()));
  return {build(shape, [&](Index p) {
    const int64_t k = p[d];
    p.erase(p.begin() + d);
    return at(s.inputs[k], p);
  })};
}

// ---- split / chunk ----
std::vector<Sample> split_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({7, 3}, dt, rng)}, {0, 3}, {}, "[7,3] size 3"});
  s.push_back({{non_contiguous(rand_tensor({4, 6}, dt, rng))}, {-1, 2}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({2, 5}, dt, rng)}, {1, 5}, {}, "one piece"});
  s.push_back({{rand_tensor({2, 5}, dt, rng)}, {1, 7}, {}, "size larger than dim"});
  s.push_back({{rand_tensor({0, 5}, dt, rng)}, {0, 2}, {}, "zero-size"});
  return s;
}

// Pieces of t along d with the given sizes, built element by element.
std::vector<Tensor> ref_pieces(const Tensor& t, int64_t d, const std::vector<int64_t>& sizes) {
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t len : sizes) {
    Shape shape = t.sizes();
    shape[d] = len;
    out.push_back(build(shape, [&](Index p) {
      p[d] += start;
      return at(t, p);
    }));
    start += len;
  }
  return out;
}

std::vector<int64_t> split_lengths(int64_t n, int64_t size) {
  std::vector<int64_t> lens;
  if (n == 0) return {0};
  for (int64_t start = 0; start < n; start += size) lens.push_back(std::min(size, n - start));
  return lens;
}

std::vector<Sample> split_sizes_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({6, 2}, dt, rng)}, {0, 1, 3, 2}, {}, "[1,3,2]"});
  s.push_back(
      {{non_contiguous(rand_tensor({3, 5}, dt, rng))}, {1, 0, 5, 0}, {}, "with empty pieces"});
  return s;
}

std::vector<Sample> chunk_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({7, 2}, dt, rng)}, {0, 3}, {}, "7 in 3"});
  s.push_back({{rand_tensor({2, 6}, dt, rng)}, {1, 4}, {}, "6 in 4 gives 3"});
  s.push_back({{non_contiguous(rand_tensor({5, 4}, dt, rng))}, {-1, 2}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({0, 2}, dt, rng)}, {0, 3}, {}, "zero-size"});
  return s;
}

std::vector<Tensor> ref_chunk(const Sample& s) {
  const Tensor& t = s.inputs[0];
  const int64_t d = wrap(s.ints[0], t.dim()), n = t.size(d), chunks = s.ints[1];
  if (n == 0) return ref_pieces(t, d, std::vector<int64_t>(static_cast<size_t>(chunks), 0));
  return ref_pieces(t, d, split_lengths(n, (n + chunks - 1) / chunks));
}

// ---- repeat ----
std::vector<Sample> repeat_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({2, 3}, dt, rng)}, {2, 3}, {}, "[2,3] x (2,3)"});
  s.push_back({{rand_tensor({3}, dt, rng)}, {2, 1, 2}, {}, "new leading dims"});
  s.push_back({{non_contiguous(rand_tensor({3, 4}, dt, rng))}, {1, 2}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({}, dt, rng)}, {3, 2}, {}, "0-d"});
  s.push_back({{rand_tensor({2, 3}, dt, rng)}, {0, 2}, {}, "zero repeat"});
  return s;
}

std::vector<Tensor> ref_repeat(const Sample& s) {
  const Tensor& t = s.inputs[0];
  const Shape& r = s.ints;
  const int64_t lead = static_cast<int64_t>(r.size()) - t.dim();
  Shape shape(r.size());
  for (size_t i = 0; i < r.size(); ++i)
    shape[i] = r[i] * (static_cast<int64_t>(i) < lead ? 1 : t.size(static_cast<int64_t>(i) - lead));
  return {build(shape, [&](const Index& p) {
    Index q;
    for (int64_t i = lead; i < static_cast<int64_t>(p.size()); ++i)
      q.push_back(p[i] % t.size(i - lead));
    return at(t, q);
  })};
}

// ---- repeat_interleave: ints = {dim or kNoDim, repeats (int form)}; inputs[1] = tensor form ----
constexpr int64_t kNoDim = 99;

std::vector<Sample> repeat_interleave_samples(DType dt, std::mt19937_64& rng, bool tensor_form) {
  std::vector<Sample> s;
  auto reps = [&](int64_t n) { return rand_tensor({n}, kInt64, rng, 0, 4); };
  auto add = [&](Tensor t, int64_t dim, int64_t r, std::string desc) {
    const int64_t n = dim == kNoDim ? t.numel() : t.size(dim);
    if (tensor_form)
      s.push_back({{t, reps(n)}, {dim}, {}, desc});
    else
      s.push_back({{t}, {dim, r}, {}, desc});
  };
  add(rand_tensor({3, 2}, dt, rng), 0, 2, "dim 0");
  add(rand_tensor({2, 3}, dt, rng), -1, 3, "dim -1");
  add(non_contiguous(rand_tensor({3, 4}, dt, rng)), 1, 2, "non-contiguous");
  add(rand_tensor({2, 3}, dt, rng), kNoDim, 2, "flattened");
  add(rand_tensor({0, 3}, dt, rng), 0, 2, "zero-size");
  add(rand_tensor({2, 3}, dt, rng), 1, 0, "zero repeats");
  if (tensor_form)
    s.push_back(
        {{rand_tensor({4}, dt, rng), from_values({}, {3}, kInt64)}, {0}, {}, "0-d repeats"});
  return s;
}

std::vector<Tensor> ref_repeat_interleave(const Sample& s) {
  const bool tensor_form = s.inputs.size() == 2;
  Tensor t = s.inputs[0];
  int64_t d = s.ints[0];
  if (d == kNoDim) {
    t = from_values({t.numel()}, values(t));
    d = 0;
  }
  d = wrap(d, t.dim());
  const int64_t n = t.size(d);
  // src[j]: which input slice output slice j comes from
  std::vector<int64_t> src;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = !tensor_form             ? s.ints[1]
                      : s.inputs[1].dim() == 0 ? static_cast<int64_t>(values(s.inputs[1])[0])
                                               : static_cast<int64_t>(at(s.inputs[1], {i}));
    for (int64_t k = 0; k < r; ++k) src.push_back(i);
  }
  Shape shape = t.sizes();
  shape[d] = static_cast<int64_t>(src.size());
  return {build(shape, [&](Index p) {
    p[d] = src[static_cast<size_t>(p[d])];
    return at(t, p);
  })};
}

// ---- flip / roll ----
std::vector<Sample> flip_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({3, 4}, dt, rng)}, {0}, {}, "dim 0"});
  s.push_back({{rand_tensor({2, 3, 4}, dt, rng)}, {0, -1}, {}, "dims 0, -1"});
  s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng))}, {0, 1}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({7}, dt, rng)}, {0}, {}, "1-d"});
  s.push_back({{rand_tensor({0, 3}, dt, rng)}, {1}, {}, "zero-size"});
  s.push_back({{rand_tensor({3, 4}, dt, rng)}, {}, {}, "no dims"});
  return s;
}

std::vector<Tensor> ref_flip(const Sample& s) {
  const Tensor& t = s.inputs[0];
  return {build(t.sizes(), [&](Index p) {
    for (int64_t d : s.ints) p[wrap(d, t.dim())] = t.size(d) - 1 - p[wrap(d, t.dim())];
    return at(t, p);
  })};
}

// roll: ints = {k, shifts[k], dims[...]}
std::vector<Sample> roll_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  s.push_back({{rand_tensor({3, 4}, dt, rng)}, {1, 1, 1}, {}, "shift 1 along 1"});
  s.push_back({{rand_tensor({3, 4}, dt, rng)}, {2, -2, 5, 0, -1}, {}, "two dims, wrapping"});
  s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng))}, {1, 7, 0}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({2, 3}, dt, rng)}, {1, 2}, {}, "flattened"});
  s.push_back({{rand_tensor({0, 3}, dt, rng)}, {1, 1, 0}, {}, "zero-size"});
  s.push_back({{rand_tensor({2, 3}, dt, rng)}, {1, 3, 1}, {}, "full cycle"});
  return s;
}

std::vector<Tensor> ref_roll(const Sample& s) {
  const Tensor& t = s.inputs[0];
  const int64_t k = s.ints[0];
  Shape shifts(s.ints.begin() + 1, s.ints.begin() + 1 + k);
  Shape dims(s.ints.begin() + 1 + k, s.ints.end());
  auto mod = [](int64_t a, int64_t n) { return ((a % n) + n) % n; };
  if (dims.empty()) {
    const auto v = values(t);
    const int64_t n = t.numel();
    std::vector<double> out(v.size());
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = v[mod(i - shifts[0], n)];
    return {from_values(t.sizes(), out)};
  }
  return {build(t.sizes(), [&](Index p) {
    for (size_t i = 0; i < dims.size(); ++i) {
      const int64_t d = wrap(dims[i], t.dim());
      p[d] = mod(p[d] - shifts[i], t.size(d));
    }
    return at(t, p);
  })};
}

// ---- tril / triu ----
std::vector<Sample> triangle_samples(DType dt, std::mt19937_64& rng) {
  std::vector<Sample> s;
  for (int64_t diag : {0, 1, -1, 5, -5})
    s.push_back({{rand_tensor({4, 5}, dt, rng)}, {diag}, {}, "[4,5] diag " + std::to_string(diag)});
  s.push_back({{rand_tensor({2, 5, 3}, dt, rng)}, {-1}, {}, "batched tall"});
  s.push_back({{non_contiguous(rand_tensor({4, 4}, dt, rng))}, {0}, {}, "non-contiguous"});
  s.push_back({{rand_tensor({0, 3}, dt, rng)}, {0}, {}, "zero-size"});
  return s;
}

std::vector<Tensor> ref_triangle(const Sample& s, bool upper) {
  const Tensor& t = s.inputs[0];
  return {build(t.sizes(), [&](const Index& p) {
    const int64_t i = p[p.size() - 2], j = p.back();
    const bool keep = upper ? j - i >= s.ints[0] : j - i <= s.ints[0];
    return keep ? at(t, p) : 0.0;
  })};
}

// ---- pad: ints = {mode, pads...}, reals = {value} ----
std::vector<Sample> pad_samples(DType dt, std::mt19937_64& rng, ops::PadMode mode) {
  const int64_t m = static_cast<int64_t>(mode);
  std::vector<Sample> s;
  s.push_back({{rand_tensor({2, 3, 4}, dt, rng)}, {m, 2, 1}, {1.0}, "last dim"});
  s.push_back({{rand_tensor({2, 3, 4}, dt, rng)}, {m, 1, 2, 2, 0}, {1.0}, "two dims"});
  s.push_back(
      {{non_contiguous(rand_tensor({3, 5}, dt, rng))}, {m, 0, 3, 1, 1}, {0.0}, "non-contiguous"});
  s.push_back({{rand_tensor({2, 3}, dt, rng)}, {m, 1, 1, 1, 1}, {0.0}, "all dims"});
  if (mode == ops::PadMode::Constant) {
    s.push_back({{rand_tensor({3, 4}, dt, rng)}, {m, -1, 2, 1, -2}, {1.0}, "negative (crop)"});
    s.push_back({{rand_tensor({0, 4}, dt, rng)}, {m, 1, 1, 1, 0}, {1.0}, "zero-size input"});
    s.push_back({{rand_tensor({3, 2}, dt, rng)}, {m, -2, 0}, {1.0}, "crop to nothing"});
  } else {
    s.push_back({{rand_tensor({0, 4}, dt, rng)}, {m, 2, 1}, {0.0}, "zero-size batch"});
  }
  return s;
}

std::vector<Tensor> ref_pad(const Sample& s) {
  const Tensor& t = s.inputs[0];
  const auto mode = static_cast<ops::PadMode>(s.ints[0]);
  const Shape pads(s.ints.begin() + 1, s.ints.end());
  const int64_t nd = t.dim(), np = static_cast<int64_t>(pads.size()) / 2;
  Shape left(nd, 0), shape = t.sizes();
  for (int64_t k = 0; k < np; ++k) {
    left[nd - 1 - k] = pads[2 * k];
    shape[nd - 1 - k] += pads[2 * k] + pads[2 * k + 1];
  }
  const double value = cast_to(s.dtype, s.reals[0]);
  return {build(shape, [&](const Index& p) {
    Index q(p.size());
    for (int64_t d = 0; d < nd; ++d) {
      int64_t x = p[d] - left[d];
      const int64_t n = t.size(d);
      if (mode == ops::PadMode::Constant) {
        if (x < 0 || x >= n) return value;
      } else if (mode == ops::PadMode::Reflect) {
        if (x < 0) x = -x;
        if (x >= n) x = 2 * (n - 1) - x;
      } else {
        x = std::clamp<int64_t>(x, 0, n - 1);
      }
      q[d] = x;
    }
    return at(t, q);
  })};
}
}  // namespace

std::vector<OpInfo> shape_op_infos() {
  std::vector<OpInfo> rows;
  rows.push_back(
      with_grad(row(
                    "cat", kAllDTypes, cat_samples,
                    [](const Sample& s) { return one(ops::cat(s.inputs, s.ints[0])); }, ref_cat),
                [](const Sample& s) { return one(mica::cat(s.inputs, s.ints[0])); }));
  rows.push_back(with_grad(
      row(
          "stack", kAllDTypes, stack_samples,
          [](const Sample& s) { return one(ops::stack(s.inputs, s.ints[0])); }, ref_stack),
      [](const Sample& s) { return one(mica::stack(s.inputs, s.ints[0])); }));
  rows.push_back(
      with_grad(row(
                    "split", kAllDTypes, split_samples,
                    [](const Sample& s) { return ops::split(s.inputs[0], s.ints[1], s.ints[0]); },
                    [](const Sample& s) {
                      const Tensor& t = s.inputs[0];
                      const int64_t d = wrap(s.ints[0], t.dim());
                      return ref_pieces(t, d, split_lengths(t.size(d), s.ints[1]));
                    }),
                [](const Sample& s) { return mica::split(s.inputs[0], s.ints[1], s.ints[0]); }));
  auto sizes_arg = [](const Sample& s) {
    return std::vector<int64_t>(s.ints.begin() + 1, s.ints.end());
  };
  rows.push_back(with_grad(
      row(
          "split_sizes", kAllDTypes, split_sizes_samples,
          [sizes_arg](const Sample& s) { return ops::split(s.inputs[0], sizes_arg(s), s.ints[0]); },
          [sizes_arg](const Sample& s) {
            const Tensor& t = s.inputs[0];
            return ref_pieces(t, wrap(s.ints[0], t.dim()), sizes_arg(s));
          }),
      [sizes_arg](const Sample& s) { return mica::split(s.inputs[0], sizes_arg(s), s.ints[0]); }));
  rows.push_back(with_grad(
      row(
          "chunk", kAllDTypes, chunk_samples,
          [](const Sample& s) { return ops::chunk(s.inputs[0], s.ints[1], s.ints[0]); }, ref_chunk),
      [](const Sample& s) { return mica::chunk(s.inputs[0], s.ints[1], s.ints[0]); }));
  rows.push_back(with_grad(
      row(
          "repeat", kAllDTypes, repeat_samples,
          [](const Sample& s) { return one(ops::repeat(s.inputs[0], s.ints)); }, ref_repeat),
      [](const Sample& s) { return one(mica::repeat(s.inputs[0], s.ints)); }));
  auto dim_arg = [](const Sample& s) {
    return s.ints[0] == kNoDim ? std::nullopt : std::optional<int64_t>(s.ints[0]);
  };
  rows.push_back(with_grad(
      row(
          "repeat_interleave", kAllDTypes,
          [](DType dt, std::mt19937_64& rng) { return repeat_interleave_samples(dt, rng, false); },
          [dim_arg](const Sample& s) {
            return one(ops::repeat_interleave(s.inputs[0], s.ints[1], dim_arg(s)));
          },
          ref_repeat_interleave),
      [dim_arg](const Sample& s) {
        return one(mica::repeat_interleave(s.inputs[0], s.ints[1], dim_arg(s)));
      }));
  rows.push_back(with_grad(
      row(
          "repeat_interleave_tensor", kAllDTypes,
          [](DType dt, std::mt19937_64& rng) { return repeat_interleave_samples(dt, rng, true); },
          [dim_arg](const Sample& s) {
            return one(ops::repeat_interleave(s.inputs[0], s.inputs[1], dim_arg(s)));
          },
          ref_repeat_interleave),
      [dim_arg](const Sample& s) {
        return one(mica::repeat_interleave(s.inputs[0], s.inputs[1], dim_arg(s)));
      }));
  rows.push_back(
      with_grad(row(
                    "flip", kAllDTypes, flip_samples,
                    [](const Sample& s) { return one(ops::flip(s.inputs[0], s.ints)); }, ref_flip),
                [](const Sample& s) { return one(mica::flip(s.inputs[0], s.ints)); }));
  auto shifts_arg = [](const Sample& s) {
    return Shape(s.ints.begin() + 1, s.ints.begin() + 1 + s.ints[0]);
  };
  auto dims_arg = [](const Sample& s) {
    return Shape(s.ints.begin() + 1 + s.ints[0], s.ints.end());
  };
  rows.push_back(with_grad(
      row(
          "roll", kAllDTypes, roll_samples,
          [=](const Sample& s) { return one(ops::roll(s.inputs[0], shifts_arg(s), dims_arg(s))); },
          ref_roll),
      [=](const Sample& s) { return one(mica::roll(s.inputs[0], shifts_arg(s), dims_arg(s))); }));
  rows.push_back(
      with_grad(row(
                    "tril", kAllDTypes, triangle_samples,
                    [](const Sample& s) { return one(ops::tril(s.inputs[0], s.ints[0])); },
                    [](const Sample& s) { return ref_triangle(s, false); }),
                [](const Sample& s) { return one(mica::tril(s.inputs[0], s.ints[0])); }));
  rows.push_back(
      with_grad(row(
                    "triu", kAllDTypes, triangle_samples,
                    [](const Sample& s) { return one(ops::triu(s.inputs[0], s.ints[0])); },
                    [](const Sample& s) { return ref_triangle(s, true); }),
                [](const Sample& s) { return one(mica::triu(s.inputs[0], s.ints[0])); }));
  auto pads_arg = [](const Sample& s) { return Shape(s.ints.begin() + 1, s.ints.end()); };
  auto mode_arg = [](const Sample& s) { return static_cast<ops::PadMode>(s.ints[0]); };
  for (auto [name, mode] : {std::pair{"pad_constant", ops::PadMode::Constant},
                            std::pair{"pad_reflect", ops::PadMode::Reflect},
                            std::pair{"pad_replicate", ops::PadMode::Replicate}}) {
    rows.push_back(with_grad(
        row(
            name, kAllDTypes,
            [mode](DType dt, std::mt19937_64& rng) { return pad_samples(dt, rng, mode); },
            [=](const Sample& s) {
              return one(ops::pad(s.inputs[0], pads_arg(s), mode_arg(s), Scalar(s.reals[0])));
            },
            ref_pad),
        [=](const Sample& s) {
          return one(mica::pad(s.inputs[0], pads_arg(s), mode_arg(s), Scalar(s.reals[0])));
        }));
  }
  return rows;
}

}  // namespace mica::test
