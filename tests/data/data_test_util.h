// Helpers shared by the data-layer tests: error expectations and bit-exact tensor comparison.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <string>

#include "mica.h"

namespace mica::data {

// The message of the mica::Error f() throws, or "no error".
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Expects f() to throw a mica::Error whose message contains every fragment.
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
template <class F>
void expect_error(F&& f, const char* fragment) {
  expect_error(std::forward<F>(f), {fragment});
}

// Same dtype, shape and bytes.
inline bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.nbytes()) == 0;
}

}  // namespace mica::data
