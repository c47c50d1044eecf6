// The fused CUDA attention (tensor/ops/attention.h, mica::fused_attention and its use by
// F::scaled_dot_product_attention) against the composed path run on the CPU in float64 from the
// same (dtype-rounded) inputs: outputs, log-sum-exp and the gradients of q, k, v, over odd and
// tile-sized lengths, T != S, causal or not, head dims 8 to 128, float32/bfloat16/float16.
// Plus strided inputs, determinism, the autograd path (first and second order) and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "autograd/engine.h"
#include "autograd/meta.h"
#include "mica.h"
#include "tensor/cuda/runtime.h"

namespace mica {
namespace {

namespace F = nn::functional;

#define SKIP_WITHOUT_GPU() \
  if (!cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const Device kGpu(kCUDA);

// Elementwise |a - e| <= atol + rtol * |e| on the CPU in float64; names the worst element.
::testing::AssertionResult near(const Tensor& actual, const Tensor& expected, double atol,
                                double rtol) {
  const Tensor a = actual.cpu().to(kFloat64).contiguous();
  const Tensor e = expected.detach().cpu().to(kFloat64).contiguous();
  if (a.sizes() != e.sizes())
    return ::testing::AssertionFailure()
           << "shape " << shape_str(a.sizes()) << " vs " << shape_str(e.sizes());
  const double *pa = a.data_ptr<double>(), *pe = e.data_ptr<double>();
  int64_t worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double err = std::abs(pa[i] - pe[i]), bound = atol + rtol * std::abs(pe[i]);
    if (!(err <= bound) && (worst < 0 || err - bound > worst_excess)) {
      worst = i;
      worst_excess = std::isnan(err) ? INFINITY : err - bound;
    }
  }
  if (worst < 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "element " << worst << ": " << pa[worst] << " vs " << pe[worst] << " (atol " << atol
         << ", rtol " << rtol << ")";
}

struct Tol {
  double atol, rtol;
};
Tol tol_for(DType dt) {
  if (dt == kFloat32) return {1e-4, 1e-4};
  if (dt == kFloat16) return {5e-3, 5e-3};
  return {3e-2, 3e-2};  // bfloat16
}

struct Case {
  int64_t B, H, T, S, D;
  bool causal;
  DType dt;
  std::string str() const {
    std::ostringstream os;
    os << dtype_name(dt) << " B" << B << " H" << H << " T" << T << " S" << S << " D" << D
       << (causal ? " causal" : "");
    return os.str();
  }
};

// Inputs drawn in float32 on the CPU and rounded to the case's dtype (CPU side).
struct Inputs {
  Tensor q, k, v, g;  // CPU, case dtype
  double scale;
};
Inputs make_inputs(const Case& c, uint64_t seed) {
  Generator gen(seed);
  Inputs in;
  in.q = randn({c.B, c.H, c.T, c.D}, {}, &gen).to(c.dt);
  in.k = randn({c.B, c.H, c.S, c.D}, {}, &gen).to(c.dt);
  in.v = randn({c.B, c.H, c.S, c.D}, {}, &gen).to(c.dt);
  in.g = randn({c.B, c.H, c.T, c.D}, {}, &gen).to(c.dt);
  in.scale = 1.0 / std::sqrt(static_cast<double>(c.D));
  return in;
}

// The composed path on the CPU in float64: out, lse and the gradients for grad_out g.
struct Reference {
  Tensor out, lse, dq, dk, dv;
};
Reference reference(const Inputs& in, bool causal) {
  Tensor q = in.q.to(kFloat64).requires_grad_(), k = in.k.to(kFloat64).requires_grad_(),
         v = in.v.to(kFloat64).requires_grad_();
  Tensor out =
      F::scaled_dot_product_attention_with_weights(q, k, v, {}, 0.0, causal, in.scale).first;
  auto grads = autograd::grad({out}, {q, k, v}, {in.g.to(kFloat64)});
  Reference r{out.detach(), Tensor(), grads[0], grads[1], grads[2]};
  {
    NoGradGuard no_grad;
    Tensor scores = ops::mul(ops::matmul(q.detach(), k.detach().transpose(-2, -1)), in.scale);
    if (causal) {
      const int64_t T = q.size(2), S = k.size(2);
      const Tensor mask = ops::gt(arange(S, TensorOptions(kInt64)).unsqueeze(0),
                                  arange(T, TensorOptions(kInt64)).unsqueeze(1));
      scores = ops::masked_fill(scores, mask, -INFINITY);
    }
    r.lse = ops::logsumexp(scores, {-1});
  }
  return r;
}

void check_case(const Case& c, uint64_t seed = 7) {
  SCOPED_TRACE(c.str());
  const Inputs in = make_inputs(c, seed);
  const Reference ref = reference(in, c.causal);
  const Tensor q = in.q.to(kGpu), k = in.k.to(kGpu), v = in.v.to(kGpu), g = in.g.to(kGpu);
  const Tol t = tol_for(c.dt);

  const ops::AttentionForward f = ops::attention_forward(q, k, v, c.causal, in.scale);
  EXPECT_EQ(f.out.dtype(), c.dt);
  EXPECT_EQ(f.logsumexp.dtype(), kFloat32);
  EXPECT_TRUE(near(f.out, ref.out, t.atol, t.rtol)) << "out";
  EXPECT_TRUE(near(f.logsumexp, ref.lse, 1e-4, 1e-4)) << "logsumexp";

  const ops::AttentionBackward b =
      ops::attention_backward(g, q, k, v, f.out, f.logsumexp, c.causal, in.scale);
  EXPECT_TRUE(near(b.dq, ref.dq, t.atol, t.rtol)) << "dq";
  EXPECT_TRUE(near(b.dk, ref.dk, t.atol, t.rtol)) << "dk";
  EXPECT_TRUE(near(b.dv, ref.dv, t.atol, t.rtol)) << "dv";
}

TEST(CudaAttention, Float32MatchesComposed) {
  SKIP_WITHOUT_GPU();
  for (int64_t D : {64, 128})
    for (bool causal : {false, true})
      for (int64_t L : {1, 17, 64, 127, 256}) check_case({2, 3, L, L, D, causal, kFloat32});
}

TEST(CudaAttention, Float32QueryAndKeyLengthsDiffer) {
  SKIP_WITHOUT_GPU();
  const std::pair<int64_t, int64_t> lengths[] = {{17, 64}, {64, 17}, {127, 256},
                                                 {256, 1}, {1, 100}, {300, 33}};
  for (int64_t D : {64, 128})
    for (bool causal : {false, true})
      for (auto [T, S] : lengths) check_case({2, 3, T, S, D, causal, kFloat32});
}

TEST(CudaAttention, Float32OtherHeadDims) {
  SKIP_WITHOUT_GPU();
  for (int64_t D : {8, 16, 32, 40, 72, 96, 120})
    for (bool causal : {false, true}) check_case({1, 2, 45, 70, D, causal, kFloat32});
}

TEST(CudaAttention, HalfPrecisionMatchesComposed) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kBFloat16, kFloat16})
    for (int64_t D : {64, 128})
      for (bool causal : {false, true}) {
        for (int64_t L : {1, 17, 127, 256}) check_case({2, 3, L, L, D, causal, dt});
        check_case({2, 3, 100, 37, D, causal, dt});
        check_case({2, 3, 37, 100, D, causal, dt});
      }
}

// Non-contiguous q, k, v (the [B, T, H, D] -> [B, H, T, D] transpose MultiheadAttention makes)
// and a broadcast grad_out (stride 0) give the contiguous inputs' results.
TEST(CudaAttention, StridedInputsAndBroadcastGrad) {
  SKIP_WITHOUT_GPU();
  Generator gen(3);
  const int64_t B = 2, H = 3, T = 50, S = 70, D = 64;
  const Tensor q_bthd = randn({B, T, H, D}, {}, &gen), k_bshd = randn({B, S, H, D}, {}, &gen),
               v_bshd = randn({B, S, H, D}, {}, &gen), g_row = randn({D}, {}, &gen);
  const Tensor qs = q_bthd.to(kGpu).transpose(1, 2), ks = k_bshd.to(kGpu).transpose(1, 2),
               vs = v_bshd.to(kGpu).transpose(1, 2);
  const Tensor qc = q_bthd.transpose(1, 2).contiguous().to(kGpu),
               kc = k_bshd.transpose(1, 2).contiguous().to(kGpu),
               vc = v_bshd.transpose(1, 2).contiguous().to(kGpu);
  ASSERT_FALSE(qs.is_contiguous());
  const Tensor g_bcast = g_row.to(kGpu).expand({B, H, T, D});
  const Tensor g_full = g_row.expand({B, H, T, D}).contiguous().to(kGpu);
  for (bool causal : {false, true}) {
    const auto fs = ops::attention_forward(qs, ks, vs, causal, 0.125);
    const auto fc = ops::attention_forward(qc, kc, vc, causal, 0.125);
    EXPECT_TRUE(near(fs.out, fc.out, 0, 0));
    const auto bs =
        ops::attention_backward(g_bcast, qs, ks, vs, fs.out, fs.logsumexp, causal, 0.125);
    const auto bc =
        ops::attention_backward(g_full, qc, kc, vc, fc.out, fc.logsumexp, causal, 0.125);
    EXPECT_TRUE(near(bs.dq, bc.dq, 0, 0));
    EXPECT_TRUE(near(bs.dk, bc.dk, 0, 0));
    EXPECT_TRUE(near(bs.dv, bc.dv, 0, 0));
  }
}

TEST(CudaAttention, BackwardIsDeterministic) {
  SKIP_WITHOUT_GPU();
  const Inputs in = make_inputs({2, 4, 300, 300, 64, true, kFloat32}, 11);
  const Tensor q = in.q.to(kGpu), k = in.k.to(kGpu), v = in.v.to(kGpu), g = in.g.to(kGpu);
  const auto f = ops::attention_forward(q, k, v, true, in.scale);
  const auto b1 = ops::attention_backward(g, q, k, v, f.out, f.logsumexp, true, in.scale);
  const auto b2 = ops::attention_backward(g, q, k, v, f.out, f.logsumexp, true, in.scale);
  EXPECT_TRUE(near(b1.dq, b2.dq, 0, 0));
  EXPECT_TRUE(near(b1.dk, b2.dk, 0, 0));
  EXPECT_TRUE(near(b1.dv, b2.dv, 0, 0));
}

// F::scaled_dot_product_attention takes the fused path on CUDA (4-d and 3-d inputs) and its
// autograd gradients match the CPU's composed ones.
TEST(CudaAttention, FunctionalUsesFusedKernelWithAutograd) {
  SKIP_WITHOUT_GPU();
  const Inputs in = make_inputs({2, 3, 40, 56, 64, true, kFloat32}, 5);
  const Reference ref = reference(in, true);
  Tensor q = in.q.to(kGpu).requires_grad_(), k = in.k.to(kGpu).requires_grad_(),
         v = in.v.to(kGpu).requires_grad_();
  EXPECT_TRUE(F::uses_fused_attention(q, k, v));
  EXPECT_FALSE(F::uses_fused_attention(q, k, v, {}, 0.1));
  EXPECT_FALSE(F::uses_fused_attention(q, k, v, ones({40, 56}, TensorOptions(kBool).device(kGpu))));
  EXPECT_FALSE(F::uses_fused_attention(in.q.to(kFloat64).to(kGpu), in.k.to(kFloat64).to(kGpu),
                                       in.v.to(kFloat64).to(kGpu)));
  Tensor out = F::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  EXPECT_EQ(out.grad_fn_name(), "FusedAttentionBackward");
  EXPECT_TRUE(near(out, ref.out, 1e-4, 1e-4));
  auto grads = autograd::grad({out}, {q, k, v}, {in.g.to(kGpu)});
  EXPECT_TRUE(near(grads[0], ref.dq, 1e-4, 1e-4));
  EXPECT_TRUE(near(grads[1], ref.dk, 1e-4, 1e-4));
  EXPECT_TRUE(near(grads[2], ref.dv, 1e-4, 1e-4));

  // 3-d [N, L, E]
  Tensor q3 = in.q.reshape({6, 40, 64}).to(kGpu), k3 = in.k.reshape({6, 56, 64}).to(kGpu),
         v3 = in.v.reshape({6, 56, 64}).to(kGpu);
  EXPECT_TRUE(F::uses_fused_attention(q3, k3, v3));
  Tensor out3 = F::scaled_dot_product_attention(q3, k3, v3, {}, 0.0, true);
  EXPECT_EQ(out3.sizes(), Shape({6, 40, 64}));
  EXPECT_TRUE(near(out3, ref.out.reshape({6, 40, 64}), 1e-4, 1e-4));
}

// Under create_graph the backward is the differentiable composed formula: the same first-order
// gradients, and they have a history (so second derivatives exist).
TEST(CudaAttention, CreateGraphFallsBackToDifferentiableBackward) {
  SKIP_WITHOUT_GPU();
  const Inputs in = make_inputs({1, 2, 33, 33, 64, true, kFloat32}, 9);
  Tensor q = in.q.to(kGpu).requires_grad_(), k = in.k.to(kGpu).requires_grad_(),
         v = in.v.to(kGpu).requires_grad_();
  Tensor out = fused_attention(q, k, v, true, in.scale);
  const Tensor g = in.g.to(kGpu);
  auto first = autograd::grad({out}, {q, k, v}, {g}, {.retain_graph = true});
  auto second = autograd::grad({out}, {q, k, v}, {g}, {.create_graph = true});
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(near(second[i], first[i], 1e-4, 1e-4)) << i;
    EXPECT_NE(autograd::grad_fn(second[i]), nullptr) << i;
  }
}

TEST(CudaAttention, Errors) {
  SKIP_WITHOUT_GPU();
  const Tensor q = randn({1, 2, 8, 64}).to(kGpu), k = randn({1, 2, 9, 64}).to(kGpu);
  const Tensor kc = randn({1, 2, 9, 64});
  EXPECT_THROW(ops::attention_forward(q, kc, kc, false, 1.0), Error);     // mixed devices
  EXPECT_THROW(ops::attention_forward(q, k, k, false, 1.0, 0.1), Error);  // dropout
  const Tensor big = randn({1, 2, 8, 136}).to(kGpu);
  EXPECT_THROW(ops::attention_forward(big, big, big, false, 1.0), Error);  // D > 128
  const Tensor d64 = randn({1, 2, 8, 64}, TensorOptions(kFloat64)).to(kGpu);
  EXPECT_THROW(ops::attention_forward(d64, d64, d64, false, 1.0), Error);  // float64
  const Tensor k3 = randn({1, 2, 9, 32}).to(kGpu);
  EXPECT_THROW(ops::attention_forward(q, k3, k3, false, 1.0), Error);  // D mismatch
}

}  // namespace
}  // namespace mica
