// CPU normalization kernels: layer_norm and rms_norm over contiguous rows, group_norm over
// contiguous (sample, group) blocks, batch_norm per channel with running-stat updates.
// Statistics accumulate in double (two passes: mean, then squared deviations); the affine
// apply runs in the compute type (float for 16-bit floats).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cpu/nn.h"
#include "tensor/kernels/nn.h"
#include "tensor/parallel.h"

namespace mica::cpu {

namespace {
struct Moments {
  double mean;
  double var;  // biased
};

template <class T>
Moments moments(const T* p, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(convert<compute_t<T>>(p[i]));
  const double mean = s / static_cast<double>(n);
  double q = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(convert<compute_t<T>>(p[i])) - mean;
    q += d * d;
  }
  return {mean, q / static_cast<double>(n)};
}

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_item, 1));
}
}  // namespace

void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t rows, int64_t m, double eps) {
  dispatch_floating(x.dtype(), "layer_norm", [&]<class T>() {
    using C = compute_t<T>;
    const std::vector<C> w = read_vector<C>(weight), b = read_vector<C>(bias);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    C* pm = mean.data_ptr<C>();
    C* pr = rstd.data_ptr<C>();
    parallel_for(0, rows, grain_for(m), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const T* p = px + r * m;
        T* o = po + r * m;
        const Moments mo = moments(p, m);
        const C mu = static_cast<C>(mo.mean);
        const C rs = static_cast<C>(1.0 / std::sqrt(mo.var + eps));
        pm[r] = mu;
        pr[r] = rs;
        for (int64_t i = 0; i < m; ++i)
          o[i] = convert<T>(kernels::norm_apply<C>(
              convert<C>(p[i]), mu, rs, w.empty() ? C(1) : w[i], b.empty() ? C(0) : b[i]));
      }
    });
  });
}

void rms_norm(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight,
              int64_t rows, int64_t m, double eps) {
  dispatch_floating(x.dtype(), "rms_norm", [&]<class T>() {
    using C = compute_t<T>;
    const std::vector<C> w = read_vector<C>(weight);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    C* pr = rstd.data_ptr<C>();
    parallel_for(0, rows, grain_for(m), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const T* p = px + r * m;
        T* o = po + r * m;
        double ss = 0;
        for (int64_t i = 0; i < m; ++i) {
          const double v = static_cast<double>(convert<C>(p[i]));
          ss += v * v;
        }
        const C rs = static_cast<C>(1.0 / std::sqrt(ss / static_cast<double>(m) + eps));
        pr[r] = rs;
        if (w.empty())
          for (int64_t i = 0; i < m; ++i) o[i] = convert<T>(convert<C>(p[i]) * rs);
        else
          for (int64_t i = 0; i < m; ++i) o[i] = convert<T>(convert<C>(p[i]) * rs * w[i]);
      }
    });
  });
}

void group_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t n, int64_t c, int64_t hw,
                int64_t groups, double eps) {
  dispatch_floating(x.dtype(), "group_norm", [&]<class T>() {
    using C = compute_t<T>;
    const std::vector<C> w = read_vector<C>(weight), b = read_vector<C>(bias);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    C* pm = mean.data_ptr<C>();
    C* pr = rstd.data_ptr<C>();
    const int64_t cpg = c / groups;  // channels per group
    const int64_t len = cpg * hw;
    parallel_for(0, n * groups, grain_for(len), [&](int64_t gb, int64_t ge) {
      for (int64_t ng = gb; ng < ge; ++ng) {
        const int64_t g = ng % groups;
        const T* p = px + ng * len;  // (sample, group) blocks are contiguous in [n, c, hw]
        T* o = po + ng * len;
        const Moments mo = moments(p, len);
        const C mu = static_cast<C>(mo.mean);
        const C rs = static_cast<C>(1.0 / std::sqrt(mo.var + eps));
        pm[ng] = mu;
        pr[ng] = rs;
        for (int64_t k = 0; k < cpg; ++k) {
          const int64_t ch = g * cpg + k;
          const C wc = w.empty() ? C(1) : w[ch], bc = b.empty() ? C(0) : b[ch];
          const T* pc = p + k * hw;
          T* oc = o + k * hw;
          for (int64_t i = 0; i < hw; ++i)
            oc[i] = convert<T>(kernels::norm_apply<C>(convert<C>(pc[i]), mu, rs, wc, bc));
        }
      }
    });
  });
}

namespace {
// new = (1 - momentum) * old + momentum * stat, for a 1-d tensor of any floating dtype/strides.
void update_running(const Tensor& r, const std::vector<double>& stat, double momentum) {
  dispatch_floating(r.dtype(), "batch_norm", [&]<class R>() {
    R* p = static_cast<R*>(r.raw_data());
    const int64_t st = r.stride(0);
    for (size_t i = 0; i < stat.size(); ++i) {
      R& v = p[static_cast<int64_t>(i) * st];
      const double old = static_cast<double>(convert<compute_t<R>>(v));
      v = convert<R>((1.0 - momentum) * old + momentum * stat[i]);
    }
  });
  r.bump_version();
}
}  // namespace

void batch_norm(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                const Tensor& x, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, int64_t n, int64_t c,
                int64_t hw, bool training, double momentum, double eps) {
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    using C = compute_t<T>;
    const std::vector<C> w = read_vector<C>(weight), b = read_vector<C>(bias);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    C* pm = save_mean.data_ptr<C>();
    C* pi = save_invstd.data_ptr<C>();
    const int64_t count = n * hw;
    std::vector<double> mean(static_cast<size_t>(c)), var(static_cast<size_t>(c));
    if (training) {
      parallel_for(0, c, grain_for(count), [&](int64_t cb, int64_t ce) {
        for (int64_t ch = cb; ch < ce; ++ch) {
          double s = 0;
          for (int64_t i = 0; i < n; ++i) {
            const T* p = px + (i * c + ch) * hw;
            for (int64_t k = 0; k < hw; ++k) s += static_cast<double>(convert<C>(p[k]));
          }
          const double mu = s / static_cast<double>(count);
          double q = 0;
          for (int64_t i = 0; i < n; ++i) {
            const T* p = px + (i * c + ch) * hw;
            for (int64_t k = 0; k < hw; ++k) {
              const double d = static_cast<double>(convert<C>(p[k])) - mu;
              q += d * d;
            }
          }
          mean[ch] = mu;
          var[ch] = q / static_cast<double>(count);
        }
      });
      if (count == 0) {
        std::fill(mean.begin(), mean.end(), std::numeric_limits<double>::quiet_NaN());
        std::fill(var.begin(), var.end(), std::numeric_limits<double>::quiet_NaN());
      } else if (running_mean.defined() || running_var.defined()) {
        if (running_mean.defined()) update_running(running_mean, mean, momentum);
        if (running_var.defined()) {
          std::vector<double> unbiased(var);
          const double corr = static_cast<double>(count) / static_cast<double>(count - 1);
          for (double& v : unbiased) v *= corr;
          update_running(running_var, unbiased, momentum);
        }
      }
    } else {
      mean = read_vector<double>(running_mean);
      var = read_vector<double>(running_var);
    }
    for (int64_t ch = 0; ch < c; ++ch) {
      pm[ch] = static_cast<C>(mean[ch]);
      pi[ch] = static_cast<C>(1.0 / std::sqrt(var[ch] + eps));
    }
    if (count == 0) return;
    parallel_for(0, n * c, grain_for(hw), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const int64_t ch = r % c;
        // (x - mean) * (invstd * w) + b; subtracting the mean first keeps precision when
        // |mean| >> std
        const C mu = pm[ch], scale = pi[ch] * (w.empty() ? C(1) : w[ch]);
        const C bc = b.empty() ? C(0) : b[ch];
        const T* p = px + r * hw;
        T* o = po + r * hw;
        for (int64_t k = 0; k < hw; ++k)
          o[k] = convert<T>(kernels::norm_apply<C>(convert<C>(p[k]), mu, scale, C(1), bc));
      }
    });
  });
}

}  // namespace mica::cpu
