// CUDA pointwise kernels, binary arithmetic (add, sub, mul, the divisions, pow, minimum, maximum,
// lerp with a scalar weight) and the zero check of integer division: each BinaryOp's functor comes
// from the shared table (tensor/kernels/pointwise_table.h); comparisons and logical ops are in
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
  const auto map = [&](const char* name, auto dtypes, const auto& make) {
    map_same_type(name, dtypes, make, out, a, b);
  };
  if (kernels::visit_binary_arithmetic(op, args, map) || binary_compare(op, out, a, b)) return;
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
