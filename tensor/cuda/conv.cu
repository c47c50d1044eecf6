// CUDA convolution through cuDNN's legacy API (NCHW): conv2d forward, backward-data and
// backward-filter with groups, stride, padding and dilation; conv_transpose2d and conv1d reach
// these through the front-end (tensor/ops/conv.cpp). The algorithm of each geometry is chosen once
// (cuDNN's heuristics, deterministic algorithms first, float32 without TF32) and cached; the
// workspace comes from the caching allocator. Strided operands are first packed by a small
// kernel, and the bias is added by another, so cuDNN only ever sees packed NCHW tensors.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "tensor/cuda/conv.h"
#include "tensor/cuda/cudnn_handle.cuh"
#include "tensor/cuda/launch.cuh"
#include "tensor/dtype.h"
#include "tensor/ops/factory.h"

namespace mica::cuda {

namespace {

// ---- kernels ----

// dst [n, c, h2, w2] contiguous = src [n, c, h, w] (any strides), zero where y >= h or x >= w.
// U is an unsigned integer of the element's size: the copy moves bits, and zero bits are 0.0.
template <class U>
__global__ void pack_kernel(const U* src, int64_t s0, int64_t s1, int64_t s2, int64_t s3, int64_t c,
                            int64_t h, int64_t w, U* dst, int64_t h2, int64_t w2, int64_t total) {
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t x = i % w2;
    int64_t t = i / w2;
    const int64_t y = t % h2;
    t /= h2;
    const int64_t ch = t % c, n = t / c;
    dst[i] = y < h && x < w ? src[n * s0 + ch * s1 + y * s2 + x * s3] : U(0);
  }
}

// out [*, c, plane] contiguous: out += bias[channel] (bias with stride bs), in compute_t<T>.
template <class T>
__global__ void add_bias_kernel(T* out, const T* bias, int64_t bs, int64_t c, int64_t plane,
                                int64_t total) {
  using C = compute_t<T>;
  for (int64_t i = global_thread(); i < total; i += grid_stride()) {
    const int64_t ch = (i / plane) % c;
    out[i] = convert<T>(convert<C>(out[i]) + convert<C>(bias[ch * bs]));
  }
}

// ---- launchers of the helper kernels ----

template <class U>
void launch_pack(const Tensor& src, const Tensor& dst) {
  const int64_t total = dst.numel();
  pack_kernel<U><<<blocks_for(total), kThreads, 0, stream_of(dst)>>>(
      static_cast<const U*>(src.raw_data()), src.stride(0), src.stride(1), src.stride(2),
      src.stride(3), src.size(1), src.size(2), src.size(3), static_cast<U*>(dst.raw_data()),
      dst.size(2), dst.size(3), total);
  MICA_CUDA_LAUNCH_CHECK();
}

// t [n, c, h, w] as a contiguous [n, c, h2, w2] (h2 >= h, w2 >= w), zero-padded at the end of the
// spatial dims; t itself when that is already so.
Tensor packed(const Tensor& t, int64_t h2, int64_t w2) {
  if (t.is_contiguous() && t.size(2) == h2 && t.size(3) == w2) return t;
  Tensor dst = empty({t.size(0), t.size(1), h2, w2}, TensorOptions(t.dtype()).device(t.device()));
  if (dst.numel() == 0) return dst;
  switch (t.element_size()) {
    case 2:
      launch_pack<uint16_t>(t, dst);
      break;
    case 4:
      launch_pack<uint32_t>(t, dst);
      break;
    case 8:
      launch_pack<uint64_t>(t, dst);
      break;
    default:
      MICA_FAIL("conv2d: unexpected element size ", t.element_size());
  }
  return dst;
}

void add_bias(const Tensor& out, const Tensor& bias) {
  const int64_t total = out.numel();
  if (!bias.defined() || total == 0) return;
  const int64_t c = out.size(1), plane = out.size(2) * out.size(3);
  dispatch_floating(out.dtype(), "conv2d bias", [&]<class T>() {
    add_bias_kernel<T><<<blocks_for(total), kThreads, 0, stream_of(out)>>>(
        out.data_ptr<T>(), bias.data_ptr<T>(), bias.stride(0), c, plane, total);
  });
  MICA_CUDA_LAUNCH_CHECK();
}

// ---- cuDNN descriptors ----

cudnnDataType_t data_type(DType t) {
  switch (t) {
    case kFloat32:
      return CUDNN_DATA_FLOAT;
    case kFloat64:
      return CUDNN_DATA_DOUBLE;
    case kFloat16:
      return CUDNN_DATA_HALF;
    case kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      MICA_FAIL("conv2d: cuDNN convolution does not take ", dtype_name(t));
  }
}
// float64 computes in double; everything else in float.
cudnnDataType_t compute_type(DType t) {
  return t == kFloat64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
}
// float32 stays float32 (FMA only: no TF32, so results match the CPU to float precision); 16-bit
// dtypes may use tensor cores.
cudnnMathType_t math_type(DType t) {
  if (t == kFloat32) return CUDNN_FMA_MATH;
  if (t == kFloat64) return CUDNN_DEFAULT_MATH;
  return CUDNN_TENSOR_OP_MATH;
}
bool math_allowed(DType t, cudnnMathType_t m) {
  return t != kFloat32 || m == CUDNN_FMA_MATH || m == CUDNN_DEFAULT_MATH;
}

int to_int(int64_t v, const char* what) {
  MICA_CHECK(v >= 0 && v <= INT_MAX, "conv2d: ", what, " ", v, " is too large for cuDNN");
  return static_cast<int>(v);
}

struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  // A packed NCHW tensor.
  TensorDesc(DType t, int64_t n, int64_t c, int64_t h, int64_t w) {
    MICA_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
    to_int(n * c * h * w, "tensor size");
    MICA_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, data_type(t),
                                                to_int(n, "batch"), to_int(c, "channels"),
                                                to_int(h, "height"), to_int(w, "width")));
  }
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc(DType t, int64_t k, int64_t c, int64_t h, int64_t w) {
    MICA_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d));
    MICA_CUDNN_CHECK(cudnnSetFilter4dDescriptor(
        d, data_type(t), CUDNN_TENSOR_NCHW, to_int(k, "filters"), to_int(c, "channels"),
        to_int(h, "kernel height"), to_int(w, "kernel width")));
  }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc(DType t, const cpu::Conv2dGeom& g) {
    MICA_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
    MICA_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        d, to_int(g.ph, "padding"), to_int(g.pw, "padding"), to_int(g.sh, "stride"),
        to_int(g.sw, "stride"), to_int(g.dh, "dilation"), to_int(g.dw, "dilation"),
        CUDNN_CROSS_CORRELATION, compute_type(t)));
    MICA_CUDNN_CHECK(cudnnSetConvolutionGroupCount(d, to_int(g.groups, "groups")));
    MICA_CUDNN_CHECK(cudnnSetConvolutionMathType(d, math_type(t)));
  }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

// The descriptors of one call: x [n, c_in, h, w], w [c_out, c_in/groups, kh, kw],
// y [n, c_out, yh, yw] (yh, yw: conv2d's natural output size of x).
struct Descs {
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
  Descs(DType t, const cpu::Conv2dGeom& g, int64_t yh, int64_t yw)
      : x(t, g.n, g.c_in, g.h, g.w),
        y(t, g.n, g.c_out, yh, yw),
        w(t, g.c_out, g.c_in / g.groups, g.kh, g.kw),
        conv(t, g) {}
};

// alpha = 1, beta = 0 in the scaling type cuDNN expects (double for double data, else float).
struct Scaling {
  float f1 = 1.f, f0 = 0.f;
  double d1 = 1.0, d0 = 0.0;
  bool dbl;
  explicit Scaling(DType t) : dbl(t == kFloat64) {}
  const void* one() const { return dbl ? static_cast<const void*>(&d1) : &f1; }
  const void* zero() const { return dbl ? static_cast<const void*>(&d0) : &f0; }
};

// ---- algorithm choice ----

enum Direction : int64_t { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

struct Candidate {
  int algo;
  cudnnMathType_t math;
};

using AlgoKey = std::array<int64_t, 20>;

AlgoKey algo_key(Direction dir, int device, DType t, const cpu::Conv2dGeom& g, int64_t yh,
                 int64_t yw) {
  return {dir,      device,  static_cast<int64_t>(t),
          g.n,      g.c_in,  g.h,
          g.w,      g.c_out, yh,
          yw,       g.kh,    g.kw,
          g.sh,     g.sw,    g.ph,
          g.pw,     g.dh,    g.dw,
          g.groups, 0};
}

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}
std::map<AlgoKey, Candidate>& algo_cache() {
  static std::map<AlgoKey, Candidate> cache;
  return cache;
}

// The usable entries of cuDNN's ranked heuristic results: status success, no TF32 for float32;
// deterministic algorithms first (stable, so each group keeps cuDNN's order).
template <class Perf>
std::vector<Candidate> rank(const Perf* perf, int count, DType t) {
  std::vector<Candidate> det, nondet;
  for (int i = 0; i < count; ++i) {
    const Perf& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS || !math_allowed(t, p.mathType)) continue;
    const cudnnMathType_t m = t == kFloat32 ? CUDNN_FMA_MATH : p.mathType;
    (p.determinism == CUDNN_DETERMINISTIC ? det : nondet).push_back({static_cast<int>(p.algo), m});
  }
  det.insert(det.end(), nondet.begin(), nondet.end());
  // Last resort for float32, should no FMA-only kernel run: the same algorithms in default math
  // (which may use TF32).
  if (t == kFloat32)
    for (size_t i = 0, n = det.size(); i < n; ++i) det.push_back({det[i].algo, CUDNN_DEFAULT_MATH});
  return det;
}

std::vector<Candidate> candidates(Direction dir, cudnnHandle_t h, const Descs& d, DType t) {
  int count = 0;
  if (dir == kForward) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    MICA_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        h, d.x.d, d.w.d, d.conv.d, d.y.d, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    return rank(perf, count, t);
  }
  if (dir == kBackwardData) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    MICA_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, d.w.d, d.y.d, d.conv.d, d.x.d, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    return rank(perf, count, t);
  }
  cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  MICA_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
      h, d.x.d, d.y.d, d.conv.d, d.w.d, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
  return rank(perf, count, t);
}

// Workspace bytes of algo, or a status other than success when cuDNN cannot run it here.
cudnnStatus_t workspace_size(Direction dir, cudnnHandle_t h, const Descs& d, int algo,
                             size_t* bytes) {
  if (dir == kForward)
    return cudnnGetConvolutionForwardWorkspaceSize(
        h, d.x.d, d.w.d, d.conv.d, d.y.d, static_cast<cudnnConvolutionFwdAlgo_t>(algo), bytes);
  if (dir == kBackwardData)
    return cudnnGetConvolutionBackwardDataWorkspaceSize(
        h, d.w.d, d.y.d, d.conv.d, d.x.d, static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), bytes);
  return cudnnGetConvolutionBackwardFilterWorkspaceSize(
      h, d.x.d, d.y.d, d.conv.d, d.w.d, static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), bytes);
}

// Device pointers of one call: forward y = conv(x, w); backward data x = B(y, w); backward
// filter w = B(x, y). `out` is the written one.
struct Operands {
  const void *x, *w, *y;
  void* out;
};

cudnnStatus_t execute(Direction dir, cudnnHandle_t h, const Descs& d, const Scaling& s, int algo,
                      void* ws, size_t ws_bytes, const Operands& o) {
  if (dir == kForward)
    return cudnnConvolutionForward(h, s.one(), d.x.d, o.x, d.w.d, o.w, d.conv.d,
                                   static_cast<cudnnConvolutionFwdAlgo_t>(algo), ws, ws_bytes,
                                   s.zero(), d.y.d, o.out);
  if (dir == kBackwardData)
    return cudnnConvolutionBackwardData(h, s.one(), d.w.d, o.w, d.y.d, o.y, d.conv.d,
                                        static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), ws,
                                        ws_bytes, s.zero(), d.x.d, o.out);
  return cudnnConvolutionBackwardFilter(h, s.one(), d.x.d, o.x, d.y.d, o.y, d.conv.d,
                                        static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), ws,
                                        ws_bytes, s.zero(), d.w.d, o.out);
}

const char* direction_name(Direction dir) {
  return dir == kForward        ? "conv2d"
         : dir == kBackwardData ? "conv2d_backward_input"
                                : "conv2d_backward_weight";
}

// Runs one pass: the cached algorithm of this geometry, or (first time) cuDNN's candidates in
// order until one runs, which is then cached.
void run_conv(Direction dir, const Tensor& ref, const cpu::Conv2dGeom& g, int64_t yh, int64_t yw,
              const Operands& o) {
  const DType t = ref.dtype();
  const int device = ref.device().index;
  cudnnHandle_t h = cudnn_handle(device);
  Descs d(t, g, yh, yw);
  const Scaling s(t);
  const AlgoKey key = algo_key(dir, device, t, g, yh, yw);

  auto try_one = [&](const Candidate& c) -> cudnnStatus_t {
    MICA_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.d, c.math));
    size_t bytes = 0;
    cudnnStatus_t st = workspace_size(dir, h, d, c.algo, &bytes);
    if (st != CUDNN_STATUS_SUCCESS) return st;
    Tensor ws;
    if (bytes > 0) {
      try {
        ws = empty({static_cast<int64_t>(bytes)}, TensorOptions(kUInt8).device(ref.device()));
      } catch (const Error&) {
        return CUDNN_STATUS_NOT_SUPPORTED;  // workspace too large for the free memory: next one
      }
    }
    return execute(dir, h, d, s, c.algo, bytes > 0 ? ws.raw_data() : nullptr, bytes, o);
  };

  Candidate cached{-1, CUDNN_DEFAULT_MATH};
  {
    std::lock_guard<std::mutex> lock(cache_mutex());
    auto it = algo_cache().find(key);
    if (it != algo_cache().end()) cached = it->second;
  }
  // Statuses that mean "not this algorithm here" (rather than a broken call).
  auto retryable = [](cudnnStatus_t st) {
    const int category = static_cast<int>(st) / 1000 * 1000;
    return category == CUDNN_STATUS_NOT_SUPPORTED || category == CUDNN_STATUS_BAD_PARAM;
  };
  if (cached.algo >= 0) {
    const cudnnStatus_t st = try_one(cached);
    if (st == CUDNN_STATUS_SUCCESS) return;
    if (!retryable(st)) MICA_CUDNN_CHECK(st);  // else (e.g. no memory for its workspace) search
  }
  cudnnStatus_t last = CUDNN_STATUS_NOT_SUPPORTED;
  for (const Candidate& c : candidates(dir, h, d, t)) {
    last = try_one(c);
    if (last == CUDNN_STATUS_SUCCESS) {
      std::lock_guard<std::mutex> lock(cache_mutex());
      algo_cache()[key] = c;
      return;
    }
    if (!retryable(last)) break;  // a real error, reported below
  }
  MICA_FAIL(direction_name(dir), ": no cuDNN algorithm runs ", dtype_name(t), " input [", g.n, ", ",
            g.c_in, ", ", g.h, ", ", g.w, "] with weight [", g.c_out, ", ", g.c_in / g.groups, ", ",
            g.kh, ", ", g.kw, "] (stride [", g.sh, ", ", g.sw, "], padding [", g.ph, ", ", g.pw,
            "], dilation [", g.dh, ", ", g.dw, "], groups ", g.groups,
            "); last status: ", cudnnGetErrorString(last));
}

// conv2d's natural output size along one dim.
int64_t natural_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

void check_dtype(const Tensor& t) {
  data_type(t.dtype());  // throws for a dtype cuDNN does not take
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out,
                    const cpu::Conv2dGeom& g) {
  check_dtype(x);
  if (out.numel() == 0) return;
  DeviceGuard guard(out.device().index);
  const Tensor xp = packed(x, g.h, g.w), wp = packed(weight, g.kh, g.kw);
  run_conv(kForward, out, g, g.oh, g.ow, {xp.raw_data(), wp.raw_data(), nullptr, out.raw_data()});
  add_bias(out, bias);
}

void conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Tensor& bias,
                           const Tensor& grad_in, const cpu::Conv2dGeom& g) {
  check_dtype(grad_out);
  if (grad_in.numel() == 0) return;
  DeviceGuard guard(grad_in.device().index);
  // conv_transpose2d's output_padding can make the image one conv2d maps to more than [oh, ow]
  // outputs; the missing rows / columns of grad_out are zeros.
  const int64_t yh = natural_out(g.h, g.kh, g.sh, g.ph, g.dh);
  const int64_t yw = natural_out(g.w, g.kw, g.sw, g.pw, g.dw);
  MICA_CHECK(yh >= g.oh && yw >= g.ow, "conv2d_backward_input: grad_output [", g.oh, ", ", g.ow,
             "] is larger than conv2d's output [", yh, ", ", yw, "]");
  if (grad_out.numel() == 0) {
    MICA_CUDA_CHECK(cudaMemsetAsync(grad_in.raw_data(), 0, grad_in.nbytes(), stream_of(grad_in)));
  } else {
    const Tensor gp = packed(grad_out, yh, yw), wp = packed(weight, g.kh, g.kw);
    run_conv(kBackwardData, grad_in, g, yh, yw,
             {nullptr, wp.raw_data(), gp.raw_data(), grad_in.raw_data()});
  }
  add_bias(grad_in, bias);
}

void conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Tensor& grad_weight,
                            const cpu::Conv2dGeom& g) {
  check_dtype(x);
  if (grad_weight.numel() == 0) return;
  DeviceGuard guard(grad_weight.device().index);
  if (g.n == 0 || grad_out.numel() == 0) {
    MICA_CUDA_CHECK(
        cudaMemsetAsync(grad_weight.raw_data(), 0, grad_weight.nbytes(), stream_of(grad_weight)));
    return;
  }
  const Tensor gp = packed(grad_out, g.oh, g.ow), xp = packed(x, g.h, g.w);
  run_conv(kBackwardFilter, grad_weight, g, g.oh, g.ow,
           {xp.raw_data(), nullptr, gp.raw_data(), grad_weight.raw_data()});
}

}  // namespace mica::cuda
