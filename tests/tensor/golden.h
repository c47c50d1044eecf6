// Loads the golden fixtures written by scripts/gen_fixtures.py (PyTorch outputs as JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "mica.h"

namespace mica::test {

struct GoldenCase {
  std::string op;
  nlohmann::json args;
  std::vector<Tensor> inputs;   // in the fixture's dtype
  std::vector<Tensor> outputs;  // PyTorch's results, in their dtype
};

// All cases of tests/data/golden/<name>.json (throws with the path when missing or corrupt).
std::vector<GoldenCase> load_golden(const std::string& name);
// The cases of one op.
std::vector<GoldenCase> golden_cases(const std::string& name, const std::string& op);

}  // namespace mica::test
