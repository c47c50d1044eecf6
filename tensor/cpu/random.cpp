// CPU random kernels: each fill walks its output in row-major element order in parallel chunks;
// element i reads only the Philox words the mapping of docs/rng.md assigns to it, so the
// result is the same for any thread count and matches the CUDA backend.
#include "tensor/cpu/random.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/philox.h"

namespace mica::cpu {

using kernels::PhiloxStream;

namespace {
// Elements per thread below which a fill stays single-threaded (a Philox block costs more
// than a pointwise op).
constexpr int64_t kRandomGrain = 4096;

// Calls body(i, ptrs) for every element (row-major index i) of N same-shaped tensors, in
// parallel chunks; make_body() creates one body per chunk (chunk-local state such as a
// PhiloxStream). ptrs[k] points at tensor k's element i.
template <int N, class MakeBody>
void indexed_loop(const std::array<const Tensor*, N>& ts, const MakeBody& make_body) {
  std::array<const Shape*, N> strides;
  std::array<char*, N> base;
  std::array<size_t, N> elsize;
  for (int k = 0; k < N; ++k) {
    strides[k] = &ts[k]->strides();
    base[k] = static_cast<char*>(ts[k]->raw_data());
    elsize[k] = ts[k]->element_size();
  }
  const StridedPlan<N> plan = make_plan<N>(ts[0]->sizes(), strides);
  if (plan.numel == 0) return;
  parallel_for(0, plan.numel, kRandomGrain, [&](int64_t b, int64_t e) {
    auto body = make_body();
    int64_t i = b;
    walk_range<N>(
        plan, base, elsize, b, e,
        [&](const std::array<char*, N>& ptr, int64_t count, const std::array<int64_t, N>& st) {
          for (int64_t k = 0; k < count; ++k, ++i) {
            std::array<char*, N> p;
            for (int j = 0; j < N; ++j) p[j] = ptr[j] + k * st[j] * static_cast<int64_t>(elsize[j]);
            body(i, p);
          }
        });
  });
}

template <class T>
T& elem(char* p) {
  return *reinterpret_cast<T*>(p);
}

uint64_t u64(int64_t n) {
  return static_cast<uint64_t>(n);
}
}  // namespace

// ---- draw sizes ----
uint64_t uniform_blocks(DType dtype, int64_t n) {
  return kernels::philox_blocks(u64(n) * (dtype == kFloat64 ? 2 : 1));
}
uint64_t normal_blocks(DType dtype, int64_t n) {
  const uint64_t pairs = (u64(n) + 1) / 2;
  return kernels::philox_blocks(pairs * (dtype == kFloat64 ? 4 : 2));
}
uint64_t randint_blocks(uint64_t range, int64_t n) {
  return kernels::philox_blocks(u64(n) * kernels::randint_words(range));
}
uint64_t bernoulli_blocks(int64_t n) {
  return kernels::philox_blocks(u64(n));
}
uint64_t randperm_blocks(int64_t n) {
  return kernels::philox_blocks(u64(n) * 2);
}
uint64_t multinomial_blocks(int64_t rows, int64_t categories, int64_t num_samples,
                            bool replacement) {
  return kernels::philox_blocks(u64(rows) * u64(replacement ? num_samples : categories) * 2);
}

// ---- uniform ----
void uniform_(const Tensor& out, double from, double to, PhiloxDraw d) {
  dispatch_floating(out.dtype(), "uniform_", [&]<class T>() {
    using C = compute_t<T>;
    const C from_c = static_cast<C>(from), to_c = static_cast<C>(to);
    indexed_loop<1>({&out}, [&] {
      return [s = PhiloxStream(d.seed, d.offset), from_c, to_c](int64_t i, auto& p) mutable {
        C u;
        if constexpr (std::is_same_v<T, double>)
          u = kernels::uniform_double(s.word(2 * u64(i)), s.word(2 * u64(i) + 1));
        else
          u = kernels::uniform_float_digits(s.word(u64(i)), kernels::kUniformDigits<T>);
        elem<T>(p[0]) = kernels::uniform_from_unit<T, C>(u, from_c, to_c);
      };
    });
  });
}

// ---- normal: element 2j gets r cos(t), element 2j + 1 gets r sin(t) of pair j ----
void normal_(const Tensor& out, double mean, double std, PhiloxDraw d) {
  dispatch_floating(out.dtype(), "normal_", [&]<class T>() {
    using C = compute_t<T>;
    const C mean_c = static_cast<C>(mean), std_c = static_cast<C>(std);
    indexed_loop<1>({&out}, [&] {
      return [s = PhiloxStream(d.seed, d.offset), pair = ~uint64_t{0}, z = std::array<C, 2>{},
              mean_c, std_c](int64_t i, auto& p) mutable {
        const uint64_t j = u64(i) / 2;
        if (j != pair) {
          if constexpr (std::is_same_v<T, double>) {
            s.word(4 * j);  // pair j is exactly block j of the draw
            kernels::normal_pair_double(s.block, z[0], z[1]);
          } else {
            kernels::normal_pair_float(s.word(2 * j), s.word(2 * j + 1), z[0], z[1]);
          }
          pair = j;
        }
        elem<T>(p[0]) = static_cast<T>(kernels::affine_rn<C>(z[i & 1], std_c, mean_c));
      };
    });
  });
}

// ---- randint ----
void randint_(const Tensor& out, int64_t low, uint64_t range, PhiloxDraw d) {
  const int w = kernels::randint_words(range);
  dispatch_all(out.dtype(), "randint", [&]<class T>() {
    indexed_loop<1>({&out}, [&] {
      return [s = PhiloxStream(d.seed, d.offset), low, range, w](int64_t i, auto& p) mutable {
        const uint64_t k = u64(i) * w;
        const uint32_t hi = s.word(k);
        const uint32_t lo = w == 2 ? s.word(k + 1) : 0u;
        elem<T>(p[0]) = convert<T>(kernels::randint_from_words(low, range, hi, lo));
      };
    });
  });
}

// ---- bernoulli ----
void bernoulli_(const Tensor& out, double p_val, PhiloxDraw d) {
  dispatch_all(out.dtype(), "bernoulli_", [&]<class T>() {
    indexed_loop<1>({&out}, [&] {
      return [s = PhiloxStream(d.seed, d.offset), p_val](int64_t i, auto& p) mutable {
        elem<T>(p[0]) = convert<T>(kernels::uniform_double32(s.word(u64(i))) < p_val);
      };
    });
  });
}

void bernoulli_(const Tensor& out, const Tensor& prob, PhiloxDraw d) {
  dispatch_all(out.dtype(), "bernoulli_", [&]<class T>() {
    dispatch_floating(prob.dtype(), "bernoulli_", [&]<class P>() {
      indexed_loop<2>({&out, &prob}, [&] {
        return [s = PhiloxStream(d.seed, d.offset)](int64_t i, auto& p) mutable {
          const double pi = static_cast<double>(static_cast<compute_t<P>>(elem<P>(p[1])));
          elem<T>(p[0]) = convert<T>(kernels::uniform_double32(s.word(u64(i))) < pi);
        };
      });
    });
  });
}

// ---- dropout ----
void dropout(const Tensor& output, const Tensor& mask, const Tensor& x, double p_drop,
             PhiloxDraw d) {
  dispatch_floating(x.dtype(), "dropout", [&]<class T>() {
    using C = compute_t<T>;
    const C scale = static_cast<C>(1.0 / (1.0 - p_drop));
    indexed_loop<3>({&output, &mask, &x}, [&] {
      return [s = PhiloxStream(d.seed, d.offset), p_drop, scale](int64_t i, auto& p) mutable {
        const bool keep = kernels::uniform_double32(s.word(u64(i))) >= p_drop;
        const C xv = static_cast<C>(elem<T>(p[2]));
        elem<T>(p[0]) = static_cast<T>(kernels::mul_rn(xv, keep ? scale : C(0)));
        elem<bool>(p[1]) = keep;
      };
    });
  });
}

// ---- randperm: sort indices by 64-bit keys (words 2i, 2i + 1), ties by index ----
void randperm(const Tensor& out, PhiloxDraw d) {
  const int64_t n = out.numel();
  std::vector<std::pair<uint64_t, int64_t>> keys(static_cast<size_t>(n));
  parallel_for(0, n, kRandomGrain, [&](int64_t b, int64_t e) {
    PhiloxStream s(d.seed, d.offset);
    for (int64_t i = b; i < e; ++i) {
      const uint64_t hi = s.word(2 * u64(i)), lo = s.word(2 * u64(i) + 1);
      keys[static_cast<size_t>(i)] = {(hi << 32) | lo, i};
    }
  });
  std::sort(keys.begin(), keys.end());
  dispatch_numeric(out.dtype(), "randperm", [&]<class T>() {
    T* o = out.data_ptr<T>();
    for (int64_t j = 0; j < n; ++j) o[j] = convert<T>(keys[static_cast<size_t>(j)].second);
  });
}

// ---- multinomial ----
// With replacement: sample (r, s), flat index i = r * S + s, takes u from words (2i, 2i + 1)
// and returns the first category whose running sum (float64, in category order) exceeds
// u * total. Without replacement: category (r, c), i = r * C + c, gets the key
// -log(u_i) / p_c with u_i in (0, 1] from words (2i, 2i + 1); the row's samples are the
// categories of the S smallest keys in increasing key order (ties by index): the order in
// which successive proportional draws without replacement pick them.
void multinomial(const Tensor& out, const Tensor& probs, bool replacement, PhiloxDraw d) {
  const int64_t rows = probs.size(0), cats = probs.size(1), ns = out.size(1);
  const double* pr = probs.data_ptr<double>();
  int64_t* o = out.data_ptr<int64_t>();
  const int64_t grain = std::max<int64_t>(1, kRandomGrain / std::max<int64_t>(cats, 1));
  parallel_for(0, rows, grain, [&](int64_t rb, int64_t re) {
    PhiloxStream s(d.seed, d.offset);
    std::vector<double> cdf(static_cast<size_t>(cats));
    std::vector<std::pair<double, int64_t>> keys;
    for (int64_t r = rb; r < re; ++r) {
      const double* p = pr + r * cats;
      int64_t* orow = o + r * ns;
      if (replacement) {
        double total = 0;
        int64_t last_nonzero = 0;
        for (int64_t c = 0; c < cats; ++c) {
          total += p[c];
          cdf[static_cast<size_t>(c)] = total;
          if (p[c] > 0) last_nonzero = c;
        }
        for (int64_t j = 0; j < ns; ++j) {
          const uint64_t i = u64(r * ns + j);
          const double t = kernels::uniform_double(s.word(2 * i), s.word(2 * i + 1)) * total;
          const auto it = std::upper_bound(cdf.begin(), cdf.end(), t);
          orow[j] = it == cdf.end() ? last_nonzero : static_cast<int64_t>(it - cdf.begin());
        }
      } else {
        keys.clear();
        for (int64_t c = 0; c < cats; ++c) {
          if (!(p[c] > 0)) continue;
          const uint64_t i = u64(r * cats + c);
          const double u = kernels::uniform_double_open0(s.word(2 * i), s.word(2 * i + 1));
          keys.emplace_back(-std::log(u) / p[c], c);
        }
        std::partial_sort(keys.begin(), keys.begin() + ns, keys.end());
        for (int64_t j = 0; j < ns; ++j) orow[j] = keys[static_cast<size_t>(j)].second;
      }
    }
  });
}

}  // namespace mica::cpu
