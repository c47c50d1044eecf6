// CUDA pointwise kernels, binary arithmetic (add, sub, mul, the divisions, pow, minimum, maximum,
// lerp with a scalar weight) and the zero check of integer division: each BinaryOp maps to its
// shared functor exactly as in tensor/cpu/pointwise.cpp; comparisons and logical ops are in
// pointwise_compare.cu.
#include "tensor/cuda/pointwise_impl.cuh"
#include "tensor/ops/factory.h"

namespace mica::cuda {

using namespace detail;

namespace {

// Sets *flag when any of the n elements is zero (in the compute type, so -0.0 counts).
template <class T>
__global__ void any_zero_kernel(int64_t n, const T* p, int* flag) {
  for (int64_t i = global_thread(); i < n; i += grid_stride())
    if (convert<compute_t<T>>(p[i]) == compute_t<T>(0)) *flag = 1;
}

}  // namespace

void binary(ops::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
            const ops::PointwiseArgs& args) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::Add:
      return map_same_type(
          "add", kAll, [&]<class C>() { return kernels::Add<C>{args.alpha.to<C>()}; }, out, a, b);
    case BinaryOp::Sub:
      return map_same_type(
          "sub", kNumeric, [&]<class C>() { return kernels::Sub<C>{args.alpha.to<C>()}; }, out, a,
          b);
    case BinaryOp::Mul:
      return map_same_type("mul", kAll, plain<kernels::Mul>, out, a, b);
    case BinaryOp::Div:
      return map_same_type("div", kFloating, plain<kernels::Div>, out, a, b);
    case BinaryOp::DivTrunc:
      return map_same_type("div", kNumeric, plain<kernels::DivTrunc>, out, a, b);
    case BinaryOp::DivFloor:
      return map_same_type("div", kNumeric, plain<kernels::DivFloor>, out, a, b);
    case BinaryOp::Pow:
      return map_same_type("pow", kNumeric, plain<kernels::Pow>, out, a, b);
    case BinaryOp::Minimum:
      return map_same_type("minimum", kAll, plain<kernels::Minimum>, out, a, b);
    case BinaryOp::Maximum:
      return map_same_type("maximum", kAll, plain<kernels::Maximum>, out, a, b);
    case BinaryOp::Lerp:
      return map_same_type(
          "lerp", kFloating, [&]<class C>() { return kernels::LerpScalar<C>{args.weight.to<C>()}; },
          out, a, b);
    default:
      if (binary_compare(op, out, a, b)) return;
  }
  MICA_FAIL("binary: unknown op");
}

bool has_zero(const Tensor& t_in) {
  if (t_in.numel() == 0) return false;
  const Tensor t = t_in.contiguous();
  const int device = t.device().index;
  DeviceGuard guard(device);
  const cudaStream_t stream = stream_of(t);
  Tensor flag = empty({1}, TensorOptions(kInt32).device(t.device()));
  MICA_CUDA_CHECK(cudaMemsetAsync(flag.raw_data(), 0, sizeof(int), stream));
  dispatch_all(t.dtype(), "has_zero", [&]<class T>() {
    any_zero_kernel<T><<<blocks_for(t.numel()), kThreads, 0, stream>>>(
        t.numel(), static_cast<const T*>(t.raw_data()), static_cast<int*>(flag.raw_data()));
  });
  MICA_CUDA_LAUNCH_CHECK();
  int host = 0;
  MICA_CUDA_CHECK(
      cudaMemcpyAsync(&host, flag.raw_data(), sizeof(int), cudaMemcpyDeviceToHost, stream));
  MICA_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host != 0;
}

}  // namespace mica::cuda
