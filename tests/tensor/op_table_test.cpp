// Runs every op-table row for every dtype it supports: the op against its float64 reference
// on all samples (contiguous, non-contiguous, broadcast, zero-size).
#include <gtest/gtest.h>

#include <functional>

#include "op_table.h"

namespace mica::test {
namespace {

struct Case {
  const OpInfo* op;
  DType dtype;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const OpInfo& op : all_op_infos())
    for (DType dt : op.dtypes) cases.push_back({&op, dt});
  return cases;
}

class OpTable : public ::testing::TestWithParam<Case> {};

TEST_P(OpTable, MatchesReference) {
  const OpInfo& op = *GetParam().op;
  const DType dt = GetParam().dtype;
  std::mt19937_64 rng(std::hash<std::string>{}(op.name) ^ static_cast<uint64_t>(dt));
  const auto samples = op.samples(dt, rng);
  ASSERT_FALSE(samples.empty()) << op.name << " has no samples for " << dtype_name(dt);
  for (Sample s : samples) {
    s.dtype = dt;
    SCOPED_TRACE(op.name + " " + dtype_name(dt) + " sample " + s.desc);
    const std::vector<Tensor> got = op.run(s);
    const std::vector<Tensor> want = op.reference(to_float64(s));
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      const Tol tol = is_floating(got[k].dtype()) ? op.tol(dt) : Tol{0, 0};
      EXPECT_TRUE(all_close(got[k], want[k], tol)) << "output " << k;
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.op->name + "_" + dtype_name(info.param.dtype);
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTable, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace mica::test
