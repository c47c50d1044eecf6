// CPU convolution kernels: im2col (image patches -> GEMM columns), col2im (columns scattered
// back and summed into the image), and the three GEMM-based passes built on them. Work is split
// over the batch when it has at least one sample per thread; otherwise samples run one after
// another and the im2col/col2im loops (over channels) and the GEMM use the threads.
#include "tensor/cpu/conv.h"

#include <algorithm>
#include <mutex>
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

// col [channels * kh * kw, oh * ow] from im [channels, h, w].
template <class T>
void im2col(const T* im, int64_t channels, const Conv2dGeom& g, const std::vector<Tap>& taps,
            T* col) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = g.oh * g.ow;
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 for (int64_t c = c0; c < c1; ++c) {
                   const T* src_plane = im + c * plane;
                   for (int64_t t = 0; t < kk; ++t) {
                     const Tap& tap = taps[static_cast<size_t>(t)];
                     T* dst = col + (c * kk + t) * ncol;
                     std::fill(dst, dst + tap.ys.lo * g.ow, T(0));
                     for (int64_t oy = tap.ys.lo; oy < tap.ys.hi; ++oy) {
                       T* d = dst + oy * g.ow;
                       const T* s = src_plane + (oy * g.sh + tap.y_off) * g.w + tap.x_off;
                       std::fill(d, d + tap.xs.lo, T(0));
                       if (g.sw == 1) {
                         std::copy(s + tap.xs.lo, s + tap.xs.hi, d + tap.xs.lo);
                       } else {
                         for (int64_t ox = tap.xs.lo; ox < tap.xs.hi; ++ox) d[ox] = s[ox * g.sw];
                       }
                       std::fill(d + tap.xs.hi, d + g.ow, T(0));
                     }
                     std::fill(dst + tap.ys.hi * g.ow, dst + ncol, T(0));
                   }
                 }
               });
}

// im [channels, h, w] += col [channels * kh * kw, oh * ow] scattered back (the adjoint of im2col).
template <class T>
void col2im(const T* col, int64_t channels, const Conv2dGeom& g, const std::vector<Tap>& taps,
            T* im) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = g.oh * g.ow;
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 for (int64_t c = c0; c < c1; ++c) {
                   T* dst_plane = im + c * plane;
                   for (int64_t t = 0; t < kk; ++t) {
                     const Tap& tap = taps[static_cast<size_t>(t)];
                     const T* src = col + (c * kk + t) * ncol;
                     for (int64_t oy = tap.ys.lo; oy < tap.ys.hi; ++oy) {
                       const T* s = src + oy * g.ow;
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

// Runs fn(n0, n1, col_buffer) over the batch: in parallel chunks (one column buffer each) when
// the batch has a sample per thread, else as one chunk whose inner loops use the threads.
template <class T, class F>
void over_batch(const Conv2dGeom& g, int64_t col_elems, int64_t work_per_sample, const F& fn) {
  const bool need_col = col_elems > 0;
  if (g.n >= get_num_threads()) {
    const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work_per_sample));
    parallel_for(0, g.n, grain, [&](int64_t n0, int64_t n1) {
      std::vector<T> col(need_col ? static_cast<size_t>(col_elems) : 0);
      fn(n0, n1, col.data());
    });
  } else {
    std::vector<T> col(need_col ? static_cast<size_t>(col_elems) : 0);
    fn(0, g.n, col.data());
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
  over_batch<T>(g, direct ? 0 : kdim * ncol, g.c_out * kdim * ncol,
                [&](int64_t n0, int64_t n1, T* col) {
                  for (int64_t n = n0; n < n1; ++n) {
                    T* on = op + n * g.c_out * ncol;
                    fill_rows(on, g.c_out, ncol, bp);
                    for (int64_t gr = 0; gr < g.groups; ++gr) {
                      const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
                      const T* b = im;
                      if (!direct) {
                        im2col(im, cin_g, g, taps, col);
                        b = col;
                      }
                      gemm(false, false, cout_g, ncol, kdim, T(1), wp + gr * cout_g * kdim, kdim, b,
                           ncol, T(1), on + gr * cout_g * ncol, ncol);
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
  over_batch<T>(
      g, direct ? 0 : kdim * ncol, g.c_out * kdim * ncol, [&](int64_t n0, int64_t n1, T* col) {
        for (int64_t n = n0; n < n1; ++n) {
          T* in = ip + n * g.c_in * plane;
          fill_rows(in, g.c_in, plane, bp);
          for (int64_t gr = 0; gr < g.groups; ++gr) {
            const T* go = gp + (n * g.c_out + gr * cout_g) * ncol;
            const T* w = wp + gr * cout_g * kdim;
            T* im = in + gr * cin_g * plane;
            if (direct) {  // im [cin_g, plane] += W^T [cin_g, cout_g] @ go [cout_g, plane]
              gemm(true, false, kdim, ncol, cout_g, T(1), w, kdim, go, ncol, T(1), im, ncol);
            } else {
              gemm(true, false, kdim, ncol, cout_g, T(1), w, kdim, go, ncol, T(0), col, ncol);
              col2im(col, cin_g, g, taps, im);
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
  std::fill(wp, wp + wnumel, T(0));
  const bool direct = is_pointwise(g);
  const auto taps = make_taps(g);
  std::mutex mu;
  over_batch<T>(g, direct ? 0 : kdim * ncol, wnumel * ncol, [&](int64_t n0, int64_t n1, T* col) {
    // A chunk covering the whole batch accumulates in place; others sum into a local buffer.
    const bool whole = n0 == 0 && n1 == g.n;
    std::vector<T> local(whole ? 0 : static_cast<size_t>(wnumel), T(0));
    T* acc = whole ? wp : local.data();
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
        const T* b = im;
        if (!direct) {
          im2col(im, cin_g, g, taps, col);
          b = col;
        }
        // acc_g [cout_g, kdim] += go [cout_g, ncol] @ col^T [ncol, kdim]
        gemm(false, true, cout_g, kdim, ncol, T(1), gp + (n * g.c_out + gr * cout_g) * ncol, ncol,
             b, ncol, T(1), acc + gr * cout_g * kdim, kdim);
      }
    if (!whole) {
      std::lock_guard<std::mutex> lock(mu);
      for (int64_t i = 0; i < wnumel; ++i) wp[i] += acc[i];
    }
  });
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
