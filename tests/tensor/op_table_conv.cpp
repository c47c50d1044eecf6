// Op-table rows for the spatial family (conv1d/conv2d, conv_transpose2d, conv2d's backward ops,
// max/avg/adaptive-avg pooling, nearest/bilinear upsampling). Each reference is the op's
// definition as direct nested loops in float64 (conv_transpose2d and the input gradient in
// their scatter form).
#include <algorithm>
#include <cmath>

#include "op_table.h"

namespace mica::test {

namespace {

// 4-d element access in double.
struct View4 {
  std::vector<double> v;
  Shape s;
  explicit View4(const Tensor& t) : v(values(t)), s(t.sizes()) {}
  double operator()(int64_t a, int64_t b, int64_t c, int64_t d) const {
    return v[static_cast<size_t>(((a * s[1] + b) * s[2] + c) * s[3] + d)];
  }
};

// ---------------- convolution ----------------

// Sample layout: inputs {x, weight, bias (undefined when off)}, ints {sH, sW, pH, pW, dH, dW,
// groups, opH, opW}.
struct ConvCase {
  Shape x, w;
  std::vector<int64_t> ints;  // sH, sW, pH, pW, dH, dW, groups[, opH, opW]
  bool bias;
  int noncontig;  // 0: none, 1: input, 2: weight
  std::string desc;
  bool forward_only = false;  // too large for finite differences
};

std::vector<Sample> conv_samples(DType dt, std::mt19937_64& rng, const std::vector<ConvCase>& cs,
                                 int64_t bias_channels_dim, int64_t bias_mult_by_groups) {
  std::vector<Sample> out;
  for (const ConvCase& c : cs) {
    Tensor x = rand_tensor(c.x, dt, rng), w = rand_tensor(c.w, dt, rng);
    if (c.noncontig == 1) x = c.x.size() >= 3 && c.x.back() > 1 ? non_contiguous(x) : x;
    if (c.noncontig == 2) w = non_contiguous(w);
    if (c.noncontig == 3) x = strided_cols(x);
    Tensor b;
    const int64_t groups = c.ints[6];
    if (c.bias)
      b = rand_tensor(
          {c.w[static_cast<size_t>(bias_channels_dim)] * (bias_mult_by_groups ? groups : 1)}, dt,
          rng);
    std::vector<int64_t> ints = c.ints;
    if (ints.size() == 7) ints.insert(ints.end(), {0, 0});
    out.push_back({{x, w, b}, ints, {}, shape_str(c.x) + " * " + shape_str(c.w) + " " + c.desc});
    out.back().gradcheck = !c.forward_only;
  }
  return out;
}

std::vector<int64_t> hw(const Sample& s, size_t i) {
  return {s.ints[i], s.ints[i + 1]};
}

// out[n, co, oy, ox] = b[co] + sum x[n, g cin_g + ci, oy sH - pH + ki dH, ox sW - pW + kj dW]
//                                * w[co, ci, ki, kj]  (in-bounds taps only).
Tensor ref_conv2d(const Tensor& xt, const Tensor& wt, const Tensor& bt,
                  const std::vector<int64_t>& a) {
  const View4 x(xt), w(wt);
  const std::vector<double> b = bt.defined() ? values(bt) : std::vector<double>{};
  const int64_t sh = a[0], sw = a[1], ph = a[2], pw = a[3], dh = a[4], dw = a[5], groups = a[6];
  const int64_t n = x.s[0], h = x.s[2], wd = x.s[3];
  const int64_t co_n = w.s[0], cin_g = w.s[1], kh = w.s[2], kw = w.s[3];
  const int64_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  const int64_t ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const int64_t cout_g = co_n / groups;
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t co = 0; co < co_n; ++co)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = b.empty() ? 0.0 : b[static_cast<size_t>(co)];
          const int64_t g = co / cout_g;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                const int64_t iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x(i, g * cin_g + ci, iy, ix) * w(co, ci, ki, kj);
              }
          out.push_back(acc);
        }
  return from_values({n, co_n, oh, ow}, out);
}

// Scatter form: every x[n, ci, iy, ix] adds x * w[ci, co, ki, kj] to
// out[n, g cout_g + co, iy sH - pH + ki dH, ix sW - pW + kj dW].
Tensor ref_conv_transpose2d(const Tensor& xt, const Tensor& wt, const Tensor& bt,
                            const std::vector<int64_t>& a) {
  const View4 x(xt), w(wt);
  const int64_t sh = a[0], sw = a[1], ph = a[2], pw = a[3], dh = a[4], dw = a[5], groups = a[6];
  const int64_t oph = a[7], opw = a[8];
  const int64_t n = x.s[0], cin = x.s[1], h = x.s[2], wd = x.s[3];
  const int64_t cout_g = w.s[1], kh = w.s[2], kw = w.s[3], cin_g = cin / groups;
  const int64_t co_n = cout_g * groups;
  const int64_t oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const int64_t ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  std::vector<double> out(static_cast<size_t>(n * co_n * oh * ow), 0.0);
  auto o = [&](int64_t i, int64_t c, int64_t y, int64_t xx) -> double& {
    return out[static_cast<size_t>(((i * co_n + c) * oh + y) * ow + xx)];
  };
  if (bt.defined()) {
    const auto b = values(bt);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < co_n; ++c)
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t xx = 0; xx < ow; ++xx) o(i, c, y, xx) = b[static_cast<size_t>(c)];
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ci = 0; ci < cin; ++ci)
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < wd; ++ix)
          for (int64_t co = 0; co < cout_g; ++co)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                const int64_t y = iy * sh - ph + ki * dh, xx = ix * sw - pw + kj * dw;
                if (y < 0 || y >= oh || xx < 0 || xx >= ow) continue;
                o(i, (ci / cin_g) * cout_g + co, y, xx) += x(i, ci, iy, ix) * w(ci, co, ki, kj);
              }
  return from_values({n, co_n, oh, ow}, out);
}

// Gradient of conv2d's input, scatter form: go[n, co, oy, ox] * w[co, ci, ki, kj] lands on
// gi[n, g cin_g + ci, oy sH - pH + ki dH, ox sW - pW + kj dW].
Tensor ref_conv2d_grad_input(const Tensor& got, const Tensor& wt, const Shape& in_sizes,
                             const std::vector<int64_t>& a) {
  const View4 go(got), w(wt);
  const int64_t sh = a[0], sw = a[1], ph = a[2], pw = a[3], dh = a[4], dw = a[5], groups = a[6];
  const int64_t n = in_sizes[0], cin = in_sizes[1], h = in_sizes[2], wd = in_sizes[3];
  const int64_t co_n = w.s[0], cin_g = w.s[1], kh = w.s[2], kw = w.s[3], cout_g = co_n / groups;
  std::vector<double> gi(static_cast<size_t>(n * cin * h * wd), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t co = 0; co < co_n; ++co)
      for (int64_t oy = 0; oy < go.s[2]; ++oy)
        for (int64_t ox = 0; ox < go.s[3]; ++ox)
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                const int64_t iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const int64_t c = (co / cout_g) * cin_g + ci;
                gi[static_cast<size_t>(((i * cin + c) * h + iy) * wd + ix)] +=
                    go(i, co, oy, ox) * w(co, ci, ki, kj);
              }
  return from_values(in_sizes, gi);
}

// gw[co, ci, ki, kj] = sum over n, oy, ox of go[n, co, oy, ox] * x[n, g cin_g + ci, iy, ix].
Tensor ref_conv2d_grad_weight(const Tensor& got, const Tensor& xt, const Shape& w_sizes,
                              const std::vector<int64_t>& a) {
  const View4 go(got), x(xt);
  const int64_t sh = a[0], sw = a[1], ph = a[2], pw = a[3], dh = a[4], dw = a[5], groups = a[6];
  const int64_t co_n = w_sizes[0], cin_g = w_sizes[1], kh = w_sizes[2], kw = w_sizes[3];
  const int64_t cout_g = co_n / groups;
  std::vector<double> gw;
  for (int64_t co = 0; co < co_n; ++co)
    for (int64_t ci = 0; ci < cin_g; ++ci)
      for (int64_t ki = 0; ki < kh; ++ki)
        for (int64_t kj = 0; kj < kw; ++kj) {
          double acc = 0;
          for (int64_t i = 0; i < x.s[0]; ++i)
            for (int64_t oy = 0; oy < go.s[2]; ++oy)
              for (int64_t ox = 0; ox < go.s[3]; ++ox) {
                const int64_t iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
                if (iy < 0 || iy >= x.s[2] || ix < 0 || ix >= x.s[3]) continue;
                acc += go(i, co, oy, ox) * x(i, (co / cout_g) * cin_g + ci, iy, ix);
              }
          gw.push_back(acc);
        }
  return from_values(w_sizes, gw);
}

Tol conv_tol(DType dt) {
  if (dt == kFloat32) return {1e-4, 1e-4};
  if (dt == kFloat64) return {1e-10, 1e-10};
  return default_tol(dt);
}

// Cases for conv2d and its backward ops (x, w shapes; sH, sW, pH, pW, dH, dW, groups).
std::vector<ConvCase> conv2d_cases() {
  return {
      {{2, 3, 7, 6}, {4, 3, 3, 3}, {1, 1, 0, 0, 1, 1, 1}, true, 0, "plain, bias"},
      {{1, 4, 8, 8}, {6, 2, 3, 2}, {2, 2, 1, 1, 1, 1, 2}, false, 0, "stride 2, pad 1, groups 2"},
      {{2, 2, 9, 7}, {3, 2, 3, 3}, {2, 1, 2, 1, 2, 1, 1}, true, 0, "stride/pad/dilation per dim"},
      {{3, 6, 6, 6}, {6, 1, 3, 3}, {1, 1, 1, 1, 1, 1, 6}, true, 0, "depthwise"},
      {{2, 4, 5, 5}, {5, 4, 1, 1}, {1, 1, 0, 0, 1, 1, 1}, true, 1, "1x1, non-contiguous input"},
      {{2, 3, 6, 5}, {2, 3, 2, 2}, {1, 2, 0, 1, 1, 1, 1}, false, 2, "non-contiguous weight"},
      {{1, 3, 5, 5}, {2, 3, 1, 1}, {2, 2, 0, 0, 1, 1, 1}, true, 3, "1x1 stride 2, strided input"},
      {{4, 1, 8, 8}, {4, 1, 4, 4}, {2, 2, 1, 1, 1, 1, 1}, true, 0, "k4 s2 p1"},
      {{3, 5, 5}, {2, 3, 3, 3}, {1, 1, 1, 1, 1, 1, 1}, true, 0, "unbatched"},
      {{0, 3, 5, 5}, {2, 3, 3, 3}, {1, 1, 0, 0, 1, 1, 1}, true, 0, "empty batch"},
      {{1, 2, 3, 3}, {2, 2, 3, 3}, {1, 1, 0, 0, 1, 1, 1}, false, 0, "kernel = input"},
      // 360 x 1295 columns per sample: more than the CPU kernel's column tile, so im2col, the
      // GEMMs and col2im run tile by tile.
      {{2, 40, 37, 35},
       {3, 40, 3, 3},
       {1, 1, 1, 1, 1, 1, 1},
       true,
       0,
       "several column tiles",
       true},
  };
}

Tensor batched(const Tensor& t) {
  return t.defined() && t.dim() == 3 ? t.unsqueeze(0) : t;
}
Tensor unbatch_like(const Tensor& ref, const Tensor& orig) {
  return orig.dim() == 3 ? ref.squeeze(0) : ref;
}

OpInfo conv2d_row() {
  OpInfo r;
  r.name = "conv2d";
  r.dtypes = kFloatingDTypes;
  r.tol = conv_tol;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    return conv_samples(dt, rng, conv2d_cases(), 0, 0);
  };
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{ops::conv2d(s.inputs[0], s.inputs[1], s.inputs[2], hw(s, 0),
                                           hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::conv2d(s.inputs[0], s.inputs[1], s.inputs[2], hw(s, 0),
                                            hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor x = s.inputs[0];
    return std::vector<Tensor>{
        unbatch_like(ref_conv2d(batched(x), s.inputs[1], s.inputs[2], s.ints), x)};
  };
  return r;
}

OpInfo conv1d_row() {
  OpInfo r;
  r.name = "conv1d";
  r.dtypes = kFloatingDTypes;
  r.tol = conv_tol;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    std::vector<Sample> out;
    struct C1 {
      Shape x, w;
      int64_t s, p, d, g;
      bool bias, nc;
    };
    for (const C1& c : std::vector<C1>{{{2, 3, 10}, {4, 3, 3}, 2, 1, 1, 1, true, false},
                                       {{1, 4, 9}, {4, 2, 2}, 1, 2, 2, 2, false, true},
                                       {{3, 8}, {2, 3, 3}, 1, 0, 1, 1, true, false},
                                       {{3, 2, 5}, {3, 2, 5}, 1, 0, 1, 1, true, false}}) {
      Tensor x = rand_tensor(c.x, dt, rng), w = rand_tensor(c.w, dt, rng);
      if (c.nc) x = non_contiguous(x);
      Tensor b = c.bias ? rand_tensor({c.w[0]}, dt, rng) : Tensor();
      out.push_back({{x, w, b}, {c.s, c.p, c.d, c.g}, {}, shape_str(c.x) + " * " + shape_str(c.w)});
    }
    return out;
  };
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{ops::conv1d(s.inputs[0], s.inputs[1], s.inputs[2], {s.ints[0]},
                                           {s.ints[1]}, {s.ints[2]}, s.ints[3])};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::conv1d(s.inputs[0], s.inputs[1], s.inputs[2], {s.ints[0]},
                                            {s.ints[1]}, {s.ints[2]}, s.ints[3])};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    // out[n, co, o] = b[co] + sum x[n, g cin_g + ci, o s - p + k d] w[co, ci, k]
    const Tensor x = s.inputs[0].dim() == 2 ? s.inputs[0].unsqueeze(0) : s.inputs[0];
    const auto xv = values(x), wv = values(s.inputs[1]);
    const std::vector<double> b =
        s.inputs[2].defined() ? values(s.inputs[2]) : std::vector<double>{};
    const int64_t st = s.ints[0], p = s.ints[1], d = s.ints[2], g = s.ints[3];
    const int64_t n = x.size(0), cin = x.size(1), l = x.size(2);
    const int64_t co_n = s.inputs[1].size(0), cin_g = s.inputs[1].size(1), k = s.inputs[1].size(2);
    const int64_t ol = (l + 2 * p - d * (k - 1) - 1) / st + 1, cout_g = co_n / g;
    std::vector<double> out;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t co = 0; co < co_n; ++co)
        for (int64_t o = 0; o < ol; ++o) {
          double acc = b.empty() ? 0.0 : b[static_cast<size_t>(co)];
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t kk = 0; kk < k; ++kk) {
              const int64_t il = o * st - p + kk * d;
              if (il < 0 || il >= l) continue;
              acc += xv[static_cast<size_t>((i * cin + (co / cout_g) * cin_g + ci) * l + il)] *
                     wv[static_cast<size_t>((co * cin_g + ci) * k + kk)];
            }
          out.push_back(acc);
        }
    Tensor ref = from_values({n, co_n, ol}, out);
    return std::vector<Tensor>{s.inputs[0].dim() == 2 ? ref.squeeze(0) : ref};
  };
  return r;
}

OpInfo conv_transpose2d_row() {
  OpInfo r;
  r.name = "conv_transpose2d";
  r.dtypes = kFloatingDTypes;
  r.tol = conv_tol;
  r.samples = [](DType dt, std::mt19937_64& rng) {
    // x, w [C_in, C_out/groups, kH, kW]; sH, sW, pH, pW, dH, dW, groups, opH, opW.
    const std::vector<ConvCase> cs{
        {{2, 4, 3, 3}, {4, 3, 3, 3}, {2, 2, 1, 1, 1, 1, 1, 1, 1}, true, 0, "s2 p1 op1, bias"},
        {{1, 4, 4, 5}, {4, 2, 2, 3}, {2, 3, 0, 1, 1, 1, 2, 1, 2}, false, 0, "groups 2, op [1, 2]"},
        {{2, 2, 3, 3}, {2, 3, 3, 3}, {1, 1, 1, 1, 2, 2, 1, 1, 0}, true, 0, "dilation 2, op < dil"},
        {{2, 8, 7, 7}, {8, 4, 4, 4}, {2, 2, 1, 1, 1, 1, 1, 0, 0}, true, 1, "k4 s2 p1 7->14"},
        {{1, 3, 4, 4}, {3, 2, 1, 1}, {1, 1, 0, 0, 1, 1, 1, 0, 0}, true, 3, "1x1, strided"},
        {{2, 3, 3, 4}, {3, 2, 3, 2}, {1, 2, 2, 0, 1, 1, 1, 0, 1}, false, 2, "pad 2, nc weight"},
        {{3, 4, 4}, {3, 2, 3, 3}, {1, 1, 0, 0, 1, 1, 1, 0, 0}, true, 0, "unbatched"},
        {{0, 3, 4, 4}, {3, 2, 3, 3}, {1, 1, 0, 0, 1, 1, 1, 0, 0}, true, 0, "empty batch"},
    };
    return conv_samples(dt, rng, cs, 1, 1);
  };
  r.run = [](const Sample& s) {
    return std::vector<Tensor>{ops::conv_transpose2d(
        s.inputs[0], s.inputs[1], s.inputs[2], hw(s, 0), hw(s, 2), hw(s, 7), s.ints[6], hw(s, 4))};
  };
  r.grad_run = [](const Sample& s) {
    return std::vector<Tensor>{mica::conv_transpose2d(
        s.inputs[0], s.inputs[1], s.inputs[2], hw(s, 0), hw(s, 2), hw(s, 7), s.ints[6], hw(s, 4))};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Tensor x = s.inputs[0];
    return std::vector<Tensor>{
        unbatch_like(ref_conv_transpose2d(batched(x), s.inputs[1], s.inputs[2], s.ints), x)};
  };
  return r;
}

// Backward rows: inputs {grad_output, weight or input}; the conv geometry from conv2d_cases.
std::vector<Sample> backward_samples(DType dt, std::mt19937_64& rng, bool for_weight) {
  std::vector<Sample> out;
  for (const ConvCase& c : conv2d_cases()) {
    Shape xs = c.x;
    if (xs.size() == 3) xs.insert(xs.begin(), 1);
    const int64_t sh = c.ints[0], sw = c.ints[1], ph = c.ints[2], pw = c.ints[3];
    const int64_t dh = c.ints[4], dw = c.ints[5];
    const Shape gs{xs[0], c.w[0], (xs[2] + 2 * ph - dh * (c.w[2] - 1) - 1) / sh + 1,
                   (xs[3] + 2 * pw - dw * (c.w[3] - 1) - 1) / sw + 1};
    Tensor go = rand_tensor(gs, dt, rng);
    Tensor other = rand_tensor(for_weight ? xs : c.w, dt, rng);
    if (c.noncontig) go = non_contiguous(go);
    if (c.noncontig == 2) other = non_contiguous(other);
    Sample s{{go, other}, c.ints, {}, "grad " + shape_str(gs) + " " + c.desc};
    s.gradcheck = !c.forward_only;
    s.ints.insert(s.ints.end(), for_weight ? c.w.begin() : xs.begin(),
                  for_weight ? c.w.end() : xs.end());
    out.push_back(s);
  }
  return out;
}

OpInfo conv2d_backward_input_row() {
  OpInfo r;
  r.name = "conv2d_backward_input";
  r.dtypes = kFloatingDTypes;
  r.tol = conv_tol;
  r.samples = [](DType dt, std::mt19937_64& rng) { return backward_samples(dt, rng, false); };
  r.run = [](const Sample& s) {
    const Shape in_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{ops::conv2d_backward_input(s.inputs[0], s.inputs[1], in_sizes,
                                                          hw(s, 0), hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.grad_run = [](const Sample& s) {
    const Shape in_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{mica::conv2d_backward_input(
        s.inputs[0], s.inputs[1], in_sizes, hw(s, 0), hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Shape in_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{ref_conv2d_grad_input(s.inputs[0], s.inputs[1], in_sizes, s.ints)};
  };
  return r;
}

OpInfo conv2d_backward_weight_row() {
  OpInfo r;
  r.name = "conv2d_backward_weight";
  r.dtypes = kFloatingDTypes;
  r.tol = [](DType dt) {  // sums over the whole batch and image
    return dt == kFloat32 ? Tol{3e-4, 3e-4} : dt == kBFloat16 ? Tol{5e-2, 2e-2} : conv_tol(dt);
  };
  r.samples = [](DType dt, std::mt19937_64& rng) { return backward_samples(dt, rng, true); };
  r.run = [](const Sample& s) {
    const Shape w_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{ops::conv2d_backward_weight(
        s.inputs[0], s.inputs[1], w_sizes, hw(s, 0), hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.grad_run = [](const Sample& s) {
    const Shape w_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{mica::conv2d_backward_weight(
        s.inputs[0], s.inputs[1], w_sizes, hw(s, 0), hw(s, 2), hw(s, 4), s.ints[6])};
  };
  r.gradgrad = true;
  r.reference = [](const Sample& s) {
    const Shape w_sizes(s.ints.begin() + 7, s.ints.end());
    return std::vector<Tensor>{ref_conv2d_grad_weight(s.inputs[0], s.inputs[1], w_sizes, s.ints)};
  };
  return r;
}

}  // namespace

std::vector<OpInfo> pool_op_infos();

std::vector<OpInfo> conv_op_infos() {
  std::vector<OpInfo> rows{conv2d_row(), conv1d_row(), conv_transpose2d_row(),
                           conv2d_backward_input_row(), conv2d_backward_weight_row()};
  for (OpInfo& r : pool_op_infos()) rows.push_back(std::move(r));
  return rows;
}

}  // namespace mica::test
