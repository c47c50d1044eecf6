// Op-table rows for the non-spatial nn family (softmax, normalization, NLL/cross-entropy):
// each op against a float64 reference written with naive loops over row-major values.
#include <cmath>
#include <limits>
#include <numbers>

#include "op_table.h"

namespace mica::test {

namespace {
using Vec = std::vector<double>;

// ---- shared pieces ----
Tol loose_tol(DType t) {  // reductions over rows: a little more rounding than pointwise
  Tol tol = default_tol(t);
  if (t == kFloat32) tol = {2e-5, 2e-5};
  return tol;
}

// Row-major sizes as (outer, size of dim, inner) for dim d.
struct Split {
  int64_t outer = 1, size = 1, inner = 1;
};
Split split_at(const Shape& s, int64_t d) {
  Split r;
  for (int64_t i = 0; i < static_cast<int64_t>(s.size()); ++i) {
    if (i < d) r.outer *= s[i];
    if (i == d) r.size = s[i];
    if (i > d) r.inner *= s[i];
  }
  return r;
}

DType stat_dtype(DType t) {
  return t == kFloat16 || t == kBFloat16 ? kFloat32 : t;
}

Tensor opt(const Sample& s, size_t i) {
  return i < s.inputs.size() ? s.inputs[i] : Tensor();
}

// ---- softmax ----
Tensor ref_softmax(const Tensor& x, int64_t dim, bool log) {
  const Vec v = values(x);
  const int64_t d = x.dim() == 0 ? 0 : (dim < 0 ? dim + x.dim() : dim);
  const Split sp = x.dim() == 0 ? Split{} : split_at(x.sizes(), d);
  Vec out(v.size());
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t i = 0; i < sp.inner; ++i) {
      auto idx = [&](int64_t k) { return static_cast<size_t>((o * sp.size + k) * sp.inner + i); };
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < sp.size; ++k) m = std::max(m, v[idx(k)]);
      double sum = 0;
      for (int64_t k = 0; k < sp.size; ++k) sum += std::exp(v[idx(k)] - m);
      for (int64_t k = 0; k < sp.size; ++k)
        out[idx(k)] = log ? v[idx(k)] - m - std::log(sum) : std::exp(v[idx(k)] - m) / sum;
    }
  return from_values(x.sizes(), out);
}

std::vector<Sample> softmax_samples(DType dt, std::mt19937_64& rng, bool large) {
  std::vector<Sample> s;
  if (large) {  // logits around +-1000: exp would overflow without max subtraction
    s.push_back({{rand_tensor({3, 300}, dt, rng, 990, 1010)}, {1}, {}, "[3, 300] ~1000 dim 1"});
    s.push_back(
        {{rand_tensor({4, 5, 3}, dt, rng, -1010, -990)}, {1}, {}, "[4, 5, 3] ~-1000 dim 1"});
    s.push_back({{rand_tensor({2, 70}, dt, rng, 990, 1010)}, {0}, {}, "[2, 70] ~1000 dim 0"});
    return s;
  }
  const std::vector<std::pair<Shape, int64_t>> cases{
      {{}, 0},         {{7}, 0},      {{3, 4}, -1}, {{3, 4}, 0}, {{2, 3, 5}, 1}, {{2, 3, 5}, 0},
      {{2, 3, 70}, 1}, {{4, 600}, 1}, {{0, 3}, 1},  {{3, 0}, 1}, {{3, 0}, 0}};
  for (const auto& [shape, dim] : cases)
    s.push_back({{rand_tensor(shape, dt, rng, -4, 4)},
                 {dim},
                 {},
                 shape_str(shape) + " dim " + std::to_string(dim)});
  for (int64_t dim : {0, 1})
    s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng, -4, 4))},
                 {dim},
                 {},
                 "[4, 5] non-contiguous dim " + std::to_string(dim)});
  s.push_back({{rand_tensor({2, 6, 4}, dt, rng, -4, 4).permute({2, 0, 1})},
               {2},
               {},
               "[4, 2, 6] permuted dim 2"});
  return s;
}

OpInfo softmax_row(const std::string& name, bool log, bool large) {
  OpInfo info;
  info.name = name;
  info.dtypes = kFloatingDTypes;
  info.samples = [large](DType dt, std::mt19937_64& rng) {
    return softmax_samples(dt, rng, large);
  };
  info.run = [log](const Sample& s) {
    return std::vector<Tensor>{log ? ops::log_softmax(s.inputs[0], s.ints[0])
                                   : ops::softmax(s.inputs[0], s.ints[0])};
  };
  info.reference = [log](const Sample& s) {
    return std::vector<Tensor>{ref_softmax(s.inputs[0], s.ints[0], log)};
  };
  info.grad_run = [log](const Sample& s) {
    return std::vector<Tensor>{log ? mica::log_softmax(s.inputs[0], s.ints[0])
                                   : mica::softmax(s.inputs[0], s.ints[0])};
  };
  info.gradgrad = !large;  // the large-logit rows: first order (same backward, big samples)
  info.tol = loose_tol;
  if (large && log)  // log-probs are x - lse with |x| ~ 1000: absolute error ~ 1000 * epsilon
    info.tol = [](DType t) {
      return t == kFloat32 ? Tol{3e-4, 1e-5} : t == kFloat64 ? Tol{1e-10, 1e-10} : default_tol(t);
    };
  return info;
}

// The raw first-order GELU backward (autograd's GeluBackward without create_graph): inputs grad
// and x, reference grad * gelu'(x) in float64 for the erf and the tanh forms.
OpInfo gelu_backward_row(const std::string& name, bool tanh_form) {
  OpInfo info;
  info.name = name;
  info.dtypes = kFloatingDTypes;
  info.differentiable = false;  // raw kernel; its differentiable form is gelu's backward
  info.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> out;
    for (Sample s : unary_samples(dt, rng, -5, 5)) {
      const Tensor& x = s.inputs[0];
      Tensor g = rand_tensor(x.sizes(), dt, rng, -2, 2);
      if (!x.is_contiguous()) g = non_contiguous(g);
      s.inputs = {g, x};
      out.push_back(std::move(s));
    }
    return out;
  };
  info.run = [tanh_form](const Sample& s) {
    return std::vector<Tensor>{
        ops::gelu_backward(s.inputs[0], s.inputs[1], tanh_form ? "tanh" : "none")};
  };
  info.reference = [tanh_form](const Sample& s) {
    const Vec g = values(s.inputs[0]), x = values(s.inputs[1]);
    Vec out(g.size());
    const double k = std::sqrt(2 / std::numbers::pi);
    for (size_t i = 0; i < g.size(); ++i) {
      const double v = x[i];
      double d;
      if (tanh_form) {
        const double t = std::tanh(k * (v + 0.044715 * v * v * v));
        d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
      } else {
        d = 0.5 * (1 + std::erf(v / std::sqrt(2.0))) +
            v * std::exp(-0.5 * v * v) / std::sqrt(2 * std::numbers::pi);
      }
      out[i] = g[i] * d;
    }
    return std::vector<Tensor>{from_values(s.inputs[0].sizes(), out)};
  };
  return info;
}

// The raw first-order backward of softmax / log_softmax (autograd's SoftmaxBackward without
// create_graph): inputs grad and y (a softmax output, or log-probabilities for log), reference
// y * (g - sum(g * y)) or g - exp(y) * sum(g) along dim, in float64.
OpInfo softmax_backward_row(const std::string& name, bool log) {
  OpInfo info;
  info.name = name;
  info.dtypes = kFloatingDTypes;
  info.differentiable = false;  // raw kernel; its differentiable form is softmax's backward
  info.samples = [log](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> out;
    for (Sample s : softmax_samples(dt, rng, false)) {
      const Tensor& x = s.inputs[0];
      Tensor y = log ? ops::log_softmax(x, s.ints[0]) : ops::softmax(x, s.ints[0]);
      if (!x.is_contiguous()) y = non_contiguous(y);  // keep the sample's layout
      Tensor g = rand_tensor(x.sizes(), dt, rng, -2, 2);
      s.inputs = {g, y};
      out.push_back(std::move(s));
    }
    return out;
  };
  info.run = [log](const Sample& s) {
    return std::vector<Tensor>{ops::softmax_backward(s.inputs[0], s.inputs[1], s.ints[0], log)};
  };
  info.reference = [log](const Sample& s) {
    const Tensor& g = s.inputs[0];
    const Vec gv = values(g), yv = values(s.inputs[1]);
    const int64_t d = g.dim() == 0 ? 0 : (s.ints[0] < 0 ? s.ints[0] + g.dim() : s.ints[0]);
    const Split sp = g.dim() == 0 ? Split{} : split_at(g.sizes(), d);
    Vec out(gv.size());
    for (int64_t o = 0; o < sp.outer; ++o)
      for (int64_t i = 0; i < sp.inner; ++i) {
        auto idx = [&](int64_t k) { return static_cast<size_t>((o * sp.size + k) * sp.inner + i); };
        double acc = 0;
        for (int64_t k = 0; k < sp.size; ++k) acc += log ? gv[idx(k)] : gv[idx(k)] * yv[idx(k)];
        for (int64_t k = 0; k < sp.size; ++k)
          out[idx(k)] =
              log ? gv[idx(k)] - std::exp(yv[idx(k)]) * acc : yv[idx(k)] * (gv[idx(k)] - acc);
      }
    return std::vector<Tensor>{from_values(g.sizes(), out)};
  };
  info.tol = loose_tol;
  return info;
}

// ---- layer_norm / rms_norm ----
// inputs: x, weight, bias (either may be undefined); ints: {number of normalized dims}.
std::vector<Sample> row_norm_samples(DType dt, std::mt19937_64& rng, bool with_bias) {
  std::vector<Sample> s;
  auto add = [&](Tensor x, int64_t k, bool affine, std::string desc) {
    const Shape ns(x.sizes().end() - k, x.sizes().end());
    Sample smp{{x, Tensor(), Tensor()}, {k}, {1e-5}, desc};
    if (affine) {
      smp.inputs[1] = rand_tensor(ns, dt, rng, 0.5, 1.5);
      if (with_bias) smp.inputs[2] = rand_tensor(ns, dt, rng, -1, 1);
    }
    s.push_back(smp);
  };
  add(rand_tensor({3, 4}, dt, rng), 1, true, "[3, 4] over [4] affine");
  add(rand_tensor({2, 3, 5}, dt, rng), 2, true, "[2, 3, 5] over [3, 5] affine");
  add(rand_tensor({2, 3, 5}, dt, rng, 1, 3), 1, false, "[2, 3, 5] over [5] plain");
  add(rand_tensor({7}, dt, rng), 1, true, "[7] over [7]");
  add(rand_tensor({4, 300}, dt, rng), 1, true, "[4, 300] over [300]");
  add(non_contiguous(rand_tensor({4, 6}, dt, rng)), 1, true, "[4, 6] non-contiguous");
  s.back().inputs[1] = non_contiguous(rand_tensor({6}, dt, rng, 0.5, 1.5));
  add(rand_tensor({0, 4}, dt, rng), 1, true, "[0, 4] zero-size");
  return s;
}

// mean/var (or mean square) of each row of the trailing m values.
struct RowRef {
  Tensor out, mean, rstd;
};
RowRef ref_row_norm(const Sample& s, bool rms, double eps) {
  const Tensor& x = s.inputs[0];
  const int64_t k = s.ints[0];
  const Vec v = values(x);
  const Tensor w = opt(s, 1), b = opt(s, 2);
  const Vec wv = w.defined() ? values(w) : Vec(), bv = b.defined() ? values(b) : Vec();
  int64_t m = 1;
  Shape stat_shape = x.sizes();
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) {
    m *= x.size(i);
    stat_shape[static_cast<size_t>(i)] = 1;
  }
  const int64_t rows = m ? x.numel() / m : 0;
  Vec out(v.size()), mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    double mu = 0, sq = 0;
    for (int64_t i = 0; i < m; ++i) mu += v[static_cast<size_t>(r * m + i)];
    mu /= static_cast<double>(m);
    for (int64_t i = 0; i < m; ++i) {
      const double d = v[static_cast<size_t>(r * m + i)] - (rms ? 0.0 : mu);
      sq += d * d;
    }
    const double rs = 1.0 / std::sqrt(sq / static_cast<double>(m) + eps);
    mean[static_cast<size_t>(r)] = mu;
    rstd[static_cast<size_t>(r)] = rs;
    for (int64_t i = 0; i < m; ++i) {
      const size_t j = static_cast<size_t>(r * m + i);
      out[j] = (v[j] - (rms ? 0.0 : mu)) * rs * (wv.empty() ? 1.0 : wv[static_cast<size_t>(i)]) +
               (bv.empty() ? 0.0 : bv[static_cast<size_t>(i)]);
    }
  }
  return {from_values(x.sizes(), out), from_values(stat_shape, mean),
          from_values(stat_shape, rstd)};
}

Shape trailing(const Tensor& x, int64_t k) {
  return Shape(x.sizes().end() - k, x.sizes().end());
}

OpInfo layer_norm_row() {
  OpInfo info;
  info.name = "layer_norm";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) { return row_norm_samples(dt, rng, true); };
  info.run = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    const auto f =
        ops::layer_norm_forward(x, trailing(x, s.ints[0]), s.inputs[1], s.inputs[2], s.reals[0]);
    return std::vector<Tensor>{f.out, f.mean, f.rstd};
  };
  info.reference = [](const Sample& s) {
    const RowRef r = ref_row_norm(s, false, s.reals[0]);
    return std::vector<Tensor>{r.out, r.mean, r.rstd};
  };
  // mean and rstd are raw statistics, not differentiable outputs of mica::layer_norm
  info.grad_run = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    return std::vector<Tensor>{
        mica::layer_norm(x, trailing(x, s.ints[0]), s.inputs[1], s.inputs[2], s.reals[0])};
  };
  info.gradgrad = true;
  info.tol = loose_tol;
  return info;
}

OpInfo rms_norm_row() {
  OpInfo info;
  info.name = "rms_norm";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) {
    auto s = row_norm_samples(dt, rng, false);
    for (size_t i = 0; i < s.size(); i += 2) s[i].reals = {};  // default eps on every other
    return s;
  };
  info.run = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    std::optional<double> eps;
    if (!s.reals.empty()) eps = s.reals[0];
    const auto f = ops::rms_norm_forward(x, trailing(x, s.ints[0]), s.inputs[1], eps);
    return std::vector<Tensor>{f.out, f.rstd};
  };
  info.reference = [](const Sample& s) {
    const double eps = !s.reals.empty()      ? s.reals[0]
                       : s.dtype == kFloat64 ? std::numeric_limits<double>::epsilon()
                                             : std::numeric_limits<float>::epsilon();
    const RowRef r = ref_row_norm(s, true, eps);
    return std::vector<Tensor>{r.out, r.rstd};
  };
  info.grad_run = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    std::optional<double> eps;
    if (!s.reals.empty()) eps = s.reals[0];
    return std::vector<Tensor>{mica::rms_norm(x, trailing(x, s.ints[0]), s.inputs[1], eps)};
  };
  info.gradgrad = true;
  info.tol = loose_tol;
  return info;
}

// ---- group_norm ----
// inputs: x [N, C, *], weight, bias; ints: {groups}.
OpInfo group_norm_row() {
  OpInfo info;
  info.name = "group_norm";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    auto add = [&](Tensor x, int64_t g, bool affine, std::string desc) {
      Sample smp{{x, Tensor(), Tensor()}, {g}, {1e-5}, desc};
      if (affine) {
        smp.inputs[1] = rand_tensor({x.size(1)}, dt, rng, 0.5, 1.5);
        smp.inputs[2] = rand_tensor({x.size(1)}, dt, rng, -1, 1);
      }
      s.push_back(smp);
    };
    add(rand_tensor({2, 6, 3}, dt, rng), 3, true, "[2, 6, 3] G=3 affine");
    add(rand_tensor({3, 4}, dt, rng), 2, true, "[3, 4] G=2 affine");
    add(rand_tensor({2, 6, 2, 3}, dt, rng, 0, 4), 2, false, "[2, 6, 2, 3] G=2 plain");
    add(rand_tensor({2, 4, 5}, dt, rng), 4, true, "[2, 4, 5] G=C");
    add(rand_tensor({1, 4, 5}, dt, rng), 1, true, "[1, 4, 5] G=1");
    add(non_contiguous(rand_tensor({2, 4, 5}, dt, rng)), 2, true, "[2, 4, 5] non-contiguous");
    add(rand_tensor({0, 4, 3}, dt, rng), 2, true, "[0, 4, 3] zero-size");
    return s;
  };
  info.run = [](const Sample& s) {
    const auto f =
        ops::group_norm_forward(s.inputs[0], s.ints[0], s.inputs[1], s.inputs[2], s.reals[0]);
    return std::vector<Tensor>{f.out, f.mean, f.rstd};
  };
  info.reference = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    const int64_t n = x.size(0), c = x.size(1), g = s.ints[0];
    const int64_t hw = c ? x.numel() / std::max<int64_t>(n * c, 1) : 0;
    const Vec v = values(x);
    const Vec wv = s.inputs[1].defined() ? values(s.inputs[1]) : Vec(c, 1.0);
    const Vec bv = s.inputs[2].defined() ? values(s.inputs[2]) : Vec(c, 0.0);
    Vec out(v.size()), mean(static_cast<size_t>(n * g)), rstd(static_cast<size_t>(n * g));
    auto at_ = [&](int64_t i, int64_t ch, int64_t k) {
      return static_cast<size_t>((i * c + ch) * hw + k);
    };
    for (int64_t i = 0; i < n; ++i)
      for (int64_t gi = 0; gi < g; ++gi) {
        double sum = 0, sq = 0, cnt = 0;
        for (int64_t ch = gi * (c / g); ch < (gi + 1) * (c / g); ++ch)
          for (int64_t k = 0; k < hw; ++k) {
            sum += v[at_(i, ch, k)];
            cnt += 1;
          }
        const double mu = sum / cnt;
        for (int64_t ch = gi * (c / g); ch < (gi + 1) * (c / g); ++ch)
          for (int64_t k = 0; k < hw; ++k) sq += (v[at_(i, ch, k)] - mu) * (v[at_(i, ch, k)] - mu);
        const double rs = 1.0 / std::sqrt(sq / cnt + s.reals[0]);
        mean[static_cast<size_t>(i * g + gi)] = mu;
        rstd[static_cast<size_t>(i * g + gi)] = rs;
        for (int64_t ch = gi * (c / g); ch < (gi + 1) * (c / g); ++ch)
          for (int64_t k = 0; k < hw; ++k)
            out[at_(i, ch, k)] = (v[at_(i, ch, k)] - mu) * rs * wv[static_cast<size_t>(ch)] +
                                 bv[static_cast<size_t>(ch)];
      }
    return std::vector<Tensor>{from_values(x.sizes(), out), from_values({n, g}, mean),
                               from_values({n, g}, rstd)};
  };
  info.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{
        mica::group_norm(s.inputs[0], s.ints[0], s.inputs[1], s.inputs[2], s.reals[0])};
  };
  info.gradgrad = true;
  info.tol = loose_tol;
  return info;
}

// ---- batch_norm ----
// inputs: x [N, C, *], running_mean, running_var, weight, bias (any may be undefined but x);
// ints: {training}; reals: {momentum, eps}. Outputs: out, save_mean, save_invstd, and (when
// given) running_mean and running_var after the call.
OpInfo batch_norm_row(bool training) {
  OpInfo info;
  info.name = training ? "batch_norm_train" : "batch_norm_eval";
  info.dtypes = kFloatingDTypes;
  info.samples = [training](DType dt, std::mt19937_64& rng) {
    // 16-bit models keep float32 running statistics: test that mix
    const DType sdt = stat_dtype(dt);
    std::vector<Sample> s;
    auto add = [&](Tensor x, bool stats, bool affine, double momentum, std::string desc) {
      const int64_t c = x.size(1);
      Sample smp{{x, Tensor(), Tensor(), Tensor(), Tensor()}, {training}, {momentum, 1e-5}, desc};
      if (stats) {
        smp.inputs[1] = rand_tensor({c}, sdt, rng, -1, 1);
        smp.inputs[2] = rand_tensor({c}, sdt, rng, 0.5, 2);
      }
      if (affine) {
        smp.inputs[3] = rand_tensor({c}, dt, rng, 0.5, 1.5);
        smp.inputs[4] = rand_tensor({c}, dt, rng, -1, 1);
      }
      s.push_back(smp);
    };
    add(rand_tensor({4, 3, 5}, dt, rng), true, true, 0.1, "[4, 3, 5] affine");
    add(rand_tensor({6, 3}, dt, rng, 1, 3), true, false, 0.3, "[6, 3] plain momentum 0.3");
    add(rand_tensor({2, 4, 3, 3}, dt, rng), true, true, 0.1, "[2, 4, 3, 3]");
    add(non_contiguous(rand_tensor({5, 4, 3}, dt, rng)), true, true, 0.1, "[5, 4, 3] non-contig");
    add(rand_tensor({3, 2, 0}, dt, rng), true, true, 0.1, "[3, 2, 0] zero-size");
    if (training) {
      add(rand_tensor({4, 3, 2}, dt, rng), false, true, 0.1, "[4, 3, 2] no running stats");
      add(rand_tensor({2, 3}, dt, rng), true, true, 1.0, "[2, 3] momentum 1");
      s.back().inputs[1] = non_contiguous(s.back().inputs[1]);  // strided running_mean
    } else {
      add(rand_tensor({0, 3}, dt, rng), true, false, 0.1, "[0, 3] empty batch");
    }
    return s;
  };
  info.run = [](const Sample& s) {
    // the op updates running stats in place: run on copies, return them as outputs
    const Tensor rm = s.inputs[1].defined() ? s.inputs[1].clone() : Tensor();
    Tensor rv = s.inputs[2].defined() ? s.inputs[2].clone() : Tensor();
    if (rm.defined() && !s.inputs[1].is_contiguous()) {
      Tensor strided = non_contiguous(rm);
      const auto f = ops::batch_norm_forward(s.inputs[0], strided, rv, s.inputs[3], s.inputs[4],
                                             s.ints[0] != 0, s.reals[0], s.reals[1]);
      return std::vector<Tensor>{f.out, f.save_mean, f.save_invstd, strided, rv};
    }
    const auto f = ops::batch_norm_forward(s.inputs[0], rm, rv, s.inputs[3], s.inputs[4],
                                           s.ints[0] != 0, s.reals[0], s.reals[1]);
    std::vector<Tensor> out{f.out, f.save_mean, f.save_invstd};
    if (rm.defined()) out.insert(out.end(), {rm, rv});
    return out;
  };
  info.reference = [](const Sample& s) {
    const Tensor& x = s.inputs[0];
    const bool training = s.ints[0] != 0;
    const double momentum = s.reals[0], eps = s.reals[1];
    const int64_t n = x.size(0), c = x.size(1);
    const int64_t hw = n * c != 0 ? x.numel() / (n * c) : 0;
    const int64_t count = n * hw;
    const Vec v = values(x);
    const bool stats = s.inputs[1].defined();
    Vec rm = stats ? values(s.inputs[1]) : Vec(), rv = stats ? values(s.inputs[2]) : Vec();
    const Vec wv = s.inputs[3].defined() ? values(s.inputs[3]) : Vec(c, 1.0);
    const Vec bv = s.inputs[4].defined() ? values(s.inputs[4]) : Vec(c, 0.0);
    Vec out(v.size()), mean(static_cast<size_t>(c)), invstd(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t cs = static_cast<size_t>(ch);
      double mu, var;
      if (training) {
        double sum = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t k = 0; k < hw; ++k) sum += v[static_cast<size_t>((i * c + ch) * hw + k)];
        mu = sum / static_cast<double>(count);
        double sq = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t k = 0; k < hw; ++k) {
            const double d = v[static_cast<size_t>((i * c + ch) * hw + k)] - mu;
            sq += d * d;
          }
        var = sq / static_cast<double>(count);
        if (stats && count > 0) {
          rm[cs] = (1 - momentum) * rm[cs] + momentum * mu;
          rv[cs] = (1 - momentum) * rv[cs] + momentum * sq / static_cast<double>(count - 1);
        }
      } else {
        mu = rm[cs];
        var = rv[cs];
      }
      mean[cs] = mu;
      invstd[cs] = 1.0 / std::sqrt(var + eps);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < hw; ++k) {
          const size_t j = static_cast<size_t>((i * c + ch) * hw + k);
          out[j] = (v[j] - mu) * invstd[cs] * wv[cs] + bv[cs];
        }
    }
    std::vector<Tensor> res{from_values(x.sizes(), out), from_values({c}, mean),
                            from_values({c}, invstd)};
    if (stats) res.insert(res.end(), {from_values({c}, rm), from_values({c}, rv)});
    return res;
  };
  // The output only (the statistics are not differentiable outputs); running statistics are
  // updated on copies and never get gradients: checked w.r.t. x, weight and bias.
  info.grad_run = [](const Sample& s) {
    const Tensor rm = s.inputs[1].defined() ? s.inputs[1].detach().clone() : Tensor();
    const Tensor rv = s.inputs[2].defined() ? s.inputs[2].detach().clone() : Tensor();
    return std::vector<Tensor>{mica::batch_norm(s.inputs[0], rm, rv, s.inputs[3], s.inputs[4],
                                                s.ints[0] != 0, s.reals[0], s.reals[1])};
  };
  info.grad_inputs = {0, 3, 4};
  info.gradgrad = true;
  info.tol = loose_tol;
  return info;
}

// ---- losses ----
// inputs: input [N, C, d...] / [C], target, weight (may be undefined);
// ints: {reduction (0 none, 1 mean, 2 sum), ignore_index}; reals: {label_smoothing}.
ops::Reduction reduction_of(int64_t r) {
  return r == 0 ? ops::Reduction::None : r == 1 ? ops::Reduction::Mean : ops::Reduction::Sum;
}

// Class-index targets in [0, classes) with about a fifth replaced by ignore_index.
Tensor index_target(const Shape& shape, int64_t classes, int64_t ignore, std::mt19937_64& rng,
                    bool with_ignored = true) {
  Vec v(static_cast<size_t>(shape_numel(shape)));
  std::uniform_int_distribution<int64_t> cls(0, std::max<int64_t>(classes - 1, 0));
  std::bernoulli_distribution drop(0.2);
  for (double& t : v) t = static_cast<double>(with_ignored && drop(rng) ? ignore : cls(rng));
  return from_values(shape, v, kInt64);
}

// The (input, target) batch layout: for each row of the batch shape, the input index of class c.
struct LossRef {
  Shape batch;
  int64_t classes;
  std::vector<int64_t> input_index(int64_t row, int64_t c) const {
    std::vector<int64_t> b = unravel(row, batch), idx;
    if (b.empty()) return {c};
    idx.push_back(b[0]);
    idx.push_back(c);
    idx.insert(idx.end(), b.begin() + 1, b.end());
    return idx;
  }
};
LossRef loss_ref_layout(const Tensor& input) {
  LossRef l{{}, input.size(input.dim() == 1 ? 0 : 1)};
  for (int64_t i = 0; i < input.dim(); ++i)
    if (i != (input.dim() == 1 ? 0 : 1)) l.batch.push_back(input.size(i));
  return l;
}

// log_softmax of row r of logits (naive, double).
Vec ref_log_probs(const Tensor& input, const LossRef& l, int64_t r) {
  Vec row(static_cast<size_t>(l.classes));
  double m = -std::numeric_limits<double>::infinity(), sum = 0;
  for (int64_t c = 0; c < l.classes; ++c) {
    row[static_cast<size_t>(c)] = at(input, l.input_index(r, c));
    m = std::max(m, row[static_cast<size_t>(c)]);
  }
  for (double x : row) sum += std::exp(x - m);
  for (double& x : row) x -= m + std::log(sum);
  return row;
}

std::vector<Tensor> reduce_ref(const Vec& loss, double total_weight, const Shape& batch,
                               const Sample& s) {
  const int64_t red = s.ints[0];
  double sum = 0;
  for (double x : loss) sum += x;
  Tensor out =
      red == 0 ? from_values(batch, loss) : from_values({}, {red == 1 ? sum / total_weight : sum});
  return {out, from_values({}, {total_weight})};
}

// log_softmax-fused: logits; else input already holds log-probabilities (nll_loss).
std::vector<Tensor> ref_index_loss(const Sample& s, bool logits) {
  const Tensor& input = s.inputs[0];
  const Tensor& target = s.inputs[1];
  const Tensor w = opt(s, 2);
  const int64_t ignore = s.ints[1];
  const double eps = s.reals.empty() ? 0.0 : s.reals[0];
  const LossRef l = loss_ref_layout(input);
  const int64_t rows = shape_numel(l.batch);
  Vec loss(static_cast<size_t>(rows)), lse(static_cast<size_t>(rows));
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    Vec lp(static_cast<size_t>(l.classes));
    if (logits) {
      lp = ref_log_probs(input, l, r);
      lse[static_cast<size_t>(r)] = at(input, l.input_index(r, 0)) - lp[0];
    } else {
      for (int64_t c = 0; c < l.classes; ++c)
        lp[static_cast<size_t>(c)] = at(input, l.input_index(r, c));
    }
    const auto t = static_cast<int64_t>(at(target, unravel(r, l.batch)));
    if (t == ignore) continue;
    auto wc = [&](int64_t c) { return w.defined() ? at(w, {c}) : 1.0; };
    double smooth = 0;
    for (int64_t c = 0; c < l.classes; ++c) smooth -= wc(c) * lp[static_cast<size_t>(c)];
    loss[static_cast<size_t>(r)] = (1 - eps) * -wc(t) * lp[static_cast<size_t>(t)] +
                                   eps / static_cast<double>(l.classes) * smooth;
    total += wc(t);
  }
  auto res = reduce_ref(loss, total, l.batch, s);
  if (logits) res.push_back(from_values(l.batch, lse));
  return res;
}

std::vector<Sample> index_loss_samples(DType dt, std::mt19937_64& rng, bool logits) {
  std::vector<Sample> s;
  const double lo = logits ? -4 : -6, hi = logits ? 4 : 0;
  auto add = [&](Tensor input, Tensor target, bool weighted, int64_t red, int64_t ignore,
                 double smoothing, std::string desc) {
    const int64_t classes = input.size(input.dim() == 1 ? 0 : 1);
    Tensor w = weighted ? rand_tensor({classes}, dt, rng, 0.2, 2) : Tensor();
    Sample smp{{input, target, w}, {red, ignore}, {}, desc};
    if (logits) smp.reals = {smoothing};
    s.push_back(smp);
  };
  const std::vector<double> smoothings = logits ? std::vector<double>{0.0, 0.1} : Vec{0.0};
  for (double ls : smoothings) {
    const std::string sfx = ls > 0 ? " smoothing 0.1" : "";
    for (int64_t red : {0, 1, 2})
      for (bool weighted : {false, true})
        add(rand_tensor({6, 5}, dt, rng, lo, hi), index_target({6}, 5, -100, rng), weighted, red,
            -100, ls, "[6, 5] red " + std::to_string(red) + (weighted ? " weighted" : "") + sfx);
    add(rand_tensor({2, 4, 3, 2}, dt, rng, lo, hi), index_target({2, 3, 2}, 4, -100, rng), true, 1,
        -100, ls, "[2, 4, 3, 2] weighted mean" + sfx);
    add(rand_tensor({2, 4, 3}, dt, rng, lo, hi), index_target({2, 3}, 4, -100, rng), false, 0, -100,
        ls, "[2, 4, 3] none" + sfx);
    add(rand_tensor({5}, dt, rng, lo, hi), index_target({}, 5, -100, rng, false), true, 1, -100, ls,
        "[5] 1-d weighted mean" + sfx);
    add(non_contiguous(rand_tensor({4, 6}, dt, rng, lo, hi)), index_target({4}, 6, 2, rng), true, 1,
        2, ls, "[4, 6] non-contiguous, ignore_index 2" + sfx);
  }
  add(rand_tensor({3, 4}, dt, rng, lo, hi), from_values({3}, {-100, -100, -100}, kInt64), false, 1,
      -100, 0.0, "[3, 4] all ignored mean (NaN)");
  add(rand_tensor({0, 4}, dt, rng, lo, hi), index_target({0}, 4, -100, rng), false, 1, -100, 0.0,
      "[0, 4] zero-size mean (NaN)");
  add(rand_tensor({0, 4}, dt, rng, lo, hi), index_target({0}, 4, -100, rng), true, 2, -100, 0.0,
      "[0, 4] zero-size sum");
  add(rand_tensor({0, 4}, dt, rng, lo, hi), index_target({0}, 4, -100, rng), true, 0, -100, 0.0,
      "[0, 4] zero-size none");
  if (logits) {  // logits around 1000: the fused log-sum-exp must not overflow
    add(rand_tensor({4, 300}, dt, rng, 990, 1010), index_target({4}, 300, -100, rng, false), false,
        0, -100, 0.0, "[4, 300] logits ~1000 none");
    add(rand_tensor({4, 300}, dt, rng, 990, 1010), index_target({4}, 300, -100, rng), true, 1, -100,
        0.2, "[4, 300] logits ~1000 weighted mean smoothing 0.2");
    add(rand_tensor({2, 5, 3}, dt, rng, -1010, -990), index_target({2, 3}, 5, -100, rng), false, 2,
        -100, 0.0, "[2, 5, 3] logits ~-1000 sum");
  }
  return s;
}

// Loss values are differences of ~1000-sized numbers in the large-logit samples.
Tol loss_tol(DType t) {
  return t == kFloat32 ? Tol{1e-4, 2e-5} : default_tol(t);
}

OpInfo nll_loss_row() {
  OpInfo info;
  info.name = "nll_loss";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) { return index_loss_samples(dt, rng, false); };
  info.run = [](const Sample& s) {
    const auto f = ops::nll_loss_forward(s.inputs[0], s.inputs[1], s.inputs[2],
                                         reduction_of(s.ints[0]), s.ints[1]);
    return std::vector<Tensor>{f.loss, f.total_weight};
  };
  info.reference = [](const Sample& s) { return ref_index_loss(s, false); };
  info.grad_run = [](const Sample& s) {  // the loss only; class weights get no gradient
    return std::vector<Tensor>{
        mica::nll_loss(s.inputs[0], s.inputs[1], s.inputs[2], reduction_of(s.ints[0]), s.ints[1])};
  };
  info.grad_inputs = {0};
  info.gradgrad = true;  // linear in log_probs: the second derivative is zero
  info.tol = loose_tol;
  return info;
}

OpInfo cross_entropy_row() {
  OpInfo info;
  info.name = "cross_entropy";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) { return index_loss_samples(dt, rng, true); };
  info.run = [](const Sample& s) {
    const auto f = ops::cross_entropy_forward(s.inputs[0], s.inputs[1], s.inputs[2],
                                              reduction_of(s.ints[0]), s.ints[1], s.reals[0]);
    return std::vector<Tensor>{f.loss, f.total_weight, f.lse};
  };
  info.reference = [](const Sample& s) { return ref_index_loss(s, true); };
  info.grad_run = [](const Sample& s) {  // the loss only; class weights get no gradient
    return std::vector<Tensor>{mica::cross_entropy(s.inputs[0], s.inputs[1], s.inputs[2],
                                                   reduction_of(s.ints[0]), s.ints[1], s.reals[0])};
  };
  info.grad_inputs = {0};
  info.gradgrad = true;
  info.tol = loss_tol;
  return info;
}

// Probability targets: inputs logits, target (logits' shape), weight; ints {reduction};
// reals {label_smoothing}.
OpInfo cross_entropy_probs_row() {
  OpInfo info;
  info.name = "cross_entropy_probs";
  info.dtypes = kFloatingDTypes;
  info.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> s;
    auto add = [&](Tensor logits, bool weighted, int64_t red, double ls, std::string desc) {
      const int64_t classes = logits.size(logits.dim() == 1 ? 0 : 1);
      Tensor q = rand_tensor(logits.sizes(), dt, rng, 0, 1);
      Tensor w = weighted ? rand_tensor({classes}, dt, rng, 0.2, 2) : Tensor();
      s.push_back({{logits, q, w}, {red}, {ls}, desc});
    };
    for (int64_t red : {0, 1, 2})
      add(rand_tensor({5, 4}, dt, rng, -4, 4), red == 1, red, 0.0,
          "[5, 4] red " + std::to_string(red));
    add(rand_tensor({5, 4}, dt, rng, -4, 4), true, 1, 0.3, "[5, 4] weighted mean smoothing 0.3");
    add(rand_tensor({2, 3, 4}, dt, rng, -4, 4), true, 0, 0.1, "[2, 3, 4] weighted none");
    add(rand_tensor({2, 3, 4}, dt, rng, -4, 4), false, 1, 0.0, "[2, 3, 4] mean");
    add(rand_tensor({6}, dt, rng, -4, 4), false, 2, 0.0, "[6] 1-d sum");
    add(non_contiguous(rand_tensor({4, 5}, dt, rng, -4, 4)), true, 1, 0.0,
        "[4, 5] non-contiguous logits");
    s.back().inputs[1] = non_contiguous(s.back().inputs[1]);
    add(rand_tensor({3, 300}, dt, rng, 990, 1010), false, 0, 0.0, "[3, 300] logits ~1000");
    add(rand_tensor({0, 4}, dt, rng, -4, 4), false, 1, 0.0, "[0, 4] zero-size mean (NaN)");
    return s;
  };
  info.run = [](const Sample& s) {
    const auto f = ops::cross_entropy_forward(s.inputs[0], s.inputs[1], s.inputs[2],
                                              reduction_of(s.ints[0]), -100, s.reals[0]);
    return std::vector<Tensor>{f.loss, f.total_weight, f.lse};
  };
  info.reference = [](const Sample& s) {
    const Tensor& logits = s.inputs[0];
    const Tensor w = opt(s, 2);
    const double eps = s.reals[0];
    const LossRef l = loss_ref_layout(logits);
    const int64_t rows = shape_numel(l.batch);
    Vec loss(static_cast<size_t>(rows)), lse(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const Vec lp = ref_log_probs(logits, l, r);
      if (l.classes > 0) lse[static_cast<size_t>(r)] = at(logits, l.input_index(r, 0)) - lp[0];
      for (int64_t c = 0; c < l.classes; ++c) {
        const double q =
            (1 - eps) * at(s.inputs[1], l.input_index(r, c)) + eps / static_cast<double>(l.classes);
        loss[static_cast<size_t>(r)] -=
            (w.defined() ? at(w, {c}) : 1.0) * q * lp[static_cast<size_t>(c)];
      }
    }
    auto res = reduce_ref(loss, static_cast<double>(rows), l.batch, s);
    res.push_back(from_values(l.batch, lse));
    return res;
  };
  info.grad_run = [](const Sample& s) {  // w.r.t. logits and the target probabilities
    return std::vector<Tensor>{mica::cross_entropy(s.inputs[0], s.inputs[1], s.inputs[2],
                                                   reduction_of(s.ints[0]), -100, s.reals[0])};
  };
  info.grad_inputs = {0, 1};
  info.gradgrad = true;
  info.tol = loss_tol;
  return info;
}
}  // namespace

std::vector<OpInfo> nn_op_infos() {
  return {softmax_row("softmax", false, false),
          softmax_row("log_softmax", true, false),
          softmax_row("softmax_large_logits", false, true),
          softmax_row("log_softmax_large_logits", true, true),
          softmax_backward_row("softmax_backward", false),
          softmax_backward_row("log_softmax_backward", true),
          gelu_backward_row("gelu_backward", false),
          gelu_backward_row("gelu_tanh_backward", true),
          layer_norm_row(),
          rms_norm_row(),
          group_norm_row(),
          batch_norm_row(true),
          batch_norm_row(false),
          nll_loss_row(),
          cross_entropy_row(),
          cross_entropy_probs_row()};
}

}  // namespace mica::test
