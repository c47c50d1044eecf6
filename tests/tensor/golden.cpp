// Golden fixture loader: JSON tensors -> mica tensors.
#include "golden.h"

#include <cmath>
#include <fstream>
#include <limits>

namespace mica::test {

namespace {
DType parse_dtype(const std::string& s) {
  for (DType t : {kBool, kUInt8, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64})
    if (s == dtype_name(t)) return t;
  MICA_FAIL("golden: unknown dtype '", s, "'");
}

double parse_number(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    MICA_FAIL("golden: bad number '", s, "'");
  }
  return v.get<double>();
}

Tensor parse_tensor(const nlohmann::json& j) {
  const DType dt = parse_dtype(j.at("dtype").get<std::string>());
  const Shape shape = j.at("shape").get<Shape>();
  const auto& data = j.at("data");
  if (dt == kInt64) {  // exact for the full int64 range
    std::vector<int64_t> v;
    for (const auto& x : data) v.push_back(x.get<int64_t>());
    return from_vector(v, shape);
  }
  std::vector<double> v;
  for (const auto& x : data) v.push_back(parse_number(x));
  return from_vector(v, shape, TensorOptions(dt));
}
}  // namespace

std::vector<GoldenCase> load_golden(const std::string& name) {
  const std::string path = std::string(MICA_TEST_FIXTURE_DIR) + "/golden/" + name + ".json";
  std::ifstream in(path);
  MICA_CHECK(in.good(), "golden: cannot open ", path,
             " (regenerate with /usr/bin/python3 scripts/gen_fixtures.py)");
  nlohmann::json doc;
  try {
    in >> doc;
  } catch (const std::exception& e) {
    MICA_FAIL("golden: ", path, " is not valid JSON: ", e.what());
  }
  std::vector<GoldenCase> cases;
  for (const auto& c : doc.at("cases")) {
    GoldenCase gc;
    gc.op = c.at("op").get<std::string>();
    gc.args = c.at("args");
    for (const auto& t : c.at("inputs")) gc.inputs.push_back(parse_tensor(t));
    for (const auto& t : c.at("outputs")) gc.outputs.push_back(parse_tensor(t));
    cases.push_back(std::move(gc));
  }
  return cases;
}

std::vector<GoldenCase> golden_cases(const std::string& name, const std::string& op) {
  std::vector<GoldenCase> out;
  for (auto& c : load_golden(name))
    if (c.op == op) out.push_back(std::move(c));
  return out;
}

}  // namespace mica::test
