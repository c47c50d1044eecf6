// nn::init: torch.nn.init's formulas on mica's random fills; trunc_normal_ and orthogonal_
// compute in float64 on the CPU (Eigen's Householder QR) and copy into the tensor.
#include "nn/init.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace mica::nn::init {

namespace {
void check_floating(const Tensor& t, const char* fn) {
  MICA_CHECK(t.defined(), "init.", fn, ": undefined tensor");
  MICA_CHECK(t.is_floating_point(), "init.", fn, ": needs a floating tensor, got ",
             dtype_name(t.dtype()));
}

// Inverse error function: Giles' single-precision approximation refined by Newton steps on
// std::erf (double precision in [-1, 1]; +-inf at +-1).
double erfinv(double y) {
  if (y <= -1) return -INFINITY;
  if (y >= 1) return INFINITY;
  double w = -std::log((1.0 - y) * (1.0 + y));
  double x;
  if (w < 5.0) {
    w -= 2.5;
    double p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
    x = p * y;
  }
  const double two_over_sqrt_pi = 2.0 / std::sqrt(std::numbers::pi);
  for (int i = 0; i < 2; ++i) x -= (std::erf(x) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

double norm_cdf(double x) {
  return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0;
}
}  // namespace

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  static const char* const kUnit[] = {"linear",           "conv1d",           "conv2d",
                                      "conv3d",           "conv_transpose1d", "conv_transpose2d",
                                      "conv_transpose3d", "sigmoid"};
  for (const char* n : kUnit)
    if (nonlinearity == n) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  MICA_FAIL("init.calculate_gain: unsupported nonlinearity '", std::string(nonlinearity), "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  MICA_CHECK(t.defined() && t.dim() >= 2,
             "init: fan in and fan out cannot be computed for a tensor with fewer than 2 "
             "dimensions (shape ",
             t.defined() ? shape_str(t.sizes()) : std::string("undefined"), ")");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

int64_t calculate_correct_fan(const Tensor& t, std::string_view mode) {
  MICA_CHECK(mode == "fan_in" || mode == "fan_out", "init: mode '", std::string(mode),
             "' not supported, use 'fan_in' or 'fan_out'");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == "fan_in" ? fan_in : fan_out;
}

Tensor uniform_(Tensor t, double a, double b, Generator* gen) {
  check_floating(t, "uniform_");
  NoGradGuard no_grad;
  ops::uniform_(t, a, b, gen);
  return t;
}

Tensor normal_(Tensor t, double mean, double std, Generator* gen) {
  check_floating(t, "normal_");
  NoGradGuard no_grad;
  ops::normal_(t, mean, std, gen);
  return t;
}

Tensor constant_(Tensor t, double value) {
  MICA_CHECK(t.defined(), "init.constant_: undefined tensor");
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}

Tensor zeros_(Tensor t) {
  return constant_(std::move(t), 0.0);
}
Tensor ones_(Tensor t) {
  return constant_(std::move(t), 1.0);
}

Tensor eye_(Tensor t) {
  MICA_CHECK(t.defined() && t.dim() == 2, "init.eye_: only 2-d tensors are supported (shape ",
             t.defined() ? shape_str(t.sizes()) : std::string("undefined"), ")");
  NoGradGuard no_grad;
  t.copy_(eye(t.size(0), t.size(1), TensorOptions(t.dtype())));
  return t;
}

Tensor xavier_uniform_(Tensor t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(std::move(t), -a, a, gen);
}

Tensor xavier_normal_(Tensor t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(std::move(t), 0.0, std, gen);
}

Tensor kaiming_uniform_(Tensor t, double a, std::string_view mode, std::string_view nonlinearity,
                        Generator* gen) {
  check_floating(t, "kaiming_uniform_");
  if (t.numel() == 0) return t;
  const double fan = static_cast<double>(calculate_correct_fan(t, mode));
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan);
  const double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(t), -bound, bound, gen);
}

Tensor kaiming_normal_(Tensor t, double a, std::string_view mode, std::string_view nonlinearity,
                       Generator* gen) {
  check_floating(t, "kaiming_normal_");
  if (t.numel() == 0) return t;
  const double fan = static_cast<double>(calculate_correct_fan(t, mode));
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan);
  return normal_(std::move(t), 0.0, std, gen);
}

Tensor trunc_normal_(Tensor t, double mean, double std, double a, double b, Generator* gen) {
  check_floating(t, "trunc_normal_");
  MICA_CHECK(a < b && std > 0, "init.trunc_normal_: needs a < b and std > 0 (a=", a, ", b=", b,
             ", std=", std, ")");
  NoGradGuard no_grad;
  // Uniform in [2l - 1, 2u - 1] (l, u: the CDF at the bounds), then the inverse CDF.
  const double l = norm_cdf((a - mean) / std);
  const double u = norm_cdf((b - mean) / std);
  Generator& g = generator_or_default(gen, t.device());
  Tensor v = empty(t.sizes(), TensorOptions(kFloat64));
  ops::uniform_(v, 2 * l - 1, 2 * u - 1, &g);
  double* p = v.data_ptr<double>();
  for (int64_t i = 0; i < v.numel(); ++i)
    p[i] = std::min(std::max(erfinv(p[i]) * std * std::sqrt(2.0) + mean, a), b);
  t.copy_(v);
  return t;
}

Tensor orthogonal_(Tensor t, double gain, Generator* gen) {
  check_floating(t, "orthogonal_");
  MICA_CHECK(t.dim() >= 2,
             "init.orthogonal_: only tensors with 2 or more dimensions are supported"
             " (shape ",
             shape_str(t.sizes()), ")");
  if (t.numel() == 0) return t;
  NoGradGuard no_grad;
  const int64_t rows = t.size(0);
  const int64_t cols = t.numel() / rows;
  Generator& g = generator_or_default(gen, t.device());
  Tensor flat = randn({rows, cols}, TensorOptions(kFloat64), &g);
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Mat m = Eigen::Map<Mat>(flat.data_ptr<double>(), rows, cols);
  if (rows < cols) m.transposeInPlace();  // QR of the tall matrix
  const Eigen::Index k = std::min(m.rows(), m.cols());
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), k);
  const Eigen::MatrixXd& r = qr.matrixQR();
  for (Eigen::Index j = 0; j < k; ++j) {
    const double d = r(j, j);
    q.col(j) *= d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;  // torch: q *= sign(diag(r))
  }
  Mat out = rows < cols ? Mat(q.transpose()) : Mat(q);
  out *= gain;
  std::vector<double> values(out.data(), out.data() + out.size());
  t.copy_(from_vector(values, t.sizes()));
  return t;
}

}  // namespace mica::nn::init
