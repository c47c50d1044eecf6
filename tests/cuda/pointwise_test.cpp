// CUDA pointwise ops against the CPU: every binary, unary and ternary op on every dtype the CPU
// accepts (and the same errors where it refuses), broadcast, 0-d, zero-size and non-contiguous
// operands, sizes above a million elements for the contiguous and strided kernels, in-place
// variants, gelu_backward, and the errors the CUDA path must still raise. Skips without a GPU.
#include <functional>
#include <string>

#include "cuda_test_util.h"

namespace mica {
namespace {

using cuda_test::gpu;
using cuda_test::matches;
using cuda_test::random_cpu;
using ops::BinaryOp;
using ops::TernaryOp;
using ops::UnaryOp;

// Runs op on CPU inputs and on their GPU copies; both must throw mica::Error or agree.
void check_op(const std::string& what, const std::vector<Tensor>& cpu_in,
              const std::vector<Tensor>& gpu_in,
              const std::function<Tensor(const std::vector<Tensor>&)>& op) {
  SCOPED_TRACE(what);
  Tensor expected;
  try {
    expected = op(cpu_in);
  } catch (const Error&) {
    EXPECT_THROW(op(gpu_in), Error) << "the CPU refuses, the GPU does not";
    return;
  }
  EXPECT_TRUE(matches(op(gpu_in), expected));
}

// Operand layouts (shapes of up to three operands); make_inputs builds matching CPU and GPU
// operands of dtype dt (the first bool when first_bool).
struct Layout {
  const char* name;
  std::vector<Shape> shapes;
  bool transposed;  // operands are transposed views of [cols, rows] buffers
};
const std::vector<Layout> kLayouts{
    {"same", {{37, 53}, {37, 53}, {37, 53}}, false},
    {"broadcast", {{37, 1}, {1, 53}, {53}}, false},
    {"0-d", {{}, {5, 7}, {}}, false},
    {"0-d only", {{}, {}, {}}, false},
    {"zero-size", {{0, 3}, {3}, {1}}, false},
    {"transposed", {{53, 37}, {53, 37}, {53, 37}}, true},
};

void make_inputs(const Layout& l, size_t n, DType dt, bool first_bool, std::vector<Tensor>& c,
                 std::vector<Tensor>& g, double lo = -3, double hi = 3) {
  c.clear();
  g.clear();
  for (size_t i = 0; i < n; ++i) {
    const DType d = (first_bool && i == 0) ? kBool : dt;
    // Divisors and exponents of integer ops stay in [1, hi): integer division by zero throws.
    const double low = (!is_floating(d) && i > 0) ? 1 : lo;
    Tensor t = random_cpu(l.shapes[i], d, 1000 * i + 17, low, hi);
    Tensor tg = gpu(t);
    if (l.transposed) {
      t = t.t();
      tg = tg.t();
    }
    c.push_back(t);
    g.push_back(tg);
  }
}

TEST(CudaPointwise, BinaryOpsMatchCpu) {
  SKIP_WITHOUT_GPU();
  const std::vector<std::pair<BinaryOp, const char*>> ops_list{
      {BinaryOp::Add, "add"},
      {BinaryOp::Sub, "sub"},
      {BinaryOp::Mul, "mul"},
      {BinaryOp::Div, "div"},
      {BinaryOp::DivTrunc, "div_trunc"},
      {BinaryOp::DivFloor, "div_floor"},
      {BinaryOp::Pow, "pow"},
      {BinaryOp::Minimum, "minimum"},
      {BinaryOp::Maximum, "maximum"},
      {BinaryOp::Lerp, "lerp"},
      {BinaryOp::Eq, "eq"},
      {BinaryOp::Ne, "ne"},
      {BinaryOp::Lt, "lt"},
      {BinaryOp::Le, "le"},
      {BinaryOp::Gt, "gt"},
      {BinaryOp::Ge, "ge"},
      {BinaryOp::LogicalAnd, "logical_and"},
      {BinaryOp::LogicalOr, "logical_or"},
      {BinaryOp::LogicalXor, "logical_xor"}};
  ops::PointwiseArgs args;
  args.alpha = 2;
  args.weight = 0.3;
  std::vector<Tensor> c, g;
  for (const auto& [op, name] : ops_list)
    for (DType dt : cuda_test::kAllDTypes)
      for (const Layout& l : kLayouts) {
        make_inputs(l, 2, dt, false, c, g);
        check_op(
            std::string(name) + " " + dtype_name(dt) + " " + l.name, c, g,
            [&](const std::vector<Tensor>& in) { return ops::binary(op, in[0], in[1], args); });
      }
}

TEST(CudaPointwise, UnaryOpsMatchCpu) {
  SKIP_WITHOUT_GPU();
  const std::vector<std::pair<UnaryOp, const char*>> ops_list{{UnaryOp::Neg, "neg"},
                                                              {UnaryOp::Abs, "abs"},
                                                              {UnaryOp::Sign, "sign"},
                                                              {UnaryOp::Floor, "floor"},
                                                              {UnaryOp::Ceil, "ceil"},
                                                              {UnaryOp::Round, "round"},
                                                              {UnaryOp::Trunc, "trunc"},
                                                              {UnaryOp::Exp, "exp"},
                                                              {UnaryOp::Log, "log"},
                                                              {UnaryOp::Log1p, "log1p"},
                                                              {UnaryOp::Expm1, "expm1"},
                                                              {UnaryOp::Sqrt, "sqrt"},
                                                              {UnaryOp::Rsqrt, "rsqrt"},
                                                              {UnaryOp::Sin, "sin"},
                                                              {UnaryOp::Cos, "cos"},
                                                              {UnaryOp::Tanh, "tanh"},
                                                              {UnaryOp::Sigmoid, "sigmoid"},
                                                              {UnaryOp::Erf, "erf"},
                                                              {UnaryOp::Relu, "relu"},
                                                              {UnaryOp::Gelu, "gelu"},
                                                              {UnaryOp::GeluTanh, "gelu_tanh"},
                                                              {UnaryOp::Silu, "silu"},
                                                              {UnaryOp::Softplus, "softplus"},
                                                              {UnaryOp::LeakyRelu, "leaky_relu"},
                                                              {UnaryOp::Clamp, "clamp"},
                                                              {UnaryOp::PowScalar, "pow"},
                                                              {UnaryOp::LogicalNot, "logical_not"}};
  std::vector<ops::PointwiseArgs> arg_sets(3);
  arg_sets[0].min = -1;
  arg_sets[0].max = 1.5;
  arg_sets[0].exponent = 2;
  arg_sets[1].max = 2;
  arg_sets[1].exponent = 0.5;
  arg_sets[1].beta = 2;
  arg_sets[1].threshold = 3;
  arg_sets[1].negative_slope = 0.2;
  arg_sets[2].min = 0;
  arg_sets[2].exponent = -1.5;
  std::vector<Tensor> c, g;
  for (const auto& [op, name] : ops_list)
    for (DType dt : cuda_test::kAllDTypes)
      for (const Layout& l : kLayouts)
        for (size_t k = 0; k < arg_sets.size(); ++k) {
          make_inputs(l, 1, dt, false, c, g, -6, 6);
          check_op(std::string(name) + " " + dtype_name(dt) + " " + l.name + " args " +
                       std::to_string(k),
                   c, g, [&](const std::vector<Tensor>& in) {
                     return ops::unary(op, in[0], arg_sets[k]);
                   });
        }
}

TEST(CudaPointwise, TernaryOpsAndMaskedFillMatchCpu) {
  SKIP_WITHOUT_GPU();
  const std::vector<std::pair<TernaryOp, const char*>> ops_list{{TernaryOp::Where, "where"},
                                                                {TernaryOp::Lerp, "lerp"},
                                                                {TernaryOp::Addcmul, "addcmul"},
                                                                {TernaryOp::Addcdiv, "addcdiv"},
                                                                {TernaryOp::Clamp, "clamp"}};
  ops::PointwiseArgs args;
  args.value = 3;
  std::vector<Tensor> c, g;
  for (const auto& [op, name] : ops_list)
    for (DType dt : cuda_test::kAllDTypes)
      for (const Layout& l : kLayouts) {
        make_inputs(l, 3, dt, op == TernaryOp::Where, c, g);
        check_op(std::string(name) + " " + dtype_name(dt) + " " + l.name, c, g,
                 [&](const std::vector<Tensor>& in) {
                   return ops::ternary(op, in[0], in[1], in[2], args);
                 });
      }
  for (DType dt : cuda_test::kAllDTypes) {
    const Tensor self = random_cpu({4, 6}, dt, 5), mask = random_cpu({6}, kBool, 6);
    check_op(std::string("masked_fill ") + dtype_name(dt), {self, mask}, {gpu(self), gpu(mask)},
             [](const std::vector<Tensor>& in) { return ops::masked_fill(in[0], in[1], 2); });
    check_op(std::string("masked_fill_ 0-d value ") + dtype_name(dt), {self, mask},
             {gpu(self), gpu(mask)}, [](const std::vector<Tensor>& in) {
               Tensor s = in[0].clone();
               ops::masked_fill_(s, in[1], scalar_tensor(1, TensorOptions(kFloat64)));
               return s;
             });
  }
}

TEST(CudaPointwise, InPlaceVariantsMatchCpu) {
  SKIP_WITHOUT_GPU();
  const Tensor a = random_cpu({33, 17}, kFloat32, 1), b = random_cpu({17}, kFloat32, 2);
  const Tensor h = random_cpu({33, 17}, kFloat16, 3), i = random_cpu({33, 17}, kInt32, 4, 1, 9);
  const std::vector<std::pair<const char*, std::function<void(Tensor&, const Tensor&)>>> cases{
      {"add_", [](Tensor& x, const Tensor& y) { ops::add_(x, y, 0.5); }},
      {"mul_ scalar", [](Tensor& x, const Tensor&) { ops::mul_(x, 3); }},
      {"div_", [](Tensor& x, const Tensor& y) { ops::div_(x, y); }},
      {"pow_", [](Tensor& x, const Tensor&) { ops::pow_(x, 2); }},
      {"lt_", [](Tensor& x, const Tensor& y) { ops::lt_(x, y); }},
      {"exp_", [](Tensor& x, const Tensor&) { ops::exp_(x); }},
      {"clamp_", [](Tensor& x, const Tensor&) { ops::clamp_(x, Scalar(-0.5), Scalar(0.5)); }},
      {"addcmul_", [](Tensor& x, const Tensor& y) { ops::addcmul_(x, y, y, 2); }},
      {"lerp_", [](Tensor& x, const Tensor& y) { ops::lerp_(x, y.to(x.dtype()), 0.25); }},
  };
  for (const auto& [name, fn] : cases)
    for (const Tensor& self : {a, h, a.t().contiguous().t()}) {
      SCOPED_TRACE(std::string(name) + " " + dtype_name(self.dtype()));
      Tensor cpu_self = self.clone(), gpu_self = gpu(self);
      if (!self.is_contiguous()) gpu_self = gpu(self.t().contiguous()).t();
      fn(cpu_self, b);
      fn(gpu_self, gpu(b));
      EXPECT_TRUE(matches(gpu_self, cpu_self));
    }
  // Integer in place (including integer floor division, which checks for zero on the device).
  const Tensor divisor = ops::flip(i, {0});
  Tensor ci = i.clone(), gi = gpu(i);
  ops::div_(ci, divisor, "floor");
  ops::div_(gi, gpu(divisor), "floor");
  EXPECT_TRUE(matches(gi, ci));
  // Aliasing: x += x.t() reads a transposed view of the tensor it writes.
  Tensor sq = random_cpu({64, 64}, kFloat32, 9), gsq = gpu(sq);
  ops::add_(sq, sq.t());
  ops::add_(gsq, gsq.t());
  EXPECT_TRUE(matches(gsq, sq));
}

TEST(CudaPointwise, LargeContiguousStridedAndBroadcast) {
  SKIP_WITHOUT_GPU();
  const int64_t n = (int64_t{1} << 21) + 12345;
  const Tensor x = random_cpu({n}, kFloat32, 1), y = random_cpu({n}, kFloat32, 2);
  EXPECT_TRUE(matches(ops::add(gpu(x), gpu(y), 3), ops::add(x, y, 3)));
  EXPECT_TRUE(matches(ops::exp(gpu(x)), ops::exp(x)));
  EXPECT_TRUE(matches(ops::gelu(gpu(x), "tanh"), ops::gelu(x, "tanh")));
  const Tensor xb = x.to(kBFloat16);
  EXPECT_TRUE(matches(ops::mul(gpu(xb), gpu(xb)), ops::mul(xb, xb)));
  // Strided: a transposed 1201 x 1000 view, and a broadcast producing 1.2M outputs.
  const Tensor m = random_cpu({1000, 1201}, kFloat32, 3);
  const Tensor gm = gpu(m);
  EXPECT_TRUE(matches(ops::sigmoid(gm.t()), ops::sigmoid(m.t())));
  EXPECT_TRUE(
      matches(ops::sub(gm.t(), gm.t().slice(0, 0, 1)), ops::sub(m.t(), m.t().slice(0, 0, 1))));
  const Tensor col = random_cpu({1201, 1}, kFloat32, 4), row = random_cpu({1, 1000}, kFloat32, 5);
  EXPECT_TRUE(matches(ops::maximum(gpu(col), gpu(row)), ops::maximum(col, row)));
  const Tensor cond = random_cpu({1201, 1000}, kBool, 6);
  EXPECT_TRUE(matches(ops::where(gpu(cond).t(), gm, 0.5), ops::where(cond.t(), m, 0.5)));
  const Tensor li = random_cpu({n}, kInt64, 7, -1000, 1000);
  EXPECT_TRUE(matches(ops::div(gpu(li), 7, "floor"), ops::div(li, 7, "floor")));
}

TEST(CudaPointwise, GeluBackwardMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16})
    for (const char* approx : {"none", "tanh"})
      for (int64_t n : {int64_t{7}, int64_t{1} << 20}) {
        SCOPED_TRACE(std::string(dtype_name(dt)) + " " + approx + " " + std::to_string(n));
        const Tensor grad = random_cpu({n, 2}, dt, 1), x = random_cpu({2, n}, dt, 2, -8, 8);
        EXPECT_TRUE(matches(ops::gelu_backward(gpu(grad), gpu(x).t(), approx),
                            ops::gelu_backward(grad, x.t(), approx)));
      }
  EXPECT_THROW(ops::gelu_backward(gpu(random_cpu({3}, kInt32, 1)), gpu(random_cpu({3}, kInt32, 2))),
               Error);
}

TEST(CudaPointwise, ErrorsStayErrors) {
  SKIP_WITHOUT_GPU();
  const Tensor a = random_cpu({3, 4}, kFloat32, 1);
  EXPECT_MICA_ERROR_LIKE(ops::add(gpu(a), a), "expected all tensors on one device");
  EXPECT_MICA_ERROR_LIKE(ops::where(gpu(random_cpu({3, 4}, kBool, 2)), a, gpu(a)),
                         "expected all tensors on one device");
  const Tensor i = from_vector(std::vector<int64_t>{4, 0, 2});
  EXPECT_MICA_ERROR_LIKE(ops::div(gpu(i), gpu(i), "trunc"), "integer division by zero");
  EXPECT_MICA_ERROR_LIKE(ops::div(gpu(i), 0, "floor"), "integer division by zero");
  EXPECT_NO_THROW(ops::div(gpu(i), gpu(from_vector(std::vector<int64_t>{3, 1, 5})), "floor"));
  EXPECT_MICA_ERROR_LIKE(ops::sub(gpu(random_cpu({2}, kBool, 3)), gpu(random_cpu({2}, kBool, 4))),
                         "bool");
}

}  // namespace
}  // namespace mica
