// mica::Error and the MICA_CHECK macro: every user-facing failure is a mica::Error whose
// message names the op and the offending shapes/dtypes/devices.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace mica {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace mica

// MICA_CHECK(cond, "op: message ", value, ...) throws mica::Error when cond is false.
#define MICA_CHECK(cond, ...)                                               \
  do {                                                                      \
    if (!(cond)) throw ::mica::Error(::mica::detail::str_cat(__VA_ARGS__)); \
  } while (0)

#define MICA_FAIL(...) throw ::mica::Error(::mica::detail::str_cat(__VA_ARGS__))
