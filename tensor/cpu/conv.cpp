// CPU convolution kernels: im2col (image patches -> GEMM columns), col2im (columns scattered
// back and summed into the image), and the three GEMM-based passes built on them. Work is split
// over the batch when it has at least one sample per thread; otherwise samples run one after
// another and the im2col/col2im loops (over channels) and the GEMM use the threads.
#include "tensor/cpu/conv.h"

#include <algorithm>
#include <vector>

#include "tensor/cpu/gemm.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

// Output columns ox in [lo, hi) read input column ix = ox * s + off inside [0, size).
struct ValidRange {
  int64_t lo, hi;
};
ValidRange valid_range(int64_t off, int64_t s, int64_t size, int64_t out) {
  // ox >= ceil(-off / s) and ox <= (size - 1 - off) / s.
  const int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
  const int64_t hi = size - 1 - off < 0 ? 0 : std::min(out, (size - 1 - off) / s + 1);
  return {std::min(lo, hi), hi};
}

// Per kernel position, the geometry the inner loops need.
struct Tap {
  int64_t y_off, x_off;  // input offset of output (0, 0): k * d - p
  ValidRange ys, xs;     // output rows / columns that read inside the input
};

std::vector<Tap> make_taps(const Conv2dGeom& g) {
  std::vector<Tap> taps;
  taps.reserve(static_cast<size_t>(g.kh * g.kw));
  for (int64_t ki = 0; ki < g.kh; ++ki)
    for (int64_t kj = 0; kj < g.kw; ++kj) {
      const int64_t yo = ki * g.dh - g.ph, xo = kj * g.dw - g.pw;
      taps.push_back({yo, xo, valid_range(yo, g.sh, g.h, g.oh), valid_range(xo, g.sw, g.w, g.ow)});
    }
  return taps;
}

// col [channels * kh * kw, (y1 - y0) * ow] from im [channels, h, w]: the columns of output rows
// [y0, y1).
template <class T>
void im2col(const T* im, int64_t channels, const Conv2dGeom& g, const std::vector<Tap>& taps,
            int64_t y0, int64_t y1, T* col) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = (y1 - y0) * g.ow;
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 for (int64_t c = c0; c < c1; ++c) {
                   const T* src_plane = im + c * plane;
                   for (int64_t t = 0; t < kk; ++t) {
                     const Tap& tap = taps[static_cast<size_t>(t)];
                     T* dst = col + (c * kk + t) * ncol;
                     const int64_t lo = std::clamp(tap.ys.lo, y0, y1);
                     const int64_t hi = std::clamp(tap.ys.hi, lo, y1);
                     std::fill(dst, dst + (lo - y0) * g.ow, T(0));
                     for (int64_t oy = lo; oy < hi; ++oy) {
                       T* d = dst + (oy - y0) * g.ow;
                       const T* s = src_plane + (oy * g.sh + tap.y_off) * g.w + tap.x_off;
                       std::fill(d, d + tap.xs.lo, T(0));
                       if (g.sw == 1) {
                         std::copy(s + tap.xs.lo, s + tap.xs.hi, d + tap.xs.lo);
                       } else {
                         for (int64_t ox = tap.xs.lo; ox < tap.xs.hi; ++ox) d[ox] = s[ox * g.sw];
                       }
                       std::fill(d + tap.xs.hi, d + g.ow, T(0));
                     }
                     std::fill(dst + (hi - y0) * g.ow, dst + ncol, T(0));
                   }
                 }
               });
}

// im [channels, h, w] += col [channels * kh * kw, (y1 - y0) * ow] (output rows [y0, y1))
// scattered back (the adjoint of im2col).
template <class T>
void col2im(const T* col, int64_t channels, const Conv2dGeom& g, const std::vector<Tap>& taps,
            int64_t y0, int64_t y1, T* im) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = (y1 - y0) * g.ow;
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 for (int64_t c = c0; c < c1; ++c) {
                   T* dst_plane = im + c * plane;
                   for (int64_t t = 0; t < kk; ++t) {
                     const Tap& tap = taps[static_cast<size_t>(t)];
                     const T* src = col + (c * kk + t) * ncol;
                     const int64_t lo = std::clamp(tap.ys.lo, y0, y1);
                     const int64_t hi = std::clamp(tap.ys.hi, lo, y1);
                     for (int64_t oy = lo; oy < hi; ++oy) {
                       const T* s = src + (oy - y0) * g.ow;
                       T* d = dst_plane + (oy * g.sh + tap.y_off) * g.w + tap.x_off;
                       if (g.sw == 1) {
                         for (int64_t ox = tap.xs.lo; ox < tap.xs.hi; ++ox) d[ox] += s[ox];
                       } else {
                         for (int64_t ox = tap.xs.lo; ox < tap.xs.hi; ++ox) d[ox * g.sw] += s[ox];
                       }
                     }
                   }
                 }
               });
}

// A 1x1 kernel with stride 1 and no padding: the image is its own column matrix.
bool is_pointwise(const Conv2dGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// Column-matrix elements per GEMM at most (where a row of output positions allows): the
// im2col output then stays in the core's L2 cache until the GEMM packs it (large images with
// many input channels would otherwise write and re-read megabytes per sample).
constexpr int64_t kColTileElems = int64_t{1} << 18;

// Output rows per column tile.
int64_t tile_rows(const Conv2dGeom& g, int64_t kdim) {
  const int64_t tiles =
      std::max<int64_t>(1, (kdim * g.oh * g.ow + kColTileElems - 1) / kColTileElems);
  return std::max<int64_t>(1, (g.oh + tiles - 1) / tiles);
}

// Per-thread column buffer, kept between calls (no allocation or page faults per call).
template <class T>
T* col_scratch(int64_t elems) {
  thread_local std::vector<T> buf;
  if (static_cast<int64_t>(buf.size()) < elems) {
    buf = std::vector<T>();
    buf.resize(static_cast<size_t>(elems));
  }
  return buf.data();
}

// Runs fn(n0, n1, col_buffer) over the batch: in parallel chunks (one column buffer each) when
// the batch has a sample per thread, else as one chunk whose inner loops use the threads.
template <class T, class F>
void over_batch(const Conv2dGeom& g, int64_t col_elems, int64_t work_per_sample, const F& fn) {
  if (g.n >= get_num_threads()) {
    const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work_per_sample));
    parallel_for(0, g.n, grain,
                 [&](int64_t n0, int64_t n1) { fn(n0, n1, col_scratch<T>(col_elems)); });
  } else {
    fn(0, g.n, col_scratch<T>(col_elems));
  }
}

// Fills each [count, plane] block's rows with bias (or zeros).
template <class T>
void fill_rows(T* dst, int64_t rows, int64_t plane, const T* bias) {
  for (int64_t r = 0; r < rows; ++r)
    std::fill(dst + r * plane, dst + (r + 1) * plane, bias ? bias[r] : T(0));
}

template <class T>
void forward_impl(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out,
                  const Conv2dGeom& g) {
  const T* xp = x.data_ptr<T>();
  const T* wp = weight.data_ptr<T>();
  const T* bp = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* op = out.data_ptr<T>();
  const int64_t cin_g = g.c_in / g.groups, cout_g = g.c_out / g.groups;
  const int64_t kdim = cin_g * g.kh * g.kw, ncol = g.oh * g.ow, plane = g.h * g.w;
  const bool direct = is_pointwise(g);
  const auto taps = make_taps(g);
  const int64_t rows = tile_rows(g, kdim);
  over_batch<T>(g, direct ? 0 : kdim * rows * g.ow, g.c_out * kdim * ncol,
                [&](int64_t n0, int64_t n1, T* col) {
                  for (int64_t n = n0; n < n1; ++n) {
                    T* on = op + n * g.c_out * ncol;
                    fill_rows(on, g.c_out, ncol, bp);
                    for (int64_t gr = 0; gr < g.groups; ++gr) {
                      const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
                      const T* w = wp + gr * cout_g * kdim;
                      T* c = on + gr * cout_g * ncol;
                      if (direct) {
                        gemm(false, false, cout_g, ncol, kdim, T(1), w, kdim, im, ncol, T(1), c,
                             ncol);
                        continue;
                      }
                      for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
                        const int64_t y1 = std::min(g.oh, y0 + rows), nc = (y1 - y0) * g.ow;
                        im2col(im, cin_g, g, taps, y0, y1, col);
                        gemm(false, false, cout_g, nc, kdim, T(1), w, kdim, col, nc, T(1),
                             c + y0 * g.ow, ncol);
                      }
                    }
                  }
                });
}

template <class T>
void backward_input_impl(const Tensor& grad_out, const Tensor& weight, const Tensor& bias,
                         const Tensor& grad_in, const Conv2dGeom& g) {
  const T* gp = grad_out.data_ptr<T>();
  const T* wp = weight.data_ptr<T>();
  const T* bp = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* ip = grad_in.data_ptr<T>();
  const int64_t cin_g = g.c_in / g.groups, cout_g = g.c_out / g.groups;
  const int64_t kdim = cin_g * g.kh * g.kw, ncol = g.oh * g.ow, plane = g.h * g.w;
  const bool direct = is_pointwise(g);
  const auto taps = make_taps(g);
  const int64_t rows = tile_rows(g, kdim);
  over_batch<T>(
      g, direct ? 0 : kdim * rows * g.ow, g.c_out * kdim * ncol,
      [&](int64_t n0, int64_t n1, T* col) {
        for (int64_t n = n0; n < n1; ++n) {
          T* in = ip + n * g.c_in * plane;
          fill_rows(in, g.c_in, plane, bp);
          for (int64_t gr = 0; gr < g.groups; ++gr) {
            const T* go = gp + (n * g.c_out + gr * cout_g) * ncol;
            const T* w = wp + gr * cout_g * kdim;
            T* im = in + gr * cin_g * plane;
            if (direct) {  // im [cin_g, plane] += W^T [cin_g, cout_g] @ go [cout_g, plane]
              gemm(true, false, kdim, ncol, cout_g, T(1), w, kdim, go, ncol, T(1), im, ncol);
              continue;
            }
            for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
              const int64_t y1 = std::min(g.oh, y0 + rows), nc = (y1 - y0) * g.ow;
              gemm(true, false, kdim, nc, cout_g, T(1), w, kdim, go + y0 * g.ow, ncol, T(0), col,
                   nc);
              col2im(col, cin_g, g, taps, y0, y1, im);
            }
          }
        }
      });
}

template <class T>
void backward_weight_impl(const Tensor& grad_out, const Tensor& x, const Tensor& grad_weight,
                          const Conv2dGeom& g) {
  const T* gp = grad_out.data_ptr<T>();
  const T* xp = x.data_ptr<T>();
  T* wp = grad_weight.data_ptr<T>();
  const int64_t cin_g = g.c_in / g.groups, cout_g = g.c_out / g.groups;
  const int64_t kdim = cin_g * g.kh * g.kw, ncol = g.oh * g.ow, plane = g.h * g.w;
  const int64_t wnumel = g.c_out * kdim;
  if (g.n == 0 || ncol == 0) {
    std::fill(wp, wp + wnumel, T(0));
    return;
  }
  const bool direct = is_pointwise(g);
  const auto taps = make_taps(g);
  const int64_t rows = direct ? g.oh : tile_rows(g, kdim);
  // The chunk starting at sample 0 accumulates in place (its first GEMM writes with beta 0, no
  // zero fill); the others sum into partials added afterwards in batch order.
  std::vector<std::vector<T>> partials(static_cast<size_t>(g.n));
  over_batch<T>(g, direct ? 0 : kdim * rows * g.ow, wnumel * ncol,
                [&](int64_t n0, int64_t n1, T* col) {
                  std::vector<T>& part = partials[static_cast<size_t>(n0)];
                  if (n0 != 0) part.resize(static_cast<size_t>(wnumel));
                  T* acc = n0 == 0 ? wp : part.data();
                  for (int64_t n = n0; n < n1; ++n)
                    for (int64_t gr = 0; gr < g.groups; ++gr) {
                      const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
                      const T* go = gp + (n * g.c_out + gr * cout_g) * ncol;
                      for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
                        const int64_t y1 = std::min(g.oh, y0 + rows), nc = (y1 - y0) * g.ow;
                        const T* b = im;
                        if (!direct) {
                          im2col(im, cin_g, g, taps, y0, y1, col);
                          b = col;
                        }
                        // acc_g [cout_g, kdim] (+)= go [cout_g, nc] @ col^T [nc, kdim]
                        gemm(false, true, cout_g, kdim, nc, T(1), go + y0 * g.ow, ncol, b, nc,
                             n == n0 && y0 == 0 ? T(0) : T(1), acc + gr * cout_g * kdim, kdim);
                      }
                    }
                });
  for (const auto& part : partials)
    if (!part.empty())
      for (int64_t i = 0; i < wnumel; ++i) wp[i] += part[static_cast<size_t>(i)];
}

template <class F>
void dispatch_gemm_type(const Tensor& t, const char* op, const F& f) {
  if (t.dtype() == kFloat32) return f.template operator()<float>();
  if (t.dtype() == kFloat64) return f.template operator()<double>();
  MICA_FAIL(op, ": CPU kernel expects float32 or float64, got ", dtype_name(t.dtype()));
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out,
                    const Conv2dGeom& g) {
  if (out.numel() == 0) return;
  dispatch_gemm_type(x, "conv2d", [&]<class T>() { forward_impl<T>(x, weight, bias, out, g); });
}

void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& bias,
                           const Tensor& grad_in, const Conv2dGeom& g) {
  if (grad_in.numel() == 0) return;
  dispatch_gemm_type(grad_out, "conv2d_backward_input", [&]<class T>() {
    backward_input_impl<T>(grad_out, weight, bias, grad_in, g);
  });
}

void conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Tensor& grad_weight,
                            const Conv2dGeom& g) {
  if (grad_weight.numel() == 0) return;
  dispatch_gemm_type(grad_out, "conv2d_backward_weight",
                     [&]<class T>() { backward_weight_impl<T>(grad_out, x, grad_weight, g); });
}

}  // namespace mica::cpu
