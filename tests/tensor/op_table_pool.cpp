// Op-table rows for pooling (max with indices, avg, adaptive avg) and upsampling (nearest,
// bilinear), and for their backward ops, part of the conv family (conv_op_infos() appends them).
// References are the definitions as float64 loops over each output element's window or source
// pixels; those of the backward ops are the adjoints of the forward references.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

#include "op_table.h"

namespace mica::test {

namespace {

// Element (p, y, x) of a [P, H, W] view of an [N, C, H, W] (or [C, H, W]) tensor.
struct Planes {
  std::vector<double> v;
  int64_t p, h, w;
  explicit Planes(const Tensor& t)
      : v(values(t)), p(t.numel() / (t.size(-1) * t.size(-2))), h(t.size(-2)), w(t.size(-1)) {}
  double operator()(int64_t i, int64_t y, int64_t x) const {
    return v[static_cast<size_t>((i * h + y) * w + x)];
  }
};

Shape with_spatial(const Tensor& x, int64_t oh, int64_t ow) {
  Shape s = x.sizes();
  s[s.size() - 2] = oh;
  s[s.size() - 1] = ow;
  return s;
}

// Number of windows: floor or ceil of (in + 2 pad - dil (k - 1) - 1) / stride, plus one; in
// ceil mode a last window starting beyond the input and its left padding is dropped.
int64_t windows(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * pad - dil * (k - 1) - 1) / stride;
  int64_t n = static_cast<int64_t>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (n - 1) * stride >= in + pad) --n;
  return n;
}

// Sample layout for pooling: ints {kH, kW, sH, sW (0: default), pH, pW, dH, dW, ceil_mode,
// count_include_pad, divisor_override (0: none)}.
struct PoolCase {
  Shape x;
  std::vector<int64_t> ints;
  int layout;  // 0 contiguous, 1 transposed, 2 strided columns
  std::string desc;
};

std::vector<Sample> pool_samples(DType dt, std::mt19937_64& rng, const std::vector<PoolCase>& cs) {
  std::vector<Sample> out;
  for (const PoolCase& c : cs) {
    Tensor x = rand_tensor(c.x, dt, rng);
    if (c.layout == 1) x = non_contiguous(x);
    if (c.layout == 2) x = strided_cols(x);
    out.push_back({{x}, c.ints, {}, shape_str(c.x) + " " + c.desc});
  }
  return out;
}

std::vector<int64_t> stride_arg(const Sample& s) {
  return s.ints[2] == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{s.ints[2], s.ints[3]};
}

OpInfo max_pool2d_row() {
  OpInfo r;
  r.name = "max_pool2d_with_indices";
  r.dtypes = kFloatingDTypes;
  r.tol = [](DType) { return Tol{0, 0}; };  // exact: a max picks an input value
  r.samples = [](DType dt, std::mt19937_64& rng) {
    return pool_samples(
        dt, rng,
        {{{2, 3, 8, 8}, {2, 2, 0, 0, 0, 0, 1, 1, 0}, 0, "k2, default stride"},
         {{1, 2, 7, 9}, {3, 3, 2, 2, 1, 1, 1, 1, 1}, 0, "k3 s2 p1 ceil_mode"},
         {{2, 2, 9, 8}, {3, 2, 2, 1, 1, 1, 2, 1, 0}, 0, "dilation [2, 1]"},
         {{2, 3, 6, 7}, {3, 3, 2, 2, 0, 0, 1, 1, 1}, 1, "ceil_mode, non-contiguous"},
         {{1, 2, 5, 6}, {2, 3, 1, 2, 1, 1, 2, 1, 1}, 2, "strided, ceil, dilation"},
         {{3, 5, 5}, {2, 2, 1, 1, 0, 0, 1, 1, 0}, 0, "unbatched, overlapping"},
         {{0, 2, 4, 4}, {2, 2, 0, 0, 0, 0, 1, 1, 0}, 0, "empty batch"}});
  };
  r.run = [](const Sample& s) {
    auto [v, i] = ops::max_pool2d_with_indices(s.inputs[0], {s.ints[0], s.ints[1]}, stride_arg(s),
                                               {s.ints[4], s.ints[5]}, {s.ints[6], s.ints[7]},
                                               s.ints[8] != 0);
    return std::vector<Tensor>{v, i};
  };
  r.grad_run = [](const Sample& s) {
    auto [v, i] = mica::max_pool2d_with_indices(s.inputs[0], {s.ints[0], s.ints[1]}, stride_arg(s),
                                                {s.ints[4], s.ints[5]}, {s.ints[6], s.ints[7]},
                                                s.ints[8] != 0);
    return std::vector<Tensor>{v, i};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& xt = s.inputs[0];
    const Planes x(xt);
    const int64_t kh = s.ints[0], kw = s.ints[1];
    const int64_t sh = s.ints[2] ? s.ints[2] : kh, sw = s.ints[2] ? s.ints[3] : kw;
    const int64_t ph = s.ints[4], pw = s.ints[5], dh = s.ints[6], dw = s.ints[7];
    const bool ceil_mode = s.ints[8] != 0;
    const int64_t oh = windows(x.h, kh, ph, sh, dh, ceil_mode);
    const int64_t ow = windows(x.w, kw, pw, sw, dw, ceil_mode);
    std::vector<double> vals, idx;
    for (int64_t p = 0; p < x.p; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double best = -std::numeric_limits<double>::infinity();
          int64_t best_i = -1;
          for (int64_t ki = 0; ki < kh; ++ki)
            for (int64_t kj = 0; kj < kw; ++kj) {
              const int64_t y = oy * sh - ph + ki * dh, xx = ox * sw - pw + kj * dw;
              if (y < 0 || y >= x.h || xx < 0 || xx >= x.w) continue;
              // The first maximum in row-major window order wins ties.
              if (best_i < 0 || x(p, y, xx) > best) {
                best = x(p, y, xx);
                best_i = y * x.w + xx;
              }
            }
          vals.push_back(best);
          idx.push_back(static_cast<double>(best_i));
        }
    const Shape shape = with_spatial(xt, oh, ow);
    return std::vector<Tensor>{from_values(shape, vals), from_values(shape, idx, kInt64)};
  };
  return r;
}

OpInfo avg_pool2d_row() {
  OpInfo r;
  r.name = "avg_pool2d";
  r.dtypes = kFloatingDTypes;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    return pool_samples(
        dt, rng,
        {{{2, 3, 8, 8}, {2, 2, 0, 0, 0, 0, 1, 1, 0, 1, 0}, 0, "k2"},
         {{1, 2, 7, 9}, {3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 0}, 0, "k3 s2 p1 count_include_pad"},
         {{1, 2, 7, 9}, {3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0}, 0, "k3 s2 p1 exclude pad"},
         {{2, 2, 6, 7}, {3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0}, 1, "ceil_mode, include pad, nc"},
         {{2, 2, 6, 7}, {3, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0}, 2, "ceil_mode, exclude pad, strided"},
         {{2, 2, 5, 5}, {3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0}, 0, "ceil_mode window in right pad"},
         {{1, 3, 6, 6}, {3, 3, 1, 1, 1, 1, 1, 1, 0, 1, 5}, 0, "divisor_override 5"},
         {{3, 5, 4}, {2, 2, 1, 1, 0, 0, 1, 1, 0, 1, 0}, 0, "unbatched"},
         {{0, 2, 4, 4}, {2, 2, 0, 0, 0, 0, 1, 1, 0, 1, 0}, 0, "empty batch"}});
  };
  r.run = [](const Sample& s) {
    const std::optional<int64_t> div =
        s.ints[10] ? std::optional<int64_t>(s.ints[10]) : std::nullopt;
    return std::vector<Tensor>{ops::avg_pool2d(s.inputs[0], {s.ints[0], s.ints[1]}, stride_arg(s),
                                               {s.ints[4], s.ints[5]}, s.ints[8] != 0,
                                               s.ints[9] != 0, div)};
  };
  r.grad_run = [](const Sample& s) {
    const std::optional<int64_t> div =
        s.ints[10] ? std::optional<int64_t>(s.ints[10]) : std::nullopt;
    return std::vector<Tensor>{mica::avg_pool2d(s.inputs[0], {s.ints[0], s.ints[1]}, stride_arg(s),
                                                {s.ints[4], s.ints[5]}, s.ints[8] != 0,
                                                s.ints[9] != 0, div)};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& xt = s.inputs[0];
    const Planes x(xt);
    const int64_t kh = s.ints[0], kw = s.ints[1];
    const int64_t sh = s.ints[2] ? s.ints[2] : kh, sw = s.ints[2] ? s.ints[3] : kw;
    const int64_t ph = s.ints[4], pw = s.ints[5];
    const bool ceil_mode = s.ints[8] != 0, include_pad = s.ints[9] != 0;
    const int64_t divisor = s.ints[10];
    const int64_t oh = windows(x.h, kh, ph, sh, 1, ceil_mode);
    const int64_t ow = windows(x.w, kw, pw, sw, 1, ceil_mode);
    std::vector<double> out;
    for (int64_t p = 0; p < x.p; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double sum = 0;
          int64_t in_input = 0, in_padded = 0;
          for (int64_t ki = 0; ki < kh; ++ki)
            for (int64_t kj = 0; kj < kw; ++kj) {
              const int64_t y = oy * sh - ph + ki, xx = ox * sw - pw + kj;
              // Positions in the padded input [-p, size + p) count when padding is included.
              if (y < x.h + ph && xx < x.w + pw) ++in_padded;
              if (y < 0 || y >= x.h || xx < 0 || xx >= x.w) continue;
              sum += x(p, y, xx);
              ++in_input;
            }
          const int64_t count = divisor ? divisor : include_pad ? in_padded : in_input;
          out.push_back(sum / static_cast<double>(count));
        }
    return std::vector<Tensor>{from_values(with_spatial(xt, oh, ow), out)};
  };
  return r;
}

OpInfo adaptive_avg_pool2d_row() {
  OpInfo r;
  r.name = "adaptive_avg_pool2d";
  r.dtypes = kFloatingDTypes;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    return pool_samples(dt, rng,
                        {{{2, 3, 7, 9}, {3, 4}, 0, "-> [3, 4]"},
                         {{1, 2, 5, 5}, {5, 5}, 1, "identity, non-contiguous"},
                         {{2, 2, 4, 6}, {7, 9}, 2, "output larger than input, strided"},
                         {{1, 3, 6, 6}, {1, 1}, 0, "global"},
                         {{3, 5, 7}, {2, 3}, 0, "unbatched"},
                         {{0, 2, 4, 4}, {2, 2}, 0, "empty batch"}});
  };
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{ops::adaptive_avg_pool2d(s.inputs[0], s.ints)};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::adaptive_avg_pool2d(s.inputs[0], s.ints)};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& xt = s.inputs[0];
    const Planes x(xt);
    const int64_t oh = s.ints[0], ow = s.ints[1];
    std::vector<double> out;
    for (int64_t p = 0; p < x.p; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const auto y0 = static_cast<int64_t>(std::floor(double(oy) * x.h / oh));
          const auto y1 = static_cast<int64_t>(std::ceil(double(oy + 1) * x.h / oh));
          const auto x0 = static_cast<int64_t>(std::floor(double(ox) * x.w / ow));
          const auto x1 = static_cast<int64_t>(std::ceil(double(ox + 1) * x.w / ow));
          double sum = 0;
          for (int64_t y = y0; y < y1; ++y)
            for (int64_t xx = x0; xx < x1; ++xx) sum += x(p, y, xx);
          out.push_back(sum / static_cast<double>((y1 - y0) * (x1 - x0)));
        }
    return std::vector<Tensor>{from_values(with_spatial(xt, oh, ow), out)};
  };
  return r;
}

// Sample layout for upsampling: ints {oH, oW} (empty: use scale factors), reals {sH, sW},
// ints[2] = align_corners (bilinear).
std::vector<Sample> upsample_samples(DType dt, std::mt19937_64& rng) {
  struct U {
    Shape x;
    std::vector<int64_t> size;
    std::vector<double> scale;
    int layout;
  };
  std::vector<Sample> out;
  for (const U& u : std::vector<U>{{{1, 2, 3, 4}, {6, 8}, {}, 0},
                                   {{2, 2, 4, 5}, {7, 11}, {}, 0},
                                   {{1, 3, 7, 9}, {3, 4}, {}, 1},
                                   {{2, 1, 5, 4}, {}, {1.5, 2.5}, 0},
                                   {{1, 2, 4, 3}, {}, {2.0, 3.0}, 2},
                                   {{1, 2, 6, 6}, {}, {0.5, 0.75}, 0},
                                   {{1, 1, 3, 5}, {1, 7}, {}, 0},
                                   {{0, 2, 3, 3}, {5, 5}, {}, 0}})
    for (int64_t align : {0, 1}) {
      Tensor x = rand_tensor(u.x, dt, rng);
      if (u.layout == 1) x = non_contiguous(x);
      if (u.layout == 2) x = strided_cols(x);
      std::vector<int64_t> ints = u.size.empty() ? std::vector<int64_t>{0, 0} : u.size;
      ints.push_back(align);
      const std::string how = u.size.empty() ? "scale [" + std::to_string(u.scale[0]) + ", " +
                                                   std::to_string(u.scale[1]) + "]"
                                             : "size " + shape_str(u.size);
      out.push_back(
          {{x}, ints, u.scale, shape_str(u.x) + " " + how + (align ? " align_corners" : "")});
    }
  return out;
}

std::optional<std::vector<int64_t>> size_arg(const Sample& s) {
  if (s.reals.empty()) return std::vector<int64_t>{s.ints[0], s.ints[1]};
  return std::nullopt;
}
std::optional<std::vector<double>> scale_arg(const Sample& s) {
  if (s.reals.empty()) return std::nullopt;
  return s.reals;
}

// Output size and the source step (1 / scale when given, else in / out) per spatial dim.
void upsample_dims(const Sample& s, int64_t h, int64_t w, int64_t& oh, int64_t& ow, double& rh,
                   double& rw) {
  if (s.reals.empty()) {
    oh = s.ints[0], ow = s.ints[1];
    rh = double(h) / oh, rw = double(w) / ow;
  } else {
    oh = static_cast<int64_t>(std::floor(h * s.reals[0]));
    ow = static_cast<int64_t>(std::floor(w * s.reals[1]));
    rh = 1.0 / s.reals[0], rw = 1.0 / s.reals[1];
  }
}

OpInfo upsample_nearest2d_row() {
  OpInfo r;
  r.name = "upsample_nearest2d";
  r.dtypes = kFloatingDTypes;
  r.tol = [](DType) { return Tol{0, 0}; };  // copies input values
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> all = upsample_samples(dt, rng), out;
    for (Sample& s : all)
      if (s.ints[2] == 0) out.push_back(s);  // align_corners does not apply
    return out;
  };
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{ops::upsample_nearest2d(s.inputs[0], size_arg(s), scale_arg(s))};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::upsample_nearest2d(s.inputs[0], size_arg(s), scale_arg(s))};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& xt = s.inputs[0];
    const Planes x(xt);
    int64_t oh, ow;
    double rh, rw;
    upsample_dims(s, x.h, x.w, oh, ow, rh, rw);
    std::vector<double> out;
    for (int64_t p = 0; p < x.p; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t y = std::min(static_cast<int64_t>(std::floor(oy * rh)), x.h - 1);
          const int64_t xx = std::min(static_cast<int64_t>(std::floor(ox * rw)), x.w - 1);
          out.push_back(x(p, y, xx));
        }
    return std::vector<Tensor>{from_values(with_spatial(xt, oh, ow), out)};
  };
  return r;
}

OpInfo upsample_bilinear2d_row() {
  OpInfo r;
  r.name = "upsample_bilinear2d";
  r.dtypes = kFloatingDTypes;
  r.samples = upsample_samples;
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{
        ops::upsample_bilinear2d(s.inputs[0], size_arg(s), s.ints[2] != 0, scale_arg(s))};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{
        mica::upsample_bilinear2d(s.inputs[0], size_arg(s), s.ints[2] != 0, scale_arg(s))};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor& xt = s.inputs[0];
    const Planes x(xt);
    const bool align = s.ints[2] != 0;
    int64_t oh, ow;
    double rh, rw;
    upsample_dims(s, x.h, x.w, oh, ow, rh, rw);
    // Source coordinate of destination i: i (in - 1) / (out - 1) with align_corners, else
    // (i + 0.5) * step - 0.5 clamped at 0; neighbours floor(src) and the next one (clamped).
    auto source = [align](int64_t i, int64_t in, int64_t out, double step) {
      if (align) return out > 1 ? double(i) * (in - 1) / (out - 1) : 0.0;
      return std::max((i + 0.5) * step - 0.5, 0.0);
    };
    std::vector<double> out;
    for (int64_t p = 0; p < x.p; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const double sy = source(oy, x.h, oh, rh), sx = source(ox, x.w, ow, rw);
          const int64_t y0 = std::min(static_cast<int64_t>(std::floor(sy)), x.h - 1);
          const int64_t x0 = std::min(static_cast<int64_t>(std::floor(sx)), x.w - 1);
          const int64_t y1 = std::min(y0 + 1, x.h - 1), x1 = std::min(x0 + 1, x.w - 1);
          const double ly = std::clamp(sy - y0, 0.0, 1.0), lx = std::clamp(sx - x0, 0.0, 1.0);
          out.push_back((1 - ly) * ((1 - lx) * x(p, y0, x0) + lx * x(p, y0, x1)) +
                        ly * ((1 - lx) * x(p, y1, x0) + lx * x(p, y1, x1)));
        }
    return std::vector<Tensor>{from_values(with_spatial(xt, oh, ow), out)};
  };
  return r;
}

// ---------------- backward ops ----------------
// Sample layout: inputs {grad_output, x}, with x and the arguments of a forward row's sample
// (x gives input_sizes and, for max pooling, the indices). Only grad_output is gradchecked. The
// reference is the adjoint of the forward row's reference, grad_input[i] = <grad_output,
// forward(e_i)> over the unit inputs e_i (for max pooling: a scatter by the reference indices).

std::vector<Sample> backward_samples(const OpInfo& fwd, DType dt, std::mt19937_64& rng) {
  std::vector<Sample> out;
  for (Sample s : fwd.samples(dt, rng)) {
    const Tensor y = fwd.run(s)[0];
    Tensor g = rand_tensor(y.sizes(), dt, rng);
    if (!s.inputs[0].is_contiguous()) g = non_contiguous(g);
    s.inputs = {g, s.inputs[0]};
    s.desc = "grad of " + s.desc;
    out.push_back(s);
  }
  return out;
}

// The forward row's sample for input x.
Sample forward_sample(const Sample& s, const Tensor& x) {
  Sample f = s;
  f.inputs = {x};
  return f;
}

Tensor adjoint_reference(const OpInfo& fwd, const Sample& s) {
  const Tensor& x = s.inputs[1];
  const std::vector<double> g = values(s.inputs[0]);
  std::vector<double> gi(static_cast<size_t>(x.numel())), unit(gi.size(), 0.0);
  for (size_t i = 0; i < gi.size(); ++i) {
    unit[i] = 1.0;
    const std::vector<double> y =
        values(fwd.reference(forward_sample(s, from_values(x.sizes(), unit)))[0]);
    unit[i] = 0.0;
    double acc = 0;
    for (size_t o = 0; o < y.size(); ++o) acc += y[o] * g[o];
    gi[i] = acc;
  }
  return from_values(x.sizes(), gi);
}

using BackwardFn = std::function<Tensor(const Sample&, const Tensor& g, const Tensor& x)>;

OpInfo backward_row(const std::string& name, const OpInfo& fwd, BackwardFn raw_fn,
                    BackwardFn grad_fn) {
  OpInfo r;
  r.name = name;
  r.dtypes = kFloatingDTypes;
  r.samples = [fwd](DType dt, std::mt19937_64& rng) { return backward_samples(fwd, dt, rng); };
  r.run = [raw_fn](const Sample& s) {
    return std::vector<Tensor>{raw_fn(s, s.inputs[0], s.inputs[1])};
  };
  r.reference = [fwd](const Sample& s) { return std::vector<Tensor>{adjoint_reference(fwd, s)}; };
  r.grad_run = [grad_fn](const Sample& s) {
    return std::vector<Tensor>{grad_fn(s, s.inputs[0], s.inputs[1])};
  };
  r.grad_inputs = {0};
  r.gradgrad = true;
  return r;
}

OpInfo max_pool2d_backward_row() {
  const OpInfo fwd = max_pool2d_row();
  auto indices = [fwd](const Sample& s, const Tensor& x) {
    return fwd.run(forward_sample(s, x.detach()))[1];
  };
  OpInfo r = backward_row(
      "max_pool2d_backward", fwd,
      [indices](const Sample& s, const Tensor& g, const Tensor& x) {
        return ops::max_pool2d_backward(g, indices(s, x), x.sizes());
      },
      [indices](const Sample& s, const Tensor& g, const Tensor& x) {
        return mica::max_pool2d_backward(g, indices(s, x), x.sizes());
      });
  // Scatter by the reference's own indices (max pooling is not linear).
  r.reference = [fwd](const Sample& s) {
    const Tensor& x = s.inputs[1];
    const std::vector<double> g = values(s.inputs[0]);
    const std::vector<double> idx = values(fwd.reference(forward_sample(s, x))[1]);
    std::vector<double> gi(static_cast<size_t>(x.numel()), 0.0);
    const int64_t isz = x.size(-2) * x.size(-1);
    const int64_t osz = s.inputs[0].dim() ? s.inputs[0].size(-2) * s.inputs[0].size(-1) : 1;
    for (size_t o = 0; o < g.size(); ++o)
      gi[static_cast<size_t>(static_cast<int64_t>(o) / osz * isz + static_cast<int64_t>(idx[o]))] +=
          g[o];
    return std::vector<Tensor>{from_values(x.sizes(), gi)};
  };
  return r;
}

OpInfo avg_pool2d_backward_row() {
  auto args = [](const Sample& s) {
    return std::make_tuple(std::vector<int64_t>{s.ints[0], s.ints[1]}, stride_arg(s),
                           std::vector<int64_t>{s.ints[4], s.ints[5]}, s.ints[8] != 0,
                           s.ints[9] != 0,
                           s.ints[10] ? std::optional<int64_t>(s.ints[10]) : std::nullopt);
  };
  return backward_row(
      "avg_pool2d_backward", avg_pool2d_row(),
      [args](const Sample& s, const Tensor& g, const Tensor& x) {
        const auto [k, st, p, cm, inc, div] = args(s);
        return ops::avg_pool2d_backward(g, x.sizes(), k, st, p, cm, inc, div);
      },
      [args](const Sample& s, const Tensor& g, const Tensor& x) {
        const auto [k, st, p, cm, inc, div] = args(s);
        return mica::avg_pool2d_backward(g, x.sizes(), k, st, p, cm, inc, div);
      });
}

OpInfo adaptive_avg_pool2d_backward_row() {
  return backward_row(
      "adaptive_avg_pool2d_backward", adaptive_avg_pool2d_row(),
      [](const Sample&, const Tensor& g, const Tensor& x) {
        return ops::adaptive_avg_pool2d_backward(g, x.sizes());
      },
      [](const Sample&, const Tensor& g, const Tensor& x) {
        return mica::adaptive_avg_pool2d_backward(g, x.sizes());
      });
}

OpInfo upsample_nearest2d_backward_row() {
  return backward_row(
      "upsample_nearest2d_backward", upsample_nearest2d_row(),
      [](const Sample& s, const Tensor& g, const Tensor& x) {
        return ops::upsample_nearest2d_backward(g, x.sizes(), scale_arg(s));
      },
      [](const Sample& s, const Tensor& g, const Tensor& x) {
        return mica::upsample_nearest2d_backward(g, x.sizes(), scale_arg(s));
      });
}

OpInfo upsample_bilinear2d_backward_row() {
  return backward_row(
      "upsample_bilinear2d_backward", upsample_bilinear2d_row(),
      [](const Sample& s, const Tensor& g, const Tensor& x) {
        return ops::upsample_bilinear2d_backward(g, x.sizes(), s.ints[2] != 0, scale_arg(s));
      },
      [](const Sample& s, const Tensor& g, const Tensor& x) {
        return mica::upsample_bilinear2d_backward(g, x.sizes(), s.ints[2] != 0, scale_arg(s));
      });
}

}  // namespace

std::vector<OpInfo> pool_op_infos() {
  return {max_pool2d_row(),
          avg_pool2d_row(),
          adaptive_avg_pool2d_row(),
          upsample_nearest2d_row(),
          upsample_bilinear2d_row(),
          max_pool2d_backward_row(),
          avg_pool2d_backward_row(),
          adaptive_avg_pool2d_backward_row(),
          upsample_nearest2d_backward_row(),
          upsample_bilinear2d_backward_row()};
}

}  // namespace mica::test
