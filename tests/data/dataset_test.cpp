// Dataset and collate tests: Example fields, TensorDataset, SequenceDataset, Subset,
// ConcatDataset, random_split (reproducible, disjoint, fractions), default_collate and
// pad_collate (right/left padding, masks, per-field pad values).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data_test_util.h"
#include "mica.h"

namespace mica::data {
namespace {

std::vector<int64_t> ints(const Tensor& t) {
  const Tensor c = t.to(kInt64).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

std::shared_ptr<TensorDataset> range_dataset(int64_t n) {  // x: [n, 2] = (i, 10 i), y: [n] = i
  Tensor x = arange(0, 2 * n).reshape({n, 2});
  x.select(1, 1).copy_(ops::mul(arange(0, n), 10));
  return std::make_shared<TensorDataset>(std::vector<Tensor>{x, arange(0, n)});
}

TEST(Example, PositionalAndNamedFields) {
  Example ex{{"input_ids", tensor({1, 2, 3})}};
  ex.add("label", int64_t{7});
  EXPECT_EQ(ex.size(), 2u);
  EXPECT_EQ(ints(ex["input_ids"]), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ex[1].dim(), 0);
  EXPECT_EQ(ex[1].dtype(), kInt64);
  EXPECT_EQ(ex["label"].item<int64_t>(), 7);
  EXPECT_TRUE(ex.contains("label"));
  EXPECT_FALSE(ex.contains("labels"));
  const std::string missing = error_of([&] { (void)ex["labels"]; });
  EXPECT_TRUE(has(missing, "no field named 'labels'")) << missing;
  EXPECT_TRUE(has(missing, "input_ids: [3] int64")) << missing;
  EXPECT_TRUE(has(error_of([&] { ex.add("label", int64_t{1}); }), "already exists"));
  EXPECT_TRUE(has(error_of([&] { (void)ex[5]; }), "field 5 out of range"));

  Example pos{zeros({2, 2}), ones({3})};
  EXPECT_EQ(pos.names(), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(pos[1].sizes(), (Shape{3}));
}

TEST(TensorDataset, SlicesEveryTensorAtTheIndex) {
  auto ds = range_dataset(5);
  EXPECT_EQ(ds->size(), 5);
  const Example ex = ds->get(3);
  EXPECT_EQ(ints(ex[0]), (std::vector<int64_t>{6, 30}));
  EXPECT_EQ(ex[1].dim(), 0);
  EXPECT_EQ(ex[1].item<int64_t>(), 3);
  TensorDataset named({{"image", zeros({4, 2, 2})}, {"label", arange(0, 4)}});
  EXPECT_EQ(named.get(2)["label"].item<int64_t>(), 2);
  EXPECT_EQ(named.get(2)["image"].sizes(), (Shape{2, 2}));
}

TEST(TensorDataset, RejectsMismatchedAndOutOfRange) {
  const std::string msg = error_of([] {
    TensorDataset ds(std::vector<Tensor>{zeros({4, 2}), zeros({5})});
  });
  EXPECT_TRUE(has(msg, "share dim 0")) << msg;
  EXPECT_TRUE(has(msg, "[4, 2]") && has(msg, "[5]")) << msg;
  EXPECT_THROW(TensorDataset(std::vector<Tensor>{scalar_tensor(1)}), Error);
  EXPECT_THROW(TensorDataset(std::vector<Tensor>{}), Error);
  auto ds = range_dataset(3);
  EXPECT_TRUE(has(error_of([&] { ds->get(3); }), "index 3 out of range for a dataset of size 3"));
  EXPECT_THROW(ds->get(-1), Error);
}

TEST(SequenceDataset, VariableLengthTokensWithLabels) {
  SequenceDataset ds({{5, 6, 7}, {}, {9}}, {1, 0, 1});
  EXPECT_EQ(ds.size(), 3);
  EXPECT_EQ(ints(ds.get(0)["input_ids"]), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(ds.get(1)["input_ids"].sizes(), (Shape{0}));
  EXPECT_EQ(ds.get(2)["label"].item<int64_t>(), 1);
  EXPECT_THROW(SequenceDataset({{1}}, {1, 2}), Error);
}

TEST(Subset, MapsIndicesAndChecksThem) {
  auto base = range_dataset(6);
  Subset s(base, {5, 0, 5});
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.get(0)[1].item<int64_t>(), 5);
  EXPECT_EQ(s.get(1)[1].item<int64_t>(), 0);
  EXPECT_TRUE(has(error_of([&] { Subset bad(base, {1, 6}); }), "index 6 (position 1)"));
  EXPECT_THROW(s.get(3), Error);
}

TEST(ConcatDataset, ChainsDatasetsIncludingEmptyOnes) {
  ConcatDataset cat({range_dataset(2), range_dataset(0), range_dataset(3)});
  EXPECT_EQ(cat.size(), 5);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < cat.size(); ++i) labels.push_back(cat.get(i)[1].item<int64_t>());
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 1, 0, 1, 2}));
  EXPECT_THROW(cat.get(5), Error);
}

TEST(LambdaAndTransformDataset, ComputeRecordsOnDemand) {
  auto squares = std::make_shared<LambdaDataset>(4, [](int64_t i) {
    return Example{{"v", scalar_tensor(i * i, TensorOptions(kInt64))}};
  });
  EXPECT_EQ(squares->get(3)["v"].item<int64_t>(), 9);
  TransformDataset plus_one(squares, [](Example ex) {
    ex["v"] = ops::add(ex["v"], 1);
    return ex;
  });
  EXPECT_EQ(plus_one.size(), 4);
  EXPECT_EQ(plus_one.get(3)["v"].item<int64_t>(), 10);
  EXPECT_THROW(squares->get(4), Error);
}

std::vector<int64_t> labels_of(const Subset& s) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < s.size(); ++i) out.push_back(s.get(i)[1].item<int64_t>());
  return out;
}

TEST(RandomSplit, ReproducibleDisjointAndCovering) {
  auto ds = range_dataset(20);
  const auto a = random_split(ds, {12, 5, 3}, 42);
  const auto b = random_split(ds, {12, 5, 3}, 42);
  const auto c = random_split(ds, {12, 5, 3}, 43);
  ASSERT_EQ(a.size(), 3u);
  std::set<int64_t> all;
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(labels_of(*a[k]), labels_of(*b[k]));
    EXPECT_EQ(a[k]->indices(), labels_of(*a[k]));  // label i sits at index i
    for (int64_t v : labels_of(*a[k])) all.insert(v);
  }
  EXPECT_EQ(a[0]->size(), 12);
  EXPECT_EQ(a[2]->size(), 3);
  EXPECT_EQ(all.size(), 20u);  // disjoint and covering
  EXPECT_NE(a[0]->indices(), c[0]->indices());
  // A generator argument advances: two splits from one generator differ, and a generator
  // with the same seed replays them.
  Generator g1(7), g2(7);
  const auto s1 = random_split(ds, {10, 10}, g1);
  const auto s2 = random_split(ds, {10, 10}, g1);
  EXPECT_NE(s1[0]->indices(), s2[0]->indices());
  EXPECT_EQ(random_split(ds, {10, 10}, g2)[0]->indices(), s1[0]->indices());
}

TEST(RandomSplit, FractionsDealTheRemainderToTheFirstSubsets) {
  auto ds = range_dataset(10);
  const auto thirds = random_split(ds, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 1);
  EXPECT_EQ(thirds[0]->size(), 4);
  EXPECT_EQ(thirds[1]->size(), 3);
  EXPECT_EQ(thirds[2]->size(), 3);
  const auto eighty = random_split(ds, {0.8, 0.2}, 1);
  EXPECT_EQ(eighty[0]->size(), 8);
  EXPECT_EQ(eighty[1]->size(), 2);
  EXPECT_TRUE(has(error_of([&] { random_split(ds, {6, 5}, 1); }), "sum to 11"));
  EXPECT_TRUE(has(error_of([&] { random_split(ds, {0.5, 0.6}, 1); }), "expected 1"));
}

TEST(DefaultCollate, StacksImagesAndMakesInt64Labels) {
  TensorDataset ds({{"image", arange(0, 24, 1, TensorOptions(kUInt8)).reshape({6, 2, 2})},
                    {"label", arange(0, 6, 1, TensorOptions(kUInt8))}});
  const Batch b = default_collate({ds.get(4), ds.get(1)});
  EXPECT_EQ(b.names(), (std::vector<std::string>{"image", "label"}));
  EXPECT_EQ(b["image"].sizes(), (Shape{2, 2, 2}));
  EXPECT_EQ(b["image"].dtype(), kUInt8);
  EXPECT_EQ(ints(b["image"]), (std::vector<int64_t>{16, 17, 18, 19, 4, 5, 6, 7}));
  EXPECT_EQ(b["label"].dtype(), kInt64);
  EXPECT_EQ(ints(b["label"]), (std::vector<int64_t>{4, 1}));
}

TEST(DefaultCollate, RejectsRaggedFieldsAndMismatchedExamples) {
  SequenceDataset ds({{1, 2}, {3}});
  const std::string msg = error_of([&] { default_collate({ds.get(0), ds.get(1)}); });
  EXPECT_TRUE(has(msg, "'input_ids' has shape [2] in example 0 but [1] in example 1")) << msg;
  EXPECT_TRUE(has(msg, "pad_collate")) << msg;
  EXPECT_THROW(default_collate({}), Error);
  const std::string fields = error_of([] {
    default_collate({Example{{"a", zeros({1})}}, Example{{"b", zeros({1})}}});
  });
  EXPECT_TRUE(has(fields, "example 1 has fields")) << fields;
}

TEST(PadCollate, RightPaddingWithMaskAndIgnoredLabels) {
  std::vector<Example> ex;
  ex.push_back(Example{{"input_ids", tensor({5, 6, 7})}, {"labels", tensor({6, 7, 8})}});
  ex.push_back(Example{{"input_ids", tensor({9})}, {"labels", tensor({1})}});
  ex[0].add("label", int64_t{1});
  ex[1].add("label", int64_t{0});
  const Batch b = pad_collate(
      {.pad_id = 0, .fields = {"input_ids", "labels"}, .pad_values = {{"labels", -100}}})(ex);
  EXPECT_EQ(b.names(),
            (std::vector<std::string>{"input_ids", "attention_mask", "labels", "label"}));
  EXPECT_EQ(b["input_ids"].sizes(), (Shape{2, 3}));
  EXPECT_EQ(ints(b["input_ids"]), (std::vector<int64_t>{5, 6, 7, 9, 0, 0}));
  EXPECT_EQ(ints(b["attention_mask"]), (std::vector<int64_t>{1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(b["attention_mask"].dtype(), kInt64);
  EXPECT_EQ(ints(b["labels"]), (std::vector<int64_t>{6, 7, 8, 1, -100, -100}));
  EXPECT_EQ(ints(b["label"]), (std::vector<int64_t>{1, 0}));
}

TEST(PadCollate, LeftPaddingAndMultipleOf) {
  SequenceDataset ds({{1, 2, 3}, {4}, {}});
  const Batch b = pad_collate({.pad_id = 50256, .left_padding = true, .pad_to_multiple_of = 4})(
      {ds.get(0), ds.get(1), ds.get(2)});
  EXPECT_EQ(b["input_ids"].sizes(), (Shape{3, 4}));
  EXPECT_EQ(ints(b["input_ids"]), (std::vector<int64_t>{50256, 1, 2, 3, 50256, 50256, 50256, 4,
                                                        50256, 50256, 50256, 50256}));
  EXPECT_EQ(ints(b["attention_mask"]), (std::vector<int64_t>{0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(PadCollate, LeavesFixedFieldsAndPadsAGivenMask) {
  std::vector<Example> ex;
  for (int64_t len : {2, 4}) {
    Example e{{"image", ones({3, 2})}, {"input_ids", ones({len}, TensorOptions(kInt64))}};
    e.add("attention_mask", ones({len}, TensorOptions(kInt64)));
    ex.push_back(e);
  }
  const Batch b = pad_collate({.pad_id = 7, .fields = {"input_ids"}})(ex);
  EXPECT_EQ(b.names(), (std::vector<std::string>{"image", "input_ids", "attention_mask"}));
  EXPECT_EQ(b["image"].sizes(), (Shape{2, 3, 2}));
  EXPECT_EQ(ints(b["input_ids"]), (std::vector<int64_t>{1, 1, 7, 7, 1, 1, 1, 1}));
  EXPECT_EQ(ints(b["attention_mask"]), (std::vector<int64_t>{1, 1, 0, 0, 1, 1, 1, 1}));
  EXPECT_TRUE(
      has(error_of([&] { pad_collate({.fields = {"tokens"}})(ex); }), "no field named 'tokens'"));
}

TEST(PadCollate, PadsSequencesOfVectorsAlongDimZero) {
  std::vector<Example> ex{Example{ones({1, 2})}, Example{ops::mul(ones({3, 2}), 2)}};
  const Batch b = pad_collate({.pad_id = -1, .mask_field = ""})(ex);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].sizes(), (Shape{2, 3, 2}));
  EXPECT_EQ(ints(b[0]), (std::vector<int64_t>{1, 1, -1, -1, -1, -1, 2, 2, 2, 2, 2, 2}));
  std::vector<Example> bad{Example{ones({1, 2})}, Example{ones({3, 3})}};
  EXPECT_TRUE(has(error_of([&] { pad_collate()(bad); }), "only dim 0 may vary"));
}

}  // namespace
}  // namespace mica::data
