// CPU convolution kernels: im2col (image patches -> GEMM columns, window copies from a channel's
// zero-padded, stride-split "phase" planes), col2im (columns summed back into the image), and
// the three GEMM-based passes built on them. Small outputs put several samples' columns side by
// side in one GEMM (multi-sample tiles); large ones run a GEMM per sample in tiles of output
// rows; a kernel covering the whole input is one GEMM over the batch. Work is split over the
// batch when it has at least one sample per thread; otherwise samples run one after another and
// the im2col/col2im loops (over channels) and the GEMM use the threads.
#include "tensor/cpu/conv.h"

#include <algorithm>
#include <vector>

#include "tensor/cpu/gemm.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {

// Per-thread scratch buffer, kept between calls (no allocation or page faults per call). Slot
// 0 holds the column matrix, slot 1 the GEMM-side block of the multi-sample tiles, slot 2 a
// channel's phase planes.
template <class T, int Slot = 0>
T* scratch(int64_t elems) {
  thread_local std::vector<T> buf;
  if (static_cast<int64_t>(buf.size()) < elems) {
    buf = std::vector<T>();
    buf.resize(static_cast<size_t>(elems));
  }
  return buf.data();
}

// A channel plane zero-padded (ph / pw zeros on each side, and at least the rows / columns the
// output windows reach) and split by stride into sh * sw phase planes [rows, cols]: phase
// (a, b) holds padded rows a, a + sh, ... and columns b, b + sw, .... Tap (ki, kj) then reads,
// for output position (oy, ox), phase ((ki dh) % sh, (kj dw) % sw) at row oy + (ki dh) / sh,
// column ox + (kj dw) / sw: a window of contiguous rows, whatever the stride. Without padding
// and stride, the image plane itself is the one phase plane (no copy).
struct Phases {
  int64_t rows, cols;
  bool copy;
  int64_t count(const Conv2dGeom& g) const { return copy ? g.sh * g.sw : 1; }
  int64_t size() const { return rows * cols; }
};
Phases phase_geom(const Conv2dGeom& g) {
  const bool copy = g.sh != 1 || g.sw != 1 || g.ph != 0 || g.pw != 0;
  if (!copy) return {g.h, g.w, false};
  const int64_t ph = std::max(g.h + 2 * g.ph, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1);
  const int64_t pw = std::max(g.w + 2 * g.pw, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  return {(ph + g.sh - 1) / g.sh, (pw + g.sw - 1) / g.sw, true};
}

// Offset of tap (ki, kj)'s window for output (0, 0) in the phase buffer.
int64_t tap_offset(const Conv2dGeom& g, const Phases& ps, int64_t ki, int64_t kj) {
  const int64_t qy = ki * g.dh, qx = kj * g.dw;
  return ((qy % g.sh) * g.sw + qx % g.sw) * ps.size() * ps.copy + (qy / g.sh) * ps.cols + qx / g.sw;
}

// Image rows [lo, hi) that output rows [y0, y1) read.
struct RowSpan {
  int64_t lo, hi;
};
RowSpan image_rows(const Conv2dGeom& g, int64_t y0, int64_t y1) {
  const int64_t lo = std::clamp(y0 * g.sh - g.ph, int64_t{0}, g.h);
  const int64_t hi = std::clamp((y1 - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.ph, lo, g.h);
  return {lo, hi};
}

// Writes image rows [lo, hi) of plane src [h, w] into the phase planes of buf (whose padding
// stays as it is: zero).
template <class T>
void split_phases(const T* src, const Conv2dGeom& g, const Phases& ps, RowSpan rows, T* buf) {
  for (int64_t y = rows.lo; y < rows.hi; ++y) {
    const int64_t py = y + g.ph;
    T* row = buf + (py % g.sh) * g.sw * ps.size() + (py / g.sh) * ps.cols;
    const T* s = src + y * g.w;
    if (g.sw == 1) {
      std::copy(s, s + g.w, row + g.pw);
    } else if (g.sw == 2) {  // even x to one phase, odd x to the other
      T* even = row + (g.pw % 2) * ps.size() + g.pw / 2;
      T* odd = row + ((g.pw + 1) % 2) * ps.size() + (g.pw + 1) / 2;
      for (int64_t i = 0; i < g.w / 2; ++i) {
        even[i] = s[2 * i];
        odd[i] = s[2 * i + 1];
      }
      if (g.w % 2) even[g.w / 2] = s[g.w - 1];
    } else {
      for (int64_t x = 0, b = g.pw % g.sw, q = g.pw / g.sw; x < g.w; ++x) {
        row[b * ps.size() + q] = s[x];
        if (++b == g.sw) b = 0, ++q;
      }
    }
  }
}

// The adjoint of split_phases: image rows [lo, hi) of plane dst [h, w] += the phase planes.
template <class T>
void add_phases(const T* buf, const Conv2dGeom& g, const Phases& ps, RowSpan rows, T* dst) {
  for (int64_t y = rows.lo; y < rows.hi; ++y) {
    const int64_t py = y + g.ph;
    const T* row = buf + (py % g.sh) * g.sw * ps.size() + (py / g.sh) * ps.cols;
    T* d = dst + y * g.w;
    if (g.sw == 1) {
      for (int64_t x = 0; x < g.w; ++x) d[x] += row[g.pw + x];
    } else if (g.sw == 2) {
      const T* even = row + (g.pw % 2) * ps.size() + g.pw / 2;
      const T* odd = row + ((g.pw + 1) % 2) * ps.size() + (g.pw + 1) / 2;
      for (int64_t i = 0; i < g.w / 2; ++i) {
        d[2 * i] += even[i];
        d[2 * i + 1] += odd[i];
      }
      if (g.w % 2) d[g.w - 1] += even[g.w / 2];
    } else {
      for (int64_t x = 0, b = g.pw % g.sw, q = g.pw / g.sw; x < g.w; ++x) {
        d[x] += row[b * ps.size() + q];
        if (++b == g.sw) b = 0, ++q;
      }
    }
  }
}

// dst [rows, ow] (contiguous) = the window src [rows, ow] (row stride ld). Short rows are copied
// in whole 32-byte chunks where that stays inside the window: every row but the last writes a
// few elements into the next row's place (which that row then overwrites) and reads a few past
// its end (still inside the next source row: wide <= 2 ow <= ld + ow).
template <class T>
inline void copy_window(const T* src, int64_t ld, int64_t rows, int64_t ow, T* dst) {
  constexpr int64_t C = 32 / sizeof(T);
  const int64_t wide = (ow + C - 1) / C * C;
  int64_t r = 0;
  if (wide <= 2 * ow && ow < 4 * C)
    for (; r + 1 < rows; ++r)
      for (int64_t i = 0; i < wide; i += C)
        __builtin_memcpy(dst + r * ow + i, src + r * ld + i, C * sizeof(T));
  for (; r < rows; ++r) std::copy(src + r * ld, src + r * ld + ow, dst + r * ow);
}

// col [channels * kh * kw, (y1 - y0) * ow] (row stride ld) from im [channels, h, w]: the columns
// of output rows [y0, y1), each a window copy from the channel's phase planes.
template <class T>
void im2col(const T* im, int64_t channels, const Conv2dGeom& g, int64_t y0, int64_t y1, T* col,
            int64_t ld) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = (y1 - y0) * g.ow;
  const Phases ps = phase_geom(g);
  const RowSpan rows = image_rows(g, y0, y1);
  const int64_t buf_elems = ps.count(g) * ps.size();
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 T* buf = ps.copy ? scratch<T, 2>(buf_elems) : nullptr;
                 if (ps.copy) std::fill(buf, buf + buf_elems, T(0));
                 for (int64_t c = c0; c < c1; ++c) {
                   const T* src = im + c * plane;
                   if (ps.copy) {
                     split_phases(src, g, ps, rows, buf);
                     src = buf;
                   }
                   for (int64_t ki = 0; ki < g.kh; ++ki)
                     for (int64_t kj = 0; kj < g.kw; ++kj)
                       copy_window(src + tap_offset(g, ps, ki, kj) + y0 * ps.cols, ps.cols, y1 - y0,
                                   g.ow, col + (c * kk + ki * g.kw + kj) * ld);
                 }
               });
}

// im [channels, h, w] += col [channels * kh * kw, (y1 - y0) * ow] (row stride ld; output rows
// [y0, y1)) scattered back (the adjoint of im2col), through the phase planes.
template <class T>
void col2im(const T* col, int64_t ld, int64_t channels, const Conv2dGeom& g, int64_t y0, int64_t y1,
            T* im) {
  const int64_t kk = g.kh * g.kw, plane = g.h * g.w, ncol = (y1 - y0) * g.ow;
  const Phases ps = phase_geom(g);
  const RowSpan rows = image_rows(g, y0, y1);
  // Phase rows the taps of output rows [y0, y1) touch.
  const int64_t r0 = y0, r1 = std::min(ps.rows, y1 + ((g.kh - 1) * g.dh) / g.sh);
  parallel_for(0, channels, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, kk * ncol)),
               [&](int64_t c0, int64_t c1) {
                 T* buf = ps.copy ? scratch<T, 2>(ps.count(g) * ps.size()) : nullptr;
                 for (int64_t c = c0; c < c1; ++c) {
                   T* dst = im + c * plane;
                   if (ps.copy) {
                     for (int64_t p = 0; p < ps.count(g); ++p)
                       std::fill(buf + p * ps.size() + r0 * ps.cols,
                                 buf + p * ps.size() + r1 * ps.cols, T(0));
                     dst = buf;
                   }
                   for (int64_t ki = 0; ki < g.kh; ++ki)
                     for (int64_t kj = 0; kj < g.kw; ++kj) {
                       const T* s = col + (c * kk + ki * g.kw + kj) * ld;
                       T* d = dst + tap_offset(g, ps, ki, kj) + y0 * ps.cols;
                       for (int64_t r = 0; r < y1 - y0; ++r)
                         for (int64_t ox = 0; ox < g.ow; ++ox)
                           d[r * ps.cols + ox] += s[r * g.ow + ox];
                     }
                   if (ps.copy) add_phases(buf, g, ps, rows, im + c * plane);
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

// Multi-sample column tiles: when one sample gives fewer than kMinTileCols output positions,
// nb samples share one column matrix col [kdim, nb * ncol] (sample s in columns s * ncol + p),
// so each GEMM has nb * ncol columns instead of a few dozen (where OpenBLAS spends more of its
// time packing and in edge kernels). The column matrix is capped at kTileColElems elements
// (measured single-threaded at W4-W6 shapes: 128-2048 columns and 2^18-2^20 elements all
// within ~5% of each other; 256 / 2^19 among the best).
constexpr int64_t kMinTileCols = 256;
constexpr int64_t kTileColElems = int64_t{1} << 19;

// How a pass walks the batch: nb samples per GEMM (nb > 1: multi-sample tiles over all output
// rows) or one sample per GEMM in tiles of `rows` output rows (nb == 1).
struct Plan {
  int64_t nb, rows;
};
Plan make_plan(const Conv2dGeom& g, int64_t kdim) {
  const int64_t ncol = g.oh * g.ow;
  if (ncol > 0 && ncol < kMinTileCols && g.n > 1) {
    const int64_t nb = std::min(
        {(kMinTileCols + ncol - 1) / ncol, g.n, kTileColElems / std::max<int64_t>(1, kdim * ncol)});
    if (nb > 1) return {nb, g.oh};
  }
  return {1, tile_rows(g, kdim)};
}

// A kernel that covers the whole unpadded input with one output position (k = h, w, p = 0):
// im2col of a sample is the sample itself, so a pass is one GEMM over the batch with x viewed
// as [n, c_in * h * w].
bool is_whole_input(const Conv2dGeom& g) {
  return g.oh == 1 && g.ow == 1 && g.ph == 0 && g.pw == 0 && g.kh == g.h && g.kw == g.w;
}

// Runs fn(n0, n1) over the batch: in parallel chunks when the batch has a sample per thread
// (fn takes its buffers from its thread's scratch), else as one chunk whose inner loops and
// GEMMs use the threads.
template <class F>
void over_batch(const Conv2dGeom& g, int64_t work_per_sample, const F& fn) {
  if (g.n >= get_num_threads()) {
    const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work_per_sample));
    parallel_for(0, g.n, grain, fn);
  } else {
    fn(0, g.n);
  }
}

// Fills each [count, plane] block's rows with bias (or zeros).
template <class T>
void fill_rows(T* dst, int64_t rows, int64_t plane, const T* bias) {
  for (int64_t r = 0; r < rows; ++r)
    std::fill(dst + r * plane, dst + (r + 1) * plane, bias ? bias[r] : T(0));
}

// blk [rows, nb * ncol] (sample s in columns s * ncol + p) from the nb samples' [rows, ncol]
// blocks at src + s * stride.
template <class T>
void gather_block(const T* src, int64_t stride, int64_t nb, int64_t rows, int64_t ncol, T* blk) {
  const int64_t cols = nb * ncol;
  for (int64_t s = 0; s < nb; ++s)
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src + s * stride + r * ncol, src + s * stride + (r + 1) * ncol,
                blk + r * cols + s * ncol);
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
  if (is_whole_input(g)) {  // out [n, c_out] = x [n, kdim] @ W^T per group
    for (int64_t n = 0; n < g.n; ++n) fill_rows(op + n * g.c_out, g.c_out, 1, bp);
    for (int64_t gr = 0; gr < g.groups; ++gr)
      gemm(false, true, g.n, cout_g, kdim, T(1), xp + gr * kdim, g.c_in * plane,
           wp + gr * cout_g * kdim, kdim, T(1), op + gr * cout_g, g.c_out);
    return;
  }
  const bool direct = is_pointwise(g);
  const Plan plan = make_plan(g, kdim);
  over_batch(g, g.c_out * kdim * ncol, [&](int64_t n0, int64_t n1) {
    if (plan.nb > 1) {
      const int64_t cols_max = plan.nb * ncol;
      T* col = scratch<T, 0>(kdim * cols_max);
      T* tmp = scratch<T, 1>(cout_g * cols_max);
      for (int64_t s0 = n0; s0 < n1; s0 += plan.nb) {
        const int64_t nb = std::min(plan.nb, n1 - s0), cols = nb * ncol;
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          for (int64_t s = 0; s < nb; ++s)
            im2col(xp + ((s0 + s) * g.c_in + gr * cin_g) * plane, cin_g, g, 0, g.oh, col + s * ncol,
                   cols);
          // tmp [cout_g, cols] = W_g [cout_g, kdim] @ col [kdim, cols]
          gemm(false, false, cout_g, cols, kdim, T(1), wp + gr * cout_g * kdim, kdim, col, cols,
               T(0), tmp, cols);
          for (int64_t s = 0; s < nb; ++s)
            for (int64_t co = 0; co < cout_g; ++co) {
              const T* src = tmp + co * cols + s * ncol;
              T* dst = op + ((s0 + s) * g.c_out + gr * cout_g + co) * ncol;
              const T b = bp ? bp[gr * cout_g + co] : T(0);
              for (int64_t p = 0; p < ncol; ++p) dst[p] = src[p] + b;
            }
        }
      }
      return;
    }
    T* col = direct ? nullptr : scratch<T, 0>(kdim * plan.rows * g.ow);
    for (int64_t n = n0; n < n1; ++n) {
      T* on = op + n * g.c_out * ncol;
      fill_rows(on, g.c_out, ncol, bp);
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
        const T* w = wp + gr * cout_g * kdim;
        T* c = on + gr * cout_g * ncol;
        if (direct) {
          gemm(false, false, cout_g, ncol, kdim, T(1), w, kdim, im, ncol, T(1), c, ncol);
          continue;
        }
        for (int64_t y0 = 0; y0 < g.oh; y0 += plan.rows) {
          const int64_t y1 = std::min(g.oh, y0 + plan.rows), nc = (y1 - y0) * g.ow;
          im2col(im, cin_g, g, y0, y1, col, nc);
          gemm(false, false, cout_g, nc, kdim, T(1), w, kdim, col, nc, T(1), c + y0 * g.ow, ncol);
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
  if (is_whole_input(g)) {  // grad_in [n, kdim] = grad_out [n, c_out] @ W per group
    for (int64_t n = 0; n < g.n; ++n) fill_rows(ip + n * g.c_in * plane, g.c_in, plane, bp);
    for (int64_t gr = 0; gr < g.groups; ++gr)
      gemm(false, false, g.n, kdim, cout_g, T(1), gp + gr * cout_g, g.c_out,
           wp + gr * cout_g * kdim, kdim, T(1), ip + gr * kdim, g.c_in * plane);
    return;
  }
  const bool direct = is_pointwise(g);
  const Plan plan = make_plan(g, kdim);
  over_batch(g, g.c_out * kdim * ncol, [&](int64_t n0, int64_t n1) {
    if (plan.nb > 1) {
      const int64_t cols_max = plan.nb * ncol;
      T* col = scratch<T, 0>(kdim * cols_max);
      T* blk = scratch<T, 1>(cout_g * cols_max);
      for (int64_t s0 = n0; s0 < n1; s0 += plan.nb) {
        const int64_t nb = std::min(plan.nb, n1 - s0), cols = nb * ncol;
        for (int64_t s = 0; s < nb; ++s)
          fill_rows(ip + (s0 + s) * g.c_in * plane, g.c_in, plane, bp);
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          gather_block(gp + (s0 * g.c_out + gr * cout_g) * ncol, g.c_out * ncol, nb, cout_g, ncol,
                       blk);
          // col [kdim, cols] = W_g^T [kdim, cout_g] @ blk [cout_g, cols]
          gemm(true, false, kdim, cols, cout_g, T(1), wp + gr * cout_g * kdim, kdim, blk, cols,
               T(0), col, cols);
          for (int64_t s = 0; s < nb; ++s)
            col2im(col + s * ncol, cols, cin_g, g, 0, g.oh,
                   ip + ((s0 + s) * g.c_in + gr * cin_g) * plane);
        }
      }
      return;
    }
    T* col = direct ? nullptr : scratch<T, 0>(kdim * plan.rows * g.ow);
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
        for (int64_t y0 = 0; y0 < g.oh; y0 += plan.rows) {
          const int64_t y1 = std::min(g.oh, y0 + plan.rows), nc = (y1 - y0) * g.ow;
          gemm(true, false, kdim, nc, cout_g, T(1), w, kdim, go + y0 * g.ow, ncol, T(0), col, nc);
          col2im(col, nc, cin_g, g, y0, y1, im);
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
  if (is_whole_input(g)) {  // gW_g [cout_g, kdim] = grad_out_g^T [cout_g, n] @ x_g [n, kdim]
    for (int64_t gr = 0; gr < g.groups; ++gr)
      gemm(true, false, cout_g, kdim, g.n, T(1), gp + gr * cout_g, g.c_out, xp + gr * kdim,
           g.c_in * plane, T(0), wp + gr * cout_g * kdim, kdim);
    return;
  }
  const bool direct = is_pointwise(g);
  Plan plan = make_plan(g, kdim);
  if (direct && plan.nb == 1) plan.rows = g.oh;
  // The chunk starting at sample 0 accumulates in place (its first GEMM writes with beta 0, no
  // zero fill); the others sum into partials added afterwards in batch order.
  std::vector<std::vector<T>> partials(static_cast<size_t>(g.n));
  over_batch(g, wnumel * ncol, [&](int64_t n0, int64_t n1) {
    std::vector<T>& part = partials[static_cast<size_t>(n0)];
    if (n0 != 0) part.resize(static_cast<size_t>(wnumel));
    T* acc = n0 == 0 ? wp : part.data();
    if (plan.nb > 1) {
      const int64_t cols_max = plan.nb * ncol;
      T* col = scratch<T, 0>(kdim * cols_max);
      T* blk = scratch<T, 1>(cout_g * cols_max);
      for (int64_t s0 = n0; s0 < n1; s0 += plan.nb) {
        const int64_t nb = std::min(plan.nb, n1 - s0), cols = nb * ncol;
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          for (int64_t s = 0; s < nb; ++s)
            im2col(xp + ((s0 + s) * g.c_in + gr * cin_g) * plane, cin_g, g, 0, g.oh, col + s * ncol,
                   cols);
          gather_block(gp + (s0 * g.c_out + gr * cout_g) * ncol, g.c_out * ncol, nb, cout_g, ncol,
                       blk);
          // acc_g [cout_g, kdim] (+)= blk [cout_g, cols] @ col^T [cols, kdim]
          gemm(false, true, cout_g, kdim, cols, T(1), blk, cols, col, cols, s0 == n0 ? T(0) : T(1),
               acc + gr * cout_g * kdim, kdim);
        }
      }
      return;
    }
    T* col = direct ? nullptr : scratch<T, 0>(kdim * plan.rows * g.ow);
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* im = xp + (n * g.c_in + gr * cin_g) * plane;
        const T* go = gp + (n * g.c_out + gr * cout_g) * ncol;
        for (int64_t y0 = 0; y0 < g.oh; y0 += plan.rows) {
          const int64_t y1 = std::min(g.oh, y0 + plan.rows), nc = (y1 - y0) * g.ow;
          const T* b = im;
          if (!direct) {
            im2col(im, cin_g, g, y0, y1, col, nc);
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
