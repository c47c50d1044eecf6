// Test helpers: seeded random tensors (test-only std::mt19937, independent of mica's RNG),
// non-contiguous variants, float64 value access, and closeness checks with clear messages.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "mica.h"

namespace mica::test {

struct Tol {
  double atol = 0;
  double rtol = 0;
};

// Per-dtype default tolerances for ops computed in the dtype itself.
Tol default_tol(DType t);

// Uniform values in [low, high) (integers: [low, high), bool: random), converted to dtype.
Tensor rand_tensor(const Shape& shape, DType dtype, std::mt19937_64& rng, double low = -2,
                   double high = 2);
// The same values laid out non-contiguously: a strided slice of a bigger buffer (every other
// element of the last dim) or, for >= 2 dims, a transposed copy viewed back.
Tensor non_contiguous(const Tensor& t);

// The same values as a strided view: every other element of the last dim of a bigger buffer.
Tensor strided_cols(const Tensor& t);

// Row-major values as double (any dtype, any strides, CPU or CUDA).
std::vector<double> values(const Tensor& t);
// A float64 (or given dtype) tensor from row-major values.
Tensor from_values(const Shape& shape, const std::vector<double>& v, DType dtype = kFloat64);

// Index of a row-major flat position in shape (for naive reference loops).
std::vector<int64_t> unravel(int64_t flat, const Shape& shape);
// Element of t at a multi-index, as double (broadcasts: dims of size 1 read index 0; fewer
// dims align right).
double at(const Tensor& t, const std::vector<int64_t>& index);

// v converted to dtype the way C++ converts (integers wrap modulo 2^bits, bool is v != 0,
// floats are unchanged): lets references model integer overflow.
double cast_to(DType dtype, double v);

// Reference elementwise map over the broadcast shape of inputs, in double.
Tensor ref_map(const std::vector<Tensor>& inputs,
               const std::function<double(const std::vector<double>&)>& fn,
               DType out_dtype = kFloat64);

// Fails (with context) unless shapes match and every value is within atol + rtol*|expected|
// (NaN matches NaN, infinities must match exactly).
::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, Tol tol);

// Asserts that f throws mica::Error whose message contains every fragment.
#define EXPECT_MICA_ERROR(stmt, ...)                                   \
  do {                                                                 \
    bool mica_thrown_ = false;                                         \
    try {                                                              \
      stmt;                                                            \
    } catch (const ::mica::Error& e) {                                 \
      mica_thrown_ = true;                                             \
      for (const char* frag : {__VA_ARGS__})                           \
        EXPECT_NE(std::string(e.what()).find(frag), std::string::npos) \
            << "message '" << e.what() << "' lacks '" << frag << "'";  \
    }                                                                  \
    EXPECT_TRUE(mica_thrown_) << #stmt " did not throw mica::Error";   \
  } while (0)

}  // namespace mica::test
