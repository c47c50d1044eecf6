// The op table's CUDA column: every row with a CUDA kernel runs on the GPU on the same samples
// as on the CPU (inputs copied with their strides, so non-contiguous and broadcast samples stay
// so) and must match the CPU within the row's tolerance, output by output; random rows start
// from the same seed on both devices and must draw the same numbers. Differentiable rows are
// also compared by gradient: the same random weighting of the outputs, backward on both devices,
// input gradients within tolerance. Every test skips where no GPU is present.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "op_table.h"
#include "tensor/cuda/runtime.h"

namespace mica::test {
namespace {

const Device kGpu(kCUDA, 0);

// t on device with t's sizes, strides and storage offset (the covered storage range is copied).
Tensor to_device_keeping_strides(const Tensor& t, Device device) {
  if (!t.defined()) return t;
  int64_t extent = t.numel() == 0 ? 0 : 1;
  for (int64_t d = 0; d < t.dim() && t.numel() > 0; ++d) extent += (t.size(d) - 1) * t.stride(d);
  const int64_t span = t.storage_offset() + extent;
  const Tensor flat = t.as_strided({span}, {1}, 0).to(device);
  return flat.as_strided(t.sizes(), t.strides(), t.storage_offset());
}

Sample on_device(const Sample& s, Device device) {
  Sample d = s;
  d.device = device;
  for (Tensor& t : d.inputs) t = to_device_keeping_strides(t, device);
  return d;
}

struct Case {
  const OpInfo* op;
  DType dtype;
};
// For gtest's listing: "softmax float32" rather than the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.op->name << " " << dtype_name(c.dtype);
}

std::vector<Case> cuda_cases() {
  std::vector<Case> cases;
  for (const OpInfo& op : all_op_infos())
    if (op.cuda)
      for (DType dt : op.dtypes) cases.push_back({&op, dt});
  return cases;
}

std::vector<Sample> samples_of(const OpInfo& op, DType dt) {
  std::mt19937_64 rng(std::hash<std::string>{}(op.name) ^ static_cast<uint64_t>(dt));
  std::vector<Sample> samples = op.samples(dt, rng);
  for (Sample& s : samples) s.dtype = dt;
  return samples;
}

constexpr uint64_t kSeed = 20261128;

class CudaParity : public ::testing::TestWithParam<Case> {};

TEST_P(CudaParity, MatchesCpu) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const OpInfo& op = *GetParam().op;
  const DType dt = GetParam().dtype;
  for (const Sample& s : samples_of(op, dt)) {
    SCOPED_TRACE(op.name + " " + dtype_name(dt) + " sample " + s.desc);
    manual_seed(kSeed);
    const std::vector<Tensor> want = op.run(s);
    const Sample g = on_device(s, kGpu);
    manual_seed(kSeed);
    const std::vector<Tensor> got = op.run(g);
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      if (!want[k].defined()) continue;
      ASSERT_TRUE(got[k].is_cuda()) << "output " << k << " was computed on " << got[k].device()
                                    << ": the row must create its tensors on Sample::device";
      const Tol tol = !is_floating(got[k].dtype()) ? Tol{0, 0}
                      : op.cuda_tol                ? op.cuda_tol(dt)
                                                   : op.tol(dt);
      EXPECT_EQ(got[k].dtype(), want[k].dtype()) << "output " << k;
      EXPECT_TRUE(all_close(got[k].cpu(), want[k], tol)) << "output " << k;
    }
  }
}

// Gradients of sum_k <w_k, output_k> with respect to the floating inputs, on one device.
std::vector<Tensor> weighted_grads(const OpInfo& op, const Sample& s,
                                   const std::vector<Tensor>& weights) {
  Sample leafs = s;
  for (Tensor& t : leafs.inputs)
    if (t.defined() && is_floating(t.dtype())) t = t.detach().requires_grad_(true);
  const std::vector<Tensor> outs = op.grad_run(leafs);
  Tensor total;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!outs[k].defined() || !outs[k].requires_grad()) continue;
    Tensor term = mica::sum(outs[k] * weights[k].to(outs[k].device(), outs[k].dtype()));
    total = total.defined() ? total + term : term;
  }
  std::vector<Tensor> grads;
  if (!total.defined()) return grads;
  total.backward();
  for (const Tensor& t : leafs.inputs)
    grads.push_back(t.defined() && t.requires_grad() && t.grad().defined() ? t.grad() : Tensor());
  return grads;
}

std::vector<Case> gradient_cases() {
  std::vector<Case> cases;
  for (const OpInfo& op : all_op_infos())
    if (op.cuda && op.differentiable && op.grad_run)
      for (DType dt : {kFloat32, kFloat64})
        if (std::find(op.dtypes.begin(), op.dtypes.end(), dt) != op.dtypes.end())
          cases.push_back({&op, dt});
  return cases;
}

class CudaGradParity : public ::testing::TestWithParam<Case> {};

TEST_P(CudaGradParity, GradientsMatchCpu) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const OpInfo& op = *GetParam().op;
  const DType dt = GetParam().dtype;
  std::mt19937_64 wrng(kSeed);
  for (const Sample& s : samples_of(op, dt)) {
    if (!s.gradcheck) continue;
    SCOPED_TRACE(op.name + " " + dtype_name(dt) + " sample " + s.desc);
    manual_seed(kSeed);
    const std::vector<Tensor> outs = op.run(s);
    std::vector<Tensor> weights;
    for (const Tensor& o : outs)
      weights.push_back(o.defined() && is_floating(o.dtype())
                            ? rand_tensor(o.sizes(), o.dtype(), wrng, -1, 1)
                            : Tensor());
    manual_seed(kSeed);
    const std::vector<Tensor> want = weighted_grads(op, s, weights);
    manual_seed(kSeed);
    const std::vector<Tensor> got = weighted_grads(op, on_device(s, kGpu), weights);
    ASSERT_EQ(got.size(), want.size());
    const Tol row = op.tol(dt);
    const Tol tol{row.atol * 4, row.rtol * 4};  // a backward is a few ops deep
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].defined(), want[i].defined()) << "gradient of input " << i;
      if (!want[i].defined()) continue;
      EXPECT_TRUE(got[i].is_cuda()) << "gradient of input " << i;
      EXPECT_TRUE(all_close(got[i].cpu(), want[i], tol)) << "gradient of input " << i;
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.op->name + "_" + dtype_name(info.param.dtype);
}

INSTANTIATE_TEST_SUITE_P(Ops, CudaParity, ::testing::ValuesIn(cuda_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Ops, CudaGradParity, ::testing::ValuesIn(gradient_cases()), case_name);

// The copy used by this harness keeps strides and offsets (or every non-contiguous sample above
// would silently test a contiguous one).
TEST(CudaParityHarness, DeviceCopyKeepsStridesAndOffset) {
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Tensor base = arange(0.0, 24.0).reshape({4, 6});
  const Tensor view = base.transpose(0, 1).slice(0, 1, 5, 2);
  const Tensor dev = to_device_keeping_strides(view, kGpu);
  EXPECT_EQ(dev.strides(), view.strides());
  EXPECT_EQ(dev.storage_offset(), view.storage_offset());
  EXPECT_TRUE(all_close(dev.cpu(), view, {0, 0}));
}

}  // namespace
}  // namespace mica::test
