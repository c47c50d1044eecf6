// Op-table rows for the pointwise family: each op against a float64 reference computed
// element by element with <cmath>.
#include <cmath>

#include "op_table.h"

namespace mica::test {

namespace {
using Fn1 = std::function<double(double)>;
using Fn2 = std::function<double(double, double)>;

OpInfo unary_row(std::string name, std::vector<DType> dtypes,
                 std::function<Tensor(const Tensor&)> op, Fn1 ref, double low = -2,
                 double high = 2) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  info.samples = [low, high](DType dt, std::mt19937_64& rng) {
    return unary_samples(dt, rng, low, high);
  };
  info.run = [op](const Sample& s) { return std::vector<Tensor>{op(s.inputs[0])}; };
  info.reference = [ref](const Sample& s) {
    const DType dt = s.dtype;
    return std::vector<Tensor>{ref_map(
        s.inputs, [ref, dt](const std::vector<double>& a) { return cast_to(dt, ref(a[0])); })};
  };
  return info;
}

OpInfo binary_row(std::string name, std::vector<DType> dtypes,
                  std::function<Tensor(const Tensor&, const Tensor&)> op, Fn2 ref, double low = -2,
                  double high = 2) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  info.samples = [low, high](DType dt, std::mt19937_64& rng) {
    return binary_samples(dt, rng, low, high);
  };
  info.run = [op](const Sample& s) { return std::vector<Tensor>{op(s.inputs[0], s.inputs[1])}; };
  info.reference = [ref](const Sample& s) {
    const DType dt = s.dtype;
    return std::vector<Tensor>{ref_map(s.inputs, [ref, dt](const std::vector<double>& a) {
      return cast_to(dt, ref(a[0], a[1]));
    })};
  };
  return info;
}
}  // namespace

std::vector<OpInfo> pointwise_op_infos() {
  const std::vector<DType> signed_numeric{kFloat32, kFloat64, kBFloat16, kFloat16, kInt64, kInt32};
  std::vector<OpInfo> rows;
  rows.push_back(binary_row(
      "add", kAllDTypes, [](auto& a, auto& b) { return ops::add(a, b); },
      [](double a, double b) { return a + b; }));
  rows.push_back(binary_row(
      "sub", kNumericDTypes, [](auto& a, auto& b) { return ops::sub(a, b); },
      [](double a, double b) { return a - b; }));
  rows.push_back(binary_row(
      "mul", kAllDTypes, [](auto& a, auto& b) { return ops::mul(a, b); },
      [](double a, double b) { return a * b; }));
  rows.push_back(binary_row(
      "div", kFloatingDTypes, [](auto& a, auto& b) { return ops::div(a, b); },
      [](double a, double b) { return a / b; }));
  rows.push_back(binary_row(
      "eq", kAllDTypes, [](auto& a, auto& b) { return ops::eq(a, b); },
      [](double a, double b) { return double(a == b); }, -2, 2));
  rows.back().reference = [](const Sample& s) {  // result is bool whatever the input dtype
    return std::vector<Tensor>{
        ref_map(s.inputs, [](const std::vector<double>& a) { return double(a[0] == a[1]); })};
  };
  rows.push_back(unary_row(
      "neg", signed_numeric, [](auto& a) { return ops::neg(a); }, [](double a) { return -a; }));
  rows.push_back(unary_row(
      "exp", kFloatingDTypes, [](auto& a) { return ops::exp(a); },
      [](double a) { return std::exp(a); }));
  return rows;
}

}  // namespace mica::test
