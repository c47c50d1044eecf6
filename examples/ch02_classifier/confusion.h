// Confusion matrix of a K-class classifier (rows: true class, columns: predicted class) with the
// scores read off it: accuracy (trace / total), per-class recall and precision, balanced accuracy
// (mean recall) and the majority-class baseline; printed as a text table. Header-only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tensor/error.h"

namespace mica::examples {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t num_classes)
      : k_(num_classes), counts_(static_cast<size_t>(num_classes * num_classes), 0) {
    MICA_CHECK(num_classes >= 1, "ConfusionMatrix: num_classes must be positive, got ",
               num_classes);
  }
  // true_labels and predicted: equally long, values in [0, K).
  ConfusionMatrix(int64_t num_classes, const std::vector<int64_t>& true_labels,
                  const std::vector<int64_t>& predicted)
      : ConfusionMatrix(num_classes) {
    MICA_CHECK(true_labels.size() == predicted.size(), "ConfusionMatrix: ", true_labels.size(),
               " true labels but ", predicted.size(), " predictions");
    for (size_t i = 0; i < true_labels.size(); ++i) add(true_labels[i], predicted[i]);
  }

  void add(int64_t true_class, int64_t predicted_class) {
    MICA_CHECK(true_class >= 0 && true_class < k_ && predicted_class >= 0 && predicted_class < k_,
               "ConfusionMatrix::add: classes (", true_class, ", ", predicted_class,
               ") outside [0, ", k_, ")");
    ++counts_[static_cast<size_t>(true_class * k_ + predicted_class)];
  }

  int64_t num_classes() const { return k_; }
  int64_t at(int64_t true_class, int64_t predicted_class) const {
    return counts_[static_cast<size_t>(true_class * k_ + predicted_class)];
  }
  int64_t total() const {
    int64_t n = 0;
    for (int64_t c : counts_) n += c;
    return n;
  }
  int64_t trace() const {
    int64_t n = 0;
    for (int64_t i = 0; i < k_; ++i) n += at(i, i);
    return n;
  }
  int64_t support(int64_t true_class) const {  // row sum: examples of the class
    int64_t n = 0;
    for (int64_t j = 0; j < k_; ++j) n += at(true_class, j);
    return n;
  }
  int64_t predicted_count(int64_t predicted_class) const {  // column sum
    int64_t n = 0;
    for (int64_t i = 0; i < k_; ++i) n += at(i, predicted_class);
    return n;
  }

  // trace / total (0 when empty).
  double accuracy() const { return ratio(trace(), total()); }
  // Of the class's examples, the fraction predicted as it (0 when the class has none).
  double recall(int64_t c) const { return ratio(at(c, c), support(c)); }
  // Of the predictions of the class, the fraction that are right (0 when never predicted).
  double precision(int64_t c) const { return ratio(at(c, c), predicted_count(c)); }
  // Mean recall over the classes that have examples.
  double balanced_accuracy() const {
    double sum = 0;
    int64_t classes = 0;
    for (int64_t c = 0; c < k_; ++c) {
      if (support(c) == 0) continue;
      sum += recall(c);
      ++classes;
    }
    return classes ? sum / static_cast<double>(classes) : 0.0;
  }
  // The class with the most examples (the lowest index among ties).
  int64_t majority_class() const {
    int64_t best = 0;
    for (int64_t c = 1; c < k_; ++c)
      if (support(c) > support(best)) best = c;
    return best;
  }
  // Accuracy of always predicting the majority class: its support / total.
  double majority_baseline() const { return ratio(support(majority_class()), total()); }

  // The matrix as a text table with class names (rows true, columns predicted), row totals and
  // per-class recall; names are cut to `width` - 1 characters.
  std::string to_table(const std::vector<std::string>& names, int width = 11) const {
    MICA_CHECK(static_cast<int64_t>(names.size()) == k_,
               "ConfusionMatrix::to_table: ", names.size(), " names for ", k_, " classes");
    auto cell = [&](const std::string& s) {
      std::string t = s.substr(0, static_cast<size_t>(width - 1));
      return std::string(static_cast<size_t>(width) - t.size(), ' ') + t;
    };
    std::string out = cell("true\\pred");
    for (const auto& n : names) out += cell(n);
    out += cell("total") + cell("recall") + "\n";
    for (int64_t i = 0; i < k_; ++i) {
      out += cell(names[static_cast<size_t>(i)]);
      for (int64_t j = 0; j < k_; ++j) out += cell(std::to_string(at(i, j)));
      char pct[32];
      std::snprintf(pct, sizeof(pct), "%.1f%%", 100.0 * recall(i));
      out += cell(std::to_string(support(i))) + cell(pct) + "\n";
    }
    return out;
  }

 private:
  static double ratio(int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  }
  int64_t k_;
  std::vector<int64_t> counts_;
};

}  // namespace mica::examples
