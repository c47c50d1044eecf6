// CPU scans and sorting: a parallel walk over the lines along one dim (any strides), with a
// sequential scan or an index sort per line. NaN orders above every number, like PyTorch.
#include "tensor/cpu/sort.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "tensor/cpu/loops.h"
#include "tensor/kernels/reduction.h"

namespace mica::cpu {

namespace {

// Calls fn(ptrs) with the first element of every line along dim, for N tensors that share
// their sizes except along dim (ts[0] gives the others). Lines are spread over threads.
template <int N, class F>
void for_each_line(const std::array<const Tensor*, N>& ts, int64_t dim, int64_t line_len,
                   const F& fn) {
  Shape sizes;
  std::array<Shape, N> strides;
  for (int64_t d = 0; d < ts[0]->dim(); ++d) {
    if (d == dim) continue;
    sizes.push_back(ts[0]->size(d));
    for (int k = 0; k < N; ++k) strides[k].push_back(ts[k]->stride(d));
  }
  std::array<const Shape*, N> stride_ptrs;
  std::array<char*, N> base;
  std::array<size_t, N> elsize;
  for (int k = 0; k < N; ++k) {
    stride_ptrs[k] = &strides[k];
    base[k] = static_cast<char*>(ts[k]->raw_data());
    elsize[k] = ts[k]->element_size();
  }
  const StridedPlan<N> plan = make_plan<N>(sizes, stride_ptrs);
  if (plan.numel == 0) return;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(line_len, 1));
  parallel_for(0, plan.numel, grain, [&](int64_t b, int64_t e) {
    walk_range<N>(
        plan, base, elsize, b, e,
        [&](const std::array<char*, N>& ptr, int64_t count, const std::array<int64_t, N>& st) {
          for (int64_t i = 0; i < count; ++i) {
            std::array<char*, N> p;
            for (int k = 0; k < N; ++k) p[k] = ptr[k] + i * st[k] * static_cast<int64_t>(elsize[k]);
            fn(p);
          }
        });
  });
}

template <class T>
using scan_out_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, T, int64_t>;

template <bool kSum>
void scan(const Tensor& out, const Tensor& x, int64_t dim) {
  dispatch_all(x.dtype(), kSum ? "cumsum" : "cumprod", [&]<class T>() {
    using O = scan_out_t<T>;
    using A = kernels::acc_t<T>;
    const int64_t n = x.size(dim), xs = x.stride(dim), os = out.stride(dim);
    for_each_line<2>({&out, &x}, dim, n, [&](const std::array<char*, 2>& p) {
      O* o = reinterpret_cast<O*>(p[0]);
      const T* in = reinterpret_cast<const T*>(p[1]);
      A acc = kSum ? A(0) : A(1);
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (kSum)
          acc += convert<A>(in[i * xs]);
        else
          acc *= convert<A>(in[i * xs]);
        o[i * os] = convert<O>(acc);
      }
    });
  });
}

// Strict orders on compute values with NaN above every number.
template <class C>
bool less_nan_last(C a, C b) {
  return kernels::is_nan(b) ? !kernels::is_nan(a) : a < b;
}
template <class C>
bool greater_nan_first(C a, C b) {
  return kernels::is_nan(a) ? !kernels::is_nan(b) : a > b;
}

// Sorts the first k positions of each line (all of them when k == line length) by value,
// ties by index, and writes values (if defined) and indices.
void sort_lines(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k,
                int64_t dim, bool descending, const char* op) {
  dispatch_all(x.dtype(), op, [&]<class T>() {
    using C = compute_t<T>;
    const int64_t n = x.size(dim), xs = x.stride(dim), is = indices.stride(dim);
    const int64_t vs = values.defined() ? values.stride(dim) : 0;
    const Tensor& vt = values.defined() ? values : indices;  // placeholder operand
    for_each_line<3>({&x, &indices, &vt}, dim, n, [&](const std::array<char*, 3>& p) {
      thread_local std::vector<C> v;
      thread_local std::vector<int64_t> order;
      const T* in = reinterpret_cast<const T*>(p[0]);
      v.resize(static_cast<size_t>(n));
      order.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = convert<C>(in[i * xs]);
      std::iota(order.begin(), order.end(), int64_t{0});
      auto by_value = [&](int64_t a, int64_t b) {
        const C va = v[static_cast<size_t>(a)], vb = v[static_cast<size_t>(b)];
        return descending ? greater_nan_first(va, vb) : less_nan_last(va, vb);
      };
      if (k == n) {
        std::stable_sort(order.begin(), order.end(), by_value);
      } else {
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
          return by_value(a, b) || (!by_value(b, a) && a < b);
        });
      }
      int64_t* idx = reinterpret_cast<int64_t*>(p[1]);
      T* val = values.defined() ? reinterpret_cast<T*>(p[2]) : nullptr;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t src = order[static_cast<size_t>(j)];
        idx[j * is] = src;
        if (val) val[j * vs] = in[src * xs];
      }
    });
  });
}

}  // namespace

void cumsum(const Tensor& out, const Tensor& x, int64_t dim) {
  scan<true>(out, x, dim);
}
void cumprod(const Tensor& out, const Tensor& x, int64_t dim) {
  scan<false>(out, x, dim);
}

void sort(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
          bool descending) {
  sort_lines(values, indices, x, x.size(dim), dim, descending, "sort");
}

void topk(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t k, int64_t dim,
          bool largest) {
  if (k == 0) return;
  sort_lines(values, indices, x, k, dim, largest, "topk");
}

}  // namespace mica::cpu
