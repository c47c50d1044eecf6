// Loads the nn fixtures written by scripts/gen_nn_fixtures.py (PyTorch results as JSON),
// compares tensors with a clear message, and captures error messages for the nn tests.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "mica.h"

namespace mica::nn::test {

// The message of the mica::Error f throws, or "<no error>".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(MICA_TEST_FIXTURE_DIR) + "/nn/" + name + ".json";
  std::ifstream in(path);
  MICA_CHECK(in.good(), "nn fixture: cannot open ", path,
             " (regenerate with /usr/bin/python3 scripts/gen_nn_fixtures.py)");
  nlohmann::json doc;
  in >> doc;
  return doc;
}

// {"dtype", "shape", "data"} -> a CPU tensor of that dtype (float32, float64 or int64).
inline Tensor tensor_from_json(const nlohmann::json& j) {
  const std::string dt = j.at("dtype").get<std::string>();
  const Shape shape = j.at("shape").get<Shape>();
  if (dt == "int64") return from_vector(j.at("data").get<std::vector<int64_t>>(), shape);
  const DType dtype = dt == "float64" ? kFloat64 : kFloat32;
  MICA_CHECK(dt == "float32" || dt == "float64", "nn fixture: unsupported dtype ", dt);
  return from_vector(j.at("data").get<std::vector<double>>(), shape, TensorOptions(dtype));
}

inline StateDict state_dict_from_json(const nlohmann::json& j) {
  StateDict sd;
  for (const auto& [k, v] : j.items()) sd.insert(k, tensor_from_json(v));
  return sd;
}

// Row-major values as double (any CPU tensor).
inline std::vector<double> to_doubles(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// Same shape and |a - e| <= atol + rtol * |e| everywhere.
inline ::testing::AssertionResult close(const Tensor& actual, const Tensor& expected,
                                        double rtol = 1e-5, double atol = 1e-6) {
  if (!actual.defined() || !expected.defined())
    return ::testing::AssertionFailure() << "undefined tensor";
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.sizes()) << " vs expected "
                                         << shape_str(expected.sizes());
  const auto a = to_doubles(actual), e = to_doubles(expected);
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
      return ::testing::AssertionFailure()
             << "element " << i << ": " << a[i] << " vs expected " << e[i];
  return ::testing::AssertionSuccess();
}

}  // namespace mica::nn::test
