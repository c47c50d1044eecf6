// StateDict: insertion order, duplicate and missing names, replacement, prefix selection.
#include <gtest/gtest.h>

#include "mica.h"

namespace mica::nn {
namespace {

TEST(StateDict, KeepsInsertionOrderAndRejectsDuplicates) {
  StateDict sd;
  sd.insert("b.weight", zeros({2}));
  sd.insert("a.weight", ones({3}));
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"b.weight", "a.weight"}));
  EXPECT_EQ(sd.at("a.weight").numel(), 3);
  try {
    sd.insert("b.weight", zeros({1}));
    ADD_FAILURE() << "duplicate accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate name 'b.weight'"), std::string::npos);
  }
  try {
    (void)sd.at("c");
    ADD_FAILURE() << "missing name accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no entry named 'c'"), std::string::npos);
  }
}

TEST(StateDict, SetReplacesInPlaceAndEraseReindexes) {
  StateDict sd;
  sd.insert("x", zeros({1}));
  sd.insert("y", zeros({2}));
  sd.insert("z", zeros({3}));
  sd.set("x", ones({4}));
  EXPECT_EQ(sd.keys().front(), "x");
  EXPECT_EQ(sd.at("x").numel(), 4);
  EXPECT_TRUE(sd.erase("y"));
  EXPECT_FALSE(sd.erase("y"));
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(sd.at("z").numel(), 3);
}

TEST(StateDict, PrefixSelection) {
  StateDict sd;
  sd.insert("encoder.weight", zeros({1}));
  sd.insert("encoder.bias", zeros({2}));
  sd.insert("decoder.weight", zeros({3}));
  const StateDict enc = sd.with_prefix_removed("encoder.");
  EXPECT_EQ(enc.keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(enc.at("bias").numel(), 2);
}

}  // namespace
}  // namespace mica::nn
