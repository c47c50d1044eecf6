// CUDA random kernels: each thread computes one Philox block of the draw and writes the elements
// that block feeds (4 for one word per element, 2 for two), in row-major element order through
// the strided plan; the per-element transforms are the CPU's (tensor/kernels/philox.h), so every
// element gets the CPU's value. Functors first, then the generic kernel, then the launchers.
#include <climits>
#include <type_traits>

#include "tensor/cuda/indexing_util.cuh"
#include "tensor/cuda/loops.cuh"
#include "tensor/cuda/random.h"
#include "tensor/kernels/philox.h"

namespace mica::cuda {

namespace {

using kernels::PhiloxBlock;

template <class T, int N>
MICA_INLINE T& at(const OperandPtrs<N>& p, int k, int64_t off) {
  return reinterpret_cast<T*>(p.p[k])[off];
}

// ---- per-element functors: f(block, e, operands, offsets) writes element e of the block ----

// Uniform in [from, to): float types read word e (E = 4), double words 2e, 2e + 1 (E = 2).
template <class T>
struct UniformOp {
  using C = compute_t<T>;
  static constexpr int E = std::is_same_v<T, double> ? 2 : 4;
  C from, to;
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<1>& p,
                              const int64_t (&off)[1]) {
    C u;
    if constexpr (std::is_same_v<T, double>)
      u = kernels::uniform_double(b.w[2 * e], b.w[2 * e + 1]);
    else
      u = kernels::uniform_float_digits(b.w[e], kernels::kUniformDigits<T>);
    at<T>(p, 0, off[0]) = kernels::uniform_from_unit<T, C>(u, from, to);
  }
};

// Normal: element 2j + k gets z_k of pair j. Float types: pair j from words (2j, 2j + 1), two
// pairs per block (E = 4); double: pair j is block j (E = 2). Even e computes the pair.
template <class T>
struct NormalOp {
  using C = compute_t<T>;
  static constexpr int E = std::is_same_v<T, double> ? 2 : 4;
  C mean, stddev;
  C z[2];
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<1>& p,
                              const int64_t (&off)[1]) {
    if ((e & 1) == 0) {
      if constexpr (std::is_same_v<T, double>)
        kernels::normal_pair_double(b, z[0], z[1]);
      else
        kernels::normal_pair_float(b.w[e], b.w[e + 1], z[0], z[1]);
    }
    at<T>(p, 0, off[0]) = static_cast<T>(kernels::affine_rn<C>(z[e & 1], stddev, mean));
  }
};

// Integers in [low, low + range) from W words per element (E = 4 / W).
template <class T, int W>
struct RandintOp {
  static constexpr int E = 4 / W;
  int64_t low;
  uint64_t range;
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<1>& p,
                              const int64_t (&off)[1]) {
    const uint32_t hi = b.w[W * e];
    const uint32_t lo = W == 2 ? b.w[W * e + 1] : 0u;
    at<T>(p, 0, off[0]) = convert<T>(kernels::randint_from_words(low, range, hi, lo));
  }
};

template <class T>
struct BernoulliScalarOp {
  static constexpr int E = 4;
  double prob;
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<1>& p,
                              const int64_t (&off)[1]) {
    at<T>(p, 0, off[0]) = convert<T>(kernels::uniform_double32(b.w[e]) < prob);
  }
};

// Operand 1: the probabilities (type P).
template <class T, class P>
struct BernoulliTensorOp {
  static constexpr int E = 4;
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<2>& p,
                              const int64_t (&off)[2]) {
    const double pi = static_cast<double>(static_cast<compute_t<P>>(at<P>(p, 1, off[1])));
    at<T>(p, 0, off[0]) = convert<T>(kernels::uniform_double32(b.w[e]) < pi);
  }
};

// Operands: output (T), mask (bool), x (T).
template <class T>
struct DropoutOp {
  using C = compute_t<T>;
  static constexpr int E = 4;
  double p_drop;
  C scale;
  MICA_INLINE void operator()(const PhiloxBlock& b, int e, const OperandPtrs<3>& p,
                              const int64_t (&off)[3]) {
    const bool keep = kernels::uniform_double32(b.w[e]) >= p_drop;
    const C xv = static_cast<C>(at<T>(p, 2, off[2]));
    at<T>(p, 0, off[0]) = static_cast<T>(kernels::mul_rn(xv, keep ? scale : C(0)));
    at<bool>(p, 1, off[1]) = keep;
  }
};

// ---- kernels ----

// Thread b (grid-stride) computes block offset + b of the draw and writes elements
// b * E ... b * E + E - 1. A fresh copy of f per block carries per-block state (normal pairs).
template <int N, class F>
__global__ void philox_kernel(kernels::StridedPlan<N> plan, OperandPtrs<N> ptrs, uint64_t seed,
                              uint64_t offset, F f) {
  constexpr int E = F::E;
  const int64_t nblocks = (plan.numel + E - 1) / E;
  for (int64_t b = global_thread(); b < nblocks; b += grid_stride()) {
    const PhiloxBlock blk = kernels::philox_block(seed, offset + static_cast<uint64_t>(b));
    F g = f;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int64_t i = b * E + e;
      if (i >= plan.numel) break;
      int64_t off[N];
      kernels::plan_offsets(plan, i, off);
      g(blk, e, ptrs, off);
    }
  }
}

// Marks the first (row-major) element of p outside [0, 1] (or NaN).
template <class P>
__global__ void invalid_probability_kernel(kernels::StridedPlan<1> plan, const P* p,
                                           unsigned long long* first) {
  for (int64_t i = global_thread(); i < plan.numel; i += grid_stride()) {
    int64_t off[1];
    kernels::plan_offsets(plan, i, off);
    const double v = static_cast<double>(static_cast<compute_t<P>>(p[off[0]]));
    if (!(v >= 0 && v <= 1)) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

// ---- launch helper ----

// Runs f over the elements of ts[0]'s shape (every operand has it) for the draw d.
template <int N, class F>
void launch_philox(const std::array<const Tensor*, N>& ts, PhiloxDraw d, const F& f) {
  std::array<const Shape*, N> strides;
  for (int k = 0; k < N; ++k) strides[k] = &ts[k]->strides();
  const kernels::StridedPlan<N> plan = kernels::make_plan<N>(ts[0]->sizes(), strides);
  if (ts[0]->numel() == 0) return;
  DeviceGuard guard(ts[0]->device().index);
  OperandPtrs<N> ptrs;
  for (int k = 0; k < N; ++k) ptrs.p[k] = static_cast<char*>(ts[k]->raw_data());
  const int64_t nblocks = (plan.numel + F::E - 1) / F::E;
  philox_kernel<N, F>
      <<<blocks_for(nblocks), kThreads, 0, stream_of(*ts[0])>>>(plan, ptrs, d.seed, d.offset, f);
  MICA_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- launchers ----

void uniform_(const Tensor& out, double from, double to, PhiloxDraw d) {
  dispatch_floating(out.dtype(), "uniform_", [&]<class T>() {
    using C = compute_t<T>;
    launch_philox<1>({&out}, d, UniformOp<T>{static_cast<C>(from), static_cast<C>(to)});
  });
}

void normal_(const Tensor& out, double mean, double std, PhiloxDraw d) {
  dispatch_floating(out.dtype(), "normal_", [&]<class T>() {
    using C = compute_t<T>;
    launch_philox<1>({&out}, d, NormalOp<T>{static_cast<C>(mean), static_cast<C>(std), {}});
  });
}

void randint_(const Tensor& out, int64_t low, uint64_t range, PhiloxDraw d) {
  const int w = kernels::randint_words(range);
  dispatch_all(out.dtype(), "randint", [&]<class T>() {
    if (w == 1)
      launch_philox<1>({&out}, d, RandintOp<T, 1>{low, range});
    else
      launch_philox<1>({&out}, d, RandintOp<T, 2>{low, range});
  });
}

void bernoulli_(const Tensor& out, double p, PhiloxDraw d) {
  dispatch_all(out.dtype(), "bernoulli_",
               [&]<class T>() { launch_philox<1>({&out}, d, BernoulliScalarOp<T>{p}); });
}

void bernoulli_(const Tensor& out, const Tensor& p, PhiloxDraw d) {
  dispatch_all(out.dtype(), "bernoulli_", [&]<class T>() {
    dispatch_floating(p.dtype(), "bernoulli_", [&]<class P>() {
      launch_philox<2>({&out, &p}, d, BernoulliTensorOp<T, P>{});
    });
  });
}

void dropout(const Tensor& output, const Tensor& mask, const Tensor& x, double p, PhiloxDraw d) {
  dispatch_floating(x.dtype(), "dropout", [&]<class T>() {
    using C = compute_t<T>;
    launch_philox<3>({&output, &mask, &x}, d, DropoutOp<T>{p, static_cast<C>(1.0 / (1.0 - p))});
  });
}

std::optional<double> first_invalid_probability(const Tensor& p) {
  if (p.numel() == 0) return std::nullopt;
  DeviceGuard guard(p.device().index);
  const std::array<const Shape*, 1> strides{&p.strides()};
  const kernels::StridedPlan<1> plan = kernels::make_plan<1>(p.sizes(), strides);
  Tensor first = detail::workspace(1, kInt64, p.device());
  auto* f = static_cast<unsigned long long*>(first.raw_data());
  const cudaStream_t stream = stream_of(p);
  MICA_CUDA_CHECK(cudaMemsetAsync(f, 0xFF, sizeof(unsigned long long), stream));
  return dispatch_floating(p.dtype(), "bernoulli", [&]<class P>() -> std::optional<double> {
    invalid_probability_kernel<P><<<blocks_for(plan.numel), kThreads, 0, stream>>>(
        plan, static_cast<const P*>(p.raw_data()), f);
    MICA_CUDA_LAUNCH_CHECK();
    unsigned long long i = 0;
    detail::read_back(&i, f, sizeof(i), p.device().index);
    if (i == ULLONG_MAX) return std::nullopt;
    int64_t off[1];
    kernels::plan_offsets(plan, static_cast<int64_t>(i), off);
    P v;
    detail::read_back(&v, static_cast<const P*>(p.raw_data()) + off[0], sizeof(P),
                      p.device().index);
    return static_cast<double>(static_cast<compute_t<P>>(v));
  });
}

}  // namespace mica::cuda
