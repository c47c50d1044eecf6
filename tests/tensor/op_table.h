// The op table (OpInfo-style): one row per op with its dtypes, a sample-input generator
// (contiguous, non-contiguous, broadcast and zero-size inputs), the op under test, a float64
// reference written independently with naive loops, and per-dtype tolerances. The autograd and
// CUDA issues add columns (gradcheck, CPU-vs-CUDA parity) to the same rows.
#pragma once

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace mica::test {

struct Sample {
  std::vector<Tensor> inputs;
  std::vector<int64_t> ints;  // op-specific integer arguments (dims, sizes, flags)
  std::vector<double> reals;  // op-specific real arguments (scalars, eps, p)
  std::string desc;           // e.g. "[3, 4] non-contiguous"
  DType dtype = kFloat32;     // the dtype under test (set by the driver)
  // false: a forward-only sample (e.g. 20k-element reductions for chunked kernel paths, too
  // large for finite differences, which cost two evaluations per input element)
  bool gradcheck = true;
  // The device under test (set by the driver): a row whose run creates tensors itself (random
  // ops, factories) creates them here, so the CUDA parity test runs it on the GPU.
  Device device = Device(kCPU);
};

struct OpInfo {
  std::string name;
  std::vector<DType> dtypes;
  // Samples for one dtype; rng is seeded per (op, dtype) so runs are reproducible.
  std::function<std::vector<Sample>(DType, std::mt19937_64&)> samples;
  // The op under test; returns its outputs (several for multi-output ops such as max with indices).
  std::function<std::vector<Tensor>(const Sample&)> run;
  // Reference on the same sample with floating inputs converted to float64.
  std::function<std::vector<Tensor>(const Sample&)> reference;
  std::function<Tol(DType)> tol = default_tol;
  // Autograd column. A differentiable row names grad_run: the same op through the differentiable
  // API (mica::..., not mica::ops::...) on the same sample. tests/autograd gradchecks it in
  // float64 on every sample of the row, with respect to the inputs listed in grad_inputs (empty:
  // every floating input). OpCoverage fails when a differentiable row has no grad_run.
  bool differentiable = true;
  std::function<std::vector<Tensor>(const Sample&)> grad_run;
  std::vector<size_t> grad_inputs;
  // Also gradgradcheck every sample (second derivatives through create_graph).
  bool gradgrad = false;
  // CUDA column: the op has a CUDA kernel, so tests/cuda/op_parity_test.cpp compares it with the
  // CPU on every sample (values, and gradients of differentiable rows) where a GPU is present.
  // OpCoverage fails on a row without one.
  bool cuda = true;
  // The CPU-vs-CUDA tolerance when it must differ from tol (e.g. normal draws, exact against the
  // float64 reference on the CPU, go through the GPU's log/sin/cos: a few ulps apart).
  std::function<Tol(DType)> cuda_tol;
};

// Rows per op family, one function per file (explicit, no static registration).
std::vector<OpInfo> pointwise_op_infos();
std::vector<OpInfo> reduction_op_infos();
std::vector<OpInfo> linalg_op_infos();
std::vector<OpInfo> indexing_op_infos();
std::vector<OpInfo> nn_op_infos();
std::vector<OpInfo> conv_op_infos();
std::vector<OpInfo> random_op_infos();
std::vector<OpInfo> view_op_infos();
// All rows.
const std::vector<OpInfo>& all_op_infos();

// ---- sample helpers shared by the families ----
inline const std::vector<DType> kFloatingDTypes{kFloat32, kFloat64, kBFloat16, kFloat16};
inline const std::vector<DType> kAllDTypes{kFloat32, kFloat64, kBFloat16, kFloat16,
                                           kInt64,   kInt32,   kUInt8,    kBool};
inline const std::vector<DType> kNumericDTypes{kFloat32, kFloat64, kBFloat16, kFloat16,
                                               kInt64,   kInt32,   kUInt8};

// One input: shapes 0-d, 1-d, 2-d, 3-d, zero-size and a non-contiguous 2-d, values in [low, high).
std::vector<Sample> unary_samples(DType dt, std::mt19937_64& rng, double low = -2, double high = 2);
// Two inputs: same shapes, broadcasts ([3,1]x[1,4], [2,3,4]x[4], 0-d x [3,4]), zero-size and
// non-contiguous pairs.
std::vector<Sample> binary_samples(DType dt, std::mt19937_64& rng, double low = -2,
                                   double high = 2);
// Converts a sample's floating inputs to float64 (integer and bool inputs stay as they are).
Sample to_float64(const Sample& s);

}  // namespace mica::test
