// Helpers shared by the optim tests: fixture loading, error expectations, tensor comparison.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "mica.h"

namespace mica::optim::test {

inline nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(MICA_TEST_FIXTURE_DIR) + "/optim/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing fixture " + path);
  return nlohmann::json::parse(in);
}

inline Tensor from_json(const nlohmann::json& values, const Shape& shape, DType dtype = kFloat32) {
  return from_vector(values.get<std::vector<double>>(), shape).to(dtype);
}

inline Shape shape_of(const nlohmann::json& j) {
  return j.get<std::vector<int64_t>>();
}

// Element-wise |a - b| <= atol + rtol * |b| (b: the reference).
inline void expect_close(const Tensor& actual, const std::vector<double>& expected, double rtol,
                         double atol, const std::string& what) {
  Tensor a = actual.to(kFloat64).contiguous();
  ASSERT_EQ(a.numel(), static_cast<int64_t>(expected.size())) << what;
  const double* p = a.data_ptr<double>();
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_LE(std::abs(p[i] - expected[i]), atol + rtol * std::abs(expected[i]))
        << what << " element " << i << ": " << p[i] << " vs " << expected[i];
}

inline bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

template <class F>
void expect_error(F&& f, std::initializer_list<const char*> fragments) {
  try {
    f();
    ADD_FAILURE() << "no mica::Error thrown";
  } catch (const Error& e) {
    for (const char* frag : fragments)
      EXPECT_NE(std::string(e.what()).find(frag), std::string::npos)
          << "'" << frag << "' not in: " << e.what();
  }
}

}  // namespace mica::optim::test
