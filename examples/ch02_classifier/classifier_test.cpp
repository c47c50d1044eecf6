// Tests of the fortune classifier's pieces: the confusion matrix and its scores, the stratified
// hash split, class weights, the heatmap image, and (when MICA_CLS_RESULTS names the
// results.json of a run) the consistency of a run's reported numbers.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "data/text.h"
#include "examples/ch02_classifier/classifier.h"
#include "examples/ch02_classifier/confusion.h"
#include "examples/ch02_classifier/fortune_data.h"
#include "examples/ch02_classifier/heatmap.h"
#include "tensor/ops.h"

namespace mica::examples {
namespace {

TEST(ConfusionMatrix, CountsAndScoresByHand) {
  // true:  0 0 0 1 1 2 2 2 2 2
  // pred:  0 0 1 1 2 2 2 2 0 2
  const ConfusionMatrix cm(3, {0, 0, 0, 1, 1, 2, 2, 2, 2, 2}, {0, 0, 1, 1, 2, 2, 2, 2, 0, 2});
  EXPECT_EQ(cm.at(0, 0), 2);
  EXPECT_EQ(cm.at(0, 1), 1);
  EXPECT_EQ(cm.at(1, 2), 1);
  EXPECT_EQ(cm.at(2, 0), 1);
  EXPECT_EQ(cm.at(2, 2), 4);
  EXPECT_EQ(cm.total(), 10);
  EXPECT_EQ(cm.trace(), 7);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 0.7);
  EXPECT_DOUBLE_EQ(cm.recall(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(cm.recall(1), 0.5);
  EXPECT_DOUBLE_EQ(cm.recall(2), 0.8);
  EXPECT_DOUBLE_EQ(cm.precision(0), 2.0 / 3);  // column 0: 2 right of 3
  EXPECT_DOUBLE_EQ(cm.precision(2), 0.8);      // column 2: 4 right of 5
  EXPECT_DOUBLE_EQ(cm.balanced_accuracy(), (2.0 / 3 + 0.5 + 0.8) / 3);
  EXPECT_EQ(cm.majority_class(), 2);
  EXPECT_DOUBLE_EQ(cm.majority_baseline(), 0.5);
}

TEST(ConfusionMatrix, EmptyClassesAndErrors) {
  ConfusionMatrix cm(3);
  EXPECT_EQ(cm.accuracy(), 0.0);
  cm.add(1, 1);
  EXPECT_DOUBLE_EQ(cm.balanced_accuracy(), 1.0);  // classes without examples are left out
  EXPECT_EQ(cm.precision(0), 0.0);
  EXPECT_THROW(cm.add(3, 0), Error);
  EXPECT_THROW(cm.add(0, -1), Error);
  EXPECT_THROW(ConfusionMatrix(2, {0, 1}, {0}), Error);
  EXPECT_THROW(cm.to_table({"a", "b"}), Error);
}

TEST(ConfusionMatrix, TableListsRowsWithTotals) {
  const ConfusionMatrix cm(2, {0, 0, 1}, {0, 1, 1});
  const std::string t = cm.to_table({"cats", "dogs"});
  EXPECT_NE(t.find("cats"), std::string::npos);
  EXPECT_NE(t.find("50.0%"), std::string::npos);   // recall of cats
  EXPECT_NE(t.find("100.0%"), std::string::npos);  // recall of dogs
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 3);
}

TEST(FortuneData, CollapseWhitespace) {
  EXPECT_EQ(collapse_whitespace("  a\tb\n\n  c  "), "a b c");
  EXPECT_EQ(collapse_whitespace(""), "");
}

class FortuneSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("mica_cls_split_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    for (auto [name, n] : {std::pair<std::string, int>{"alpha", 50}, {"beta", 11}, {"gamma", 7}}) {
      std::vector<std::string> entries;
      for (int i = 0; i < n; ++i) entries.push_back(name + " entry\n  number " + std::to_string(i));
      data::write_text_file((dir_ / name).string(), data::format_fortunes(entries));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FortuneSplitTest, StratifiedDisjointDeterministicAndCapped) {
  const FortuneSplitOptions opts{.dir = dir_.string(),
                                 .categories = {"gamma", "alpha", "beta"},
                                 .max_per_class = 40,
                                 .test_fraction = 0.2};
  const FortuneSplit s = load_fortune_split(opts);
  EXPECT_EQ(s.available, (std::vector<int64_t>{7, 50, 11}));
  // Per class: round(0.2 * kept) test entries, the rest train; alpha capped at 40.
  EXPECT_EQ(class_counts(s.test, 3), (std::vector<int64_t>{1, 8, 2}));
  EXPECT_EQ(class_counts(s.train, 3), (std::vector<int64_t>{6, 32, 9}));
  std::set<std::string> train_texts, test_texts;
  for (const auto& t : s.train) train_texts.insert(t.text);
  for (const auto& t : s.test) test_texts.insert(t.text);
  EXPECT_EQ(train_texts.size(), s.train.size());
  for (const auto& t : test_texts) EXPECT_EQ(train_texts.count(t), 0u) << t;
  for (const auto& t : s.train)  // labels follow the order of the categories given
    EXPECT_EQ(t.text.rfind(opts.categories[static_cast<size_t>(t.label)], 0), 0u) << t.text;
  EXPECT_EQ(s.train[0].text.find('\n'), std::string::npos);  // whitespace collapsed

  const FortuneSplit again = load_fortune_split(opts);
  ASSERT_EQ(again.test.size(), s.test.size());
  for (size_t i = 0; i < s.test.size(); ++i) EXPECT_EQ(again.test[i].text, s.test[i].text);
  FortuneSplitOptions other = opts;
  other.seed = 7;
  const FortuneSplit reseeded = load_fortune_split(other);
  std::set<std::string> reseeded_test;
  for (const auto& t : reseeded.test) reseeded_test.insert(t.text);
  EXPECT_NE(reseeded_test, test_texts);
}

TEST_F(FortuneSplitTest, RejectsBadInput) {
  EXPECT_THROW(load_fortune_split({.dir = dir_.string(), .categories = {"alpha"}}), Error);
  EXPECT_THROW(load_fortune_split({.dir = dir_.string(), .categories = {"alpha", "alpha"}}), Error);
  EXPECT_THROW(load_fortune_split({.dir = dir_.string(), .categories = {"alpha", "nope"}}), Error);
  EXPECT_THROW(load_fortune_split(
                   {.dir = dir_.string(), .categories = {"alpha", "beta"}, .test_fraction = 1.0}),
               Error);
}

TEST(Classifier, BalancedClassWeights) {
  const Tensor w = balanced_class_weights({10, 30, 60});
  ASSERT_EQ(w.numel(), 3);
  EXPECT_FLOAT_EQ(w.select(0, 0).item<float>(), 100.0f / 30);
  EXPECT_FLOAT_EQ(w.select(0, 1).item<float>(), 100.0f / 90);
  EXPECT_FLOAT_EQ(w.select(0, 2).item<float>(), 100.0f / 180);
  EXPECT_THROW(balanced_class_weights({3, 0}), Error);
}

TEST(Classifier, HeatmapShadesTheDiagonal) {
  const ConfusionMatrix cm(2, {0, 0, 0, 1, 1}, {0, 0, 0, 1, 0});
  const Tensor img = confusion_heatmap(cm, {"aa", "bb"}, "title");
  ASSERT_EQ(img.dim(), 3);
  EXPECT_EQ(img.size(2), 3);
  EXPECT_EQ(img.dtype(), kUInt8);
  // Some dark (diagonal: row share 1.0) and some white pixels.
  const Tensor red = img.select(2, 0).to(kInt64);
  EXPECT_LT(ops::min(red).item<int64_t>(), 40);
  EXPECT_EQ(ops::max(red).item<int64_t>(), 255);
}

// A run's results.json (the quick run's, in CTest): the confusion matrix holds every test entry
// once and the reported accuracies follow from it.
TEST(RunResults, ConsistentWithConfusionMatrix) {
  const char* path = std::getenv("MICA_CLS_RESULTS");
  if (!path) GTEST_SKIP() << "MICA_CLS_RESULTS not set";
  const auto r = nlohmann::json::parse(data::read_text_file(path));
  const auto cats = r.at("categories").get<std::vector<std::string>>();
  const auto rows = r.at("confusion").get<std::vector<std::vector<int64_t>>>();
  ASSERT_EQ(rows.size(), cats.size());
  int64_t total = 0, trace = 0, largest_row = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), cats.size());
    int64_t row = 0;
    for (int64_t v : rows[i]) {
      EXPECT_GE(v, 0);
      row += v;
    }
    EXPECT_GT(row, 0) << "class " << cats[i] << " has no test entries";
    largest_row = std::max(largest_row, row);
    total += row;
    trace += rows[i][i];
  }
  EXPECT_EQ(total, r.at("test_size").get<int64_t>());
  EXPECT_DOUBLE_EQ(r.at("accuracy").get<double>(),
                   static_cast<double>(trace) / static_cast<double>(total));
  EXPECT_DOUBLE_EQ(r.at("majority_baseline").get<double>(),
                   static_cast<double>(largest_row) / static_cast<double>(total));
  EXPECT_GT(r.at("train_subset_accuracy").get<double>(),
            r.at("train_subset_baseline").get<double>());
}

}  // namespace
}  // namespace mica::examples
