// CUDA batched matmul (the contract of cpu::batched_matmul): float32, bfloat16 and float16
// through cuBLASLt with float32 accumulation (TF32 when allowed), float64 through cuBLAS, integers
// (and k == 0, and any shape cuBLASLt has no algorithm for) through a shared-memory tiled kernel.
// Row-major products run as their column-major transposes, C^T = B^T A^T, so a row-major matrix
// is a column-major one with the same leading dimension; transposed views pass as trans flags.
// The batch dims collapse through the shared strided plan: the innermost merged batch dim is one
// strided-batched call, any outer ones a host loop of such calls.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "tensor/cuda/blas_handle.cuh"
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/linalg.h"
#include "tensor/half.h"
#include "tensor/kernels/gemm_layout.h"
#include "tensor/kernels/strided_plan.h"

namespace mica::cuda {

namespace {

using kernels::MatLayout;
using BatchPlan = kernels::StridedPlan<3>;  // operands: out, a, b

std::atomic<bool> g_allow_tf32{false};

// ---- the tiled kernel (integers, k == 0, fallback) ----

// The accumulator: float for 32/16-bit floats, double for float64, the unsigned type of an
// integer's width (or wider: wrapping sums agree modulo 2^bits) so overflow wraps like the CPU's.
template <class T>
struct Acc {
  using type = float;
};
template <>
struct Acc<double> {
  using type = double;
};
template <>
struct Acc<uint8_t> {
  using type = uint32_t;
};
template <>
struct Acc<int32_t> {
  using type = uint32_t;
};
template <>
struct Acc<int64_t> {
  using type = uint64_t;
};

template <class A, class T>
__device__ __forceinline__ A to_acc(T v) {
  if constexpr (std::is_same_v<T, BFloat16> || std::is_same_v<T, Half>)
    return static_cast<float>(v);
  else
    return static_cast<A>(v);
}

template <class T, class A>
__device__ __forceinline__ T from_acc(A v) {
  if constexpr (std::is_same_v<T, BFloat16> || std::is_same_v<T, Half>)
    return T(v);
  else
    return static_cast<T>(v);
}

constexpr int kTile = 16;

// out[batch][row, col] = alpha * sum_p a[row, p] b[p, col] (+ beta * out). One kTile x kTile
// block of out per thread block, k walked in kTile steps through shared memory; the grid's y and
// z loop over row tiles and batches beyond the grid limits.
template <class T, class A>
__global__ void tiled_matmul_kernel(T* out, const T* a, const T* b, int64_t m, int64_t n, int64_t k,
                                    int64_t ars, int64_t acs, int64_t brs, int64_t bcs,
                                    BatchPlan plan, A alpha, A beta) {
  __shared__ A ta[kTile][kTile + 1];
  __shared__ A tb[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t col = static_cast<int64_t>(blockIdx.x) * kTile + tx;
  const int64_t row_tiles = (m + kTile - 1) / kTile;
  for (int64_t batch = blockIdx.z; batch < plan.numel; batch += gridDim.z) {
    int64_t off[3];
    kernels::plan_offsets(plan, batch, off);
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    for (int64_t rt = blockIdx.y; rt < row_tiles; rt += gridDim.y) {
      const int64_t row = rt * kTile + ty;
      A acc = A(0);
      for (int64_t p0 = 0; p0 < k; p0 += kTile) {
        const int64_t pa_col = p0 + tx, pb_row = p0 + ty;
        ta[ty][tx] = row < m && pa_col < k ? to_acc<A>(pa[row * ars + pa_col * acs]) : A(0);
        tb[ty][tx] = pb_row < k && col < n ? to_acc<A>(pb[pb_row * brs + col * bcs]) : A(0);
        __syncthreads();
#pragma unroll
        for (int q = 0; q < kTile; ++q) acc += ta[ty][q] * tb[q][tx];
        __syncthreads();
      }
      if (row < m && col < n) {
        T* pc = out + off[0] + row * n + col;
        A v = alpha * acc;
        if (beta != A(0)) v += beta * to_acc<A>(*pc);
        *pc = from_acc<T>(v);
      }
    }
  }
}

// alpha/beta as the CPU kernel reads them: integers through T (so wrapping agrees), floats in
// their accumulator type.
template <class T, class A>
A scalar_as(const Scalar& s) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<A>(s.template to<T>());
  else
    return s.template to<A>();
}

template <class T>
void tiled_matmul(const Tensor& out, const Tensor& a, const Tensor& b, const BatchPlan& plan,
                  const Scalar& alpha, const Scalar& beta) {
  using A = typename Acc<T>::type;
  const int64_t m = out.size(-2), n = out.size(-1), k = a.size(-1);
  const int64_t col_tiles = (n + kTile - 1) / kTile, row_tiles = (m + kTile - 1) / kTile;
  MICA_CHECK(col_tiles <= int64_t{0x7fffffff}, "matmul: ", n, " columns are too many for CUDA");
  const dim3 grid(static_cast<unsigned>(col_tiles),
                  static_cast<unsigned>(std::min<int64_t>(row_tiles, 65535)),
                  static_cast<unsigned>(std::min<int64_t>(plan.numel, 65535)));
  tiled_matmul_kernel<T, A><<<grid, dim3(kTile, kTile), 0, stream_of(out)>>>(
      out.data_ptr<T>(), a.data_ptr<T>(), b.data_ptr<T>(), m, n, k, a.stride(-2), a.stride(-1),
      b.stride(-2), b.stride(-1), plan, scalar_as<T, A>(alpha), scalar_as<T, A>(beta));
  MICA_CUDA_LAUNCH_CHECK();
}

// ---- cuBLASLt / cuBLAS ----

MatLayout layout_of(const Tensor& t) {
  const int64_t d = t.dim();
  return kernels::blas_layout(t.size(d - 2), t.size(d - 1), t.stride(d - 2), t.stride(d - 1));
}

// The largest power of two (at most 256) dividing x; 256 for 0.
uint32_t alignment_of(uint64_t x) {
  uint32_t al = 256;
  while (al > 1 && x % al != 0) al /= 2;
  return al;
}

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case kFloat32:
      return CUDA_R_32F;
    case kBFloat16:
      return CUDA_R_16BF;
    case kFloat16:
      return CUDA_R_16F;
    case kFloat64:
      return CUDA_R_64F;
    default:
      MICA_FAIL("matmul: no cuBLAS type for ", dtype_name(t));
  }
}

// RAII owners of the cuBLASLt descriptors (destroy statuses are ignored: nothing to do).
struct LtDesc {
  cublasLtMatmulDesc_t h = nullptr;
  ~LtDesc() {
    if (h) cublasLtMatmulDescDestroy(h);
  }
};
struct LtLayout {
  cublasLtMatrixLayout_t h = nullptr;
  ~LtLayout() {
    if (h) cublasLtMatrixLayoutDestroy(h);
  }
};
struct LtPref {
  cublasLtMatmulPreference_t h = nullptr;
  ~LtPref() {
    if (h) cublasLtMatmulPreferenceDestroy(h);
  }
};

// One GEMM shape, in the column-major terms cuBLAS sees: D[n, m] = alpha * op(B')[n, k] @
// op(A')[k, m] + beta * C with B' = the row-major b and A' = the row-major a, repeated count
// times with the given batch strides (elements) and pointers whose worst alignments are given.
struct GemmShape {
  DType dtype;
  int64_t m, n, k;
  MatLayout la, lb;
  int64_t sa = 0, sb = 0, sc = 0, count = 1;
  uint32_t align_a = 256, align_b = 256, align_c = 256;
  const void* bias = nullptr;  // [n], added by the bias epilogue (beta must be 0)
};

void set_layout(LtLayout& l, cudaDataType_t t, int64_t rows, int64_t cols, int64_t ld,
                int64_t count, int64_t stride) {
  MICA_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l.h, t, static_cast<uint64_t>(rows),
                                               static_cast<uint64_t>(cols), ld));
  if (count > 1) {
    const int32_t c = static_cast<int32_t>(count);
    MICA_CUBLAS_CHECK(
        cublasLtMatrixLayoutSetAttribute(l.h, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &c, sizeof(c)));
    MICA_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        l.h, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
}

// The heuristic's answer per GEMM shape and device, so repeated shapes (every training step)
// skip cublasLtMatmulAlgoGetHeuristic. Bounded: cleared when it reaches kMaxAlgos entries.
struct AlgoKey {
  std::array<int64_t, 19> v;
  bool operator==(const AlgoKey& o) const { return v == o.v; }
};
struct AlgoKeyHash {
  size_t operator()(const AlgoKey& k) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t x : k.v) h = (h ^ static_cast<uint64_t>(x)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};
struct CachedAlgo {
  bool found = false;
  cublasLtMatmulHeuristicResult_t result{};
};
constexpr size_t kMaxAlgos = 4096;

AlgoKey algo_key(const GemmShape& s, int device, bool tf32) {
  const int64_t bias_align =
      s.bias == nullptr ? -1
                        : static_cast<int64_t>(alignment_of(reinterpret_cast<uintptr_t>(s.bias)));
  return {{device, static_cast<int64_t>(s.dtype), tf32, s.m, s.n, s.k, s.la.trans, s.la.ld,
           s.lb.trans, s.lb.ld, s.sa, s.sb, s.sc, s.count, s.align_a, s.align_b, s.align_c,
           bias_align, 0}};
}

// A prepared cuBLASLt GEMM: descriptors and the heuristic's algorithm, run once per pointer set.
class LtGemm {
 public:
  // ok() is false when cuBLASLt has no algorithm for the shape (the caller falls back).
  LtGemm(const GemmShape& s, int device) : handle_(lt_handle(device)) {
    const cudaDataType_t t = cuda_type(s.dtype);
    const bool tf32 = s.dtype == kFloat32 && g_allow_tf32.load();
    const cublasComputeType_t compute = tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    MICA_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc_.h, compute, CUDA_R_32F));
    const int32_t op_a = s.lb.trans ? CUBLAS_OP_T : CUBLAS_OP_N;  // cuBLAS's A is our b
    const int32_t op_b = s.la.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    MICA_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(desc_.h, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof(op_a)));
    MICA_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(desc_.h, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof(op_b)));
    if (s.bias != nullptr) {
      const uint32_t epi = CUBLASLT_EPILOGUE_BIAS;
      MICA_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_.h, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi,
                                                       sizeof(epi)));
      MICA_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_.h, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                       &s.bias, sizeof(s.bias)));
    }
    if (s.lb.trans)
      set_layout(a_, t, s.k, s.n, s.lb.ld, s.count, s.sb);
    else
      set_layout(a_, t, s.n, s.k, s.lb.ld, s.count, s.sb);
    if (s.la.trans)
      set_layout(b_, t, s.m, s.k, s.la.ld, s.count, s.sa);
    else
      set_layout(b_, t, s.k, s.m, s.la.ld, s.count, s.sa);
    set_layout(c_, t, s.n, s.m, s.n, s.count, s.sc);

    static std::mutex cache_mutex;
    static std::unordered_map<AlgoKey, CachedAlgo, AlgoKeyHash> cache;
    const AlgoKey key = algo_key(s, device, tf32);
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      const auto it = cache.find(key);
      if (it != cache.end()) {
        ok_ = it->second.found;
        heuristic_ = it->second.result;
        return;
      }
    }
    LtPref pref;
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref.h));
    const uint64_t ws = kBlasWorkspaceBytes;
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref.h, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
    const uint32_t al_a = s.align_b, al_b = s.align_a, al_c = s.align_c;  // swapped operands
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref.h, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof(al_a)));
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref.h, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof(al_b)));
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref.h, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_c, sizeof(al_c)));
    MICA_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref.h, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_c, sizeof(al_c)));
    int found = 0;
    const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handle_, desc_.h, a_.h, b_.h, c_.h,
                                                             c_.h, pref.h, 1, &heuristic_, &found);
    if (st != CUBLAS_STATUS_NOT_SUPPORTED) MICA_CUBLAS_CHECK(st);
    ok_ = st == CUBLAS_STATUS_SUCCESS && found > 0;
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxAlgos) cache.clear();
    cache[key] = {ok_, heuristic_};
  }

  bool ok() const { return ok_; }

  // D = alpha * a @ b + beta * D for one pointer set (element pointers of the row-major a, b,
  // out), queued on stream.
  void run(const void* a, const void* b, void* c, float alpha, float beta, void* workspace,
           cudaStream_t stream) const {
    MICA_CUBLAS_CHECK(cublasLtMatmul(handle_, desc_.h, &alpha, b, a_.h, a, b_.h, &beta, c, c_.h, c,
                                     c_.h, &heuristic_.algo, workspace, kBlasWorkspaceBytes,
                                     stream));
  }

 private:
  cublasLtHandle_t handle_;
  LtDesc desc_;
  LtLayout a_, b_, c_;
  cublasLtMatmulHeuristicResult_t heuristic_{};
  bool ok_ = false;
};

// Element offsets of the (out, a, b) matrices of every outer batch index: the plan's innermost
// dim is the strided batch of one call, the rest a host loop.
std::vector<std::array<int64_t, 3>> outer_offsets(const BatchPlan& plan) {
  const int64_t inner = plan.sizes[0];
  std::vector<std::array<int64_t, 3>> offs;
  offs.reserve(static_cast<size_t>(plan.numel / inner));
  for (int64_t i = 0; i < plan.numel; i += inner) {
    int64_t off[3];
    kernels::plan_offsets(plan, i, off);
    offs.push_back({off[0], off[1], off[2]});
  }
  return offs;
}

// The worst alignment of the pointers base + offsets[i][which] * esize, and of the batch stride
// when count > 1.
uint32_t worst_alignment(const void* base, const std::vector<std::array<int64_t, 3>>& offs,
                         int which, int64_t stride, int64_t count, size_t esize) {
  uint32_t al = 256;
  const auto p = reinterpret_cast<uintptr_t>(base);
  for (const auto& o : offs)
    al = std::min(al, alignment_of(p + static_cast<uint64_t>(o[which]) * esize));
  if (count > 1) al = std::min(al, alignment_of(static_cast<uint64_t>(stride) * esize));
  return al;
}

// float32/bfloat16/float16 through cuBLASLt; false when cuBLASLt has no algorithm.
bool lt_batched(const Tensor& out, const Tensor& a, const Tensor& b, const BatchPlan& plan,
                float alpha, float beta) {
  GemmShape s{out.dtype(), out.size(-2), out.size(-1), a.size(-1), layout_of(a), layout_of(b)};
  s.count = plan.sizes[0];
  MICA_CHECK(s.count <= int64_t{0x7fffffff}, "matmul: a batch of ", s.count,
             " matrices is too large for cuBLASLt");
  s.sc = plan.strides[0][0];
  s.sa = plan.strides[1][0];
  s.sb = plan.strides[2][0];
  const auto offs = outer_offsets(plan);
  const size_t es = element_size(out.dtype());
  s.align_c = worst_alignment(out.raw_data(), offs, 0, s.sc, s.count, es);
  s.align_a = worst_alignment(a.raw_data(), offs, 1, s.sa, s.count, es);
  s.align_b = worst_alignment(b.raw_data(), offs, 2, s.sb, s.count, es);
  const int device = out.device().index;
  const LtGemm gemm(s, device);
  if (!gemm.ok()) return false;
  const Tensor ws = blas_workspace(device);
  const cudaStream_t stream = stream_of(out);
  const auto* pa = static_cast<const char*>(a.raw_data());
  const auto* pb = static_cast<const char*>(b.raw_data());
  auto* pc = static_cast<char*>(out.raw_data());
  for (const auto& o : offs)
    gemm.run(pa + o[1] * static_cast<int64_t>(es), pb + o[2] * static_cast<int64_t>(es),
             pc + o[0] * static_cast<int64_t>(es), alpha, beta, ws.raw_data(), stream);
  return true;
}

// float64 through cuBLAS's strided-batched DGEMM.
void dgemm_batched(const Tensor& out, const Tensor& a, const Tensor& b, const BatchPlan& plan,
                   double alpha, double beta) {
  const int64_t m = out.size(-2), n = out.size(-1), k = a.size(-1);
  const MatLayout la = layout_of(a), lb = layout_of(b);
  const int64_t count = plan.sizes[0];
  const int device = out.device().index;
  const Tensor ws = blas_workspace(device);
  const double* pa = a.data_ptr<double>();
  const double* pb = b.data_ptr<double>();
  double* pc = out.data_ptr<double>();
  BlasHandleLease lease = blas_handle(device);
  MICA_CUBLAS_CHECK(cublasSetStream(lease.handle, stream_of(out)));
  MICA_CUBLAS_CHECK(cublasSetWorkspace(lease.handle, ws.raw_data(), kBlasWorkspaceBytes));
  for (const auto& o : outer_offsets(plan))
    MICA_CUBLAS_CHECK(cublasDgemmStridedBatched_64(
        lease.handle, lb.trans ? CUBLAS_OP_T : CUBLAS_OP_N, la.trans ? CUBLAS_OP_T : CUBLAS_OP_N, n,
        m, k, &alpha, pb + o[2], lb.ld, plan.strides[2][0], pa + o[1], la.ld, plan.strides[1][0],
        &beta, pc + o[0], n, plan.strides[0][0], count));
}

BatchPlan batch_plan(const Tensor& out, const Tensor& a, const Tensor& b) {
  const int64_t nb = out.dim() - 2;
  const Shape sizes(out.sizes().begin(), out.sizes().begin() + nb);
  const Shape so(out.strides().begin(), out.strides().begin() + nb);
  const Shape sa(a.strides().begin(), a.strides().begin() + nb);
  const Shape sb(b.strides().begin(), b.strides().begin() + nb);
  return kernels::make_plan<3>(sizes, {&so, &sa, &sb});
}

void check_args(const char* op, const Tensor& out, const Tensor& a, const Tensor& b) {
  MICA_CHECK(out.is_contiguous(), op, ": the output must be contiguous");
  MICA_CHECK(a.dtype() == out.dtype() && b.dtype() == out.dtype(), op,
             ": operands must share the output's dtype, got ", dtype_name(a.dtype()), ", ",
             dtype_name(b.dtype()), " and ", dtype_name(out.dtype()));
  MICA_CHECK(out.is_cuda() && a.device() == out.device() && b.device() == out.device(), op,
             ": operands must be on the output's CUDA device, got ", a.device().str(), ", ",
             b.device().str(), " and ", out.device().str());
  MICA_CHECK(out.dim() >= 2 && a.dim() == out.dim() && b.dim() == out.dim(), op,
             ": expected batched matrices of one rank, got shapes ", shape_str(a.sizes()), ", ",
             shape_str(b.sizes()), " and ", shape_str(out.sizes()));
}

}  // namespace

void set_allow_tf32(bool on) {
  g_allow_tf32.store(on);
}
bool allow_tf32() {
  return g_allow_tf32.load();
}

void batched_matmul(const Tensor& out, const Tensor& a_in, const Tensor& b_in, const Scalar& alpha,
                    const Scalar& beta) {
  check_args("batched_matmul", out, a_in, b_in);
  if (out.numel() == 0) return;
  DeviceGuard guard(out.device().index);
  const DType dt = out.dtype();
  const int64_t k = a_in.size(-1);
  const bool blas =
      (dt == kFloat32 || dt == kFloat64 || dt == kBFloat16 || dt == kFloat16) && k > 0;
  // BLAS needs each matrix as a (possibly transposed) matrix with a leading dimension.
  const Tensor a = blas && !layout_of(a_in).ok ? a_in.contiguous() : a_in;
  const Tensor b = blas && !layout_of(b_in).ok ? b_in.contiguous() : b_in;
  const BatchPlan plan = batch_plan(out, a, b);
  if (blas && dt == kFloat64)
    return dgemm_batched(out, a, b, plan, alpha.to<double>(), beta.to<double>());
  if (blas && lt_batched(out, a, b, plan, alpha.to<float>(), beta.to<float>())) return;
  switch (dt) {
    case kFloat32:
      return tiled_matmul<float>(out, a, b, plan, alpha, beta);
    case kFloat64:
      return tiled_matmul<double>(out, a, b, plan, alpha, beta);
    case kBFloat16:
      return tiled_matmul<BFloat16>(out, a, b, plan, alpha, beta);
    case kFloat16:
      return tiled_matmul<Half>(out, a, b, plan, alpha, beta);
    case kUInt8:
      return tiled_matmul<uint8_t>(out, a, b, plan, alpha, beta);
    case kInt32:
      return tiled_matmul<int32_t>(out, a, b, plan, alpha, beta);
    case kInt64:
      return tiled_matmul<int64_t>(out, a, b, plan, alpha, beta);
    default:
      break;
  }
  MICA_FAIL("batched_matmul: unsupported dtype ", dtype_name(dt));
}

bool matmul_bias_epilogue(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                          const Scalar& alpha) {
  check_args("linear", out, a, b);
  const DType dt = out.dtype();
  if (dt != kFloat32 && dt != kBFloat16 && dt != kFloat16) return false;
  if (out.dim() != 2 || a.size(-1) == 0 || out.numel() == 0) return false;
  if (bias.dtype() != dt || bias.device() != out.device() || bias.dim() != 1 ||
      bias.size(0) != out.size(1) || !bias.is_contiguous())
    return false;
  GemmShape s{dt, out.size(0), out.size(1), a.size(1), layout_of(a), layout_of(b)};
  if (!s.la.ok || !s.lb.ok) return false;
  s.bias = bias.raw_data();
  s.align_a = alignment_of(reinterpret_cast<uintptr_t>(a.raw_data()));
  s.align_b = alignment_of(reinterpret_cast<uintptr_t>(b.raw_data()));
  s.align_c = alignment_of(reinterpret_cast<uintptr_t>(out.raw_data()));
  DeviceGuard guard(out.device().index);
  const LtGemm gemm(s, out.device().index);
  if (!gemm.ok()) return false;
  const Tensor ws = blas_workspace(out.device().index);
  gemm.run(a.raw_data(), b.raw_data(), out.raw_data(), alpha.to<float>(), 0.0f, ws.raw_data(),
           stream_of(out));
  return true;
}

}  // namespace mica::cuda
