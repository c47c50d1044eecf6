// The classifier's data: fortunes of a few categories (Debian's `fortunes` files), whitespace
// collapsed, each category capped to a hash-chosen subset, and a deterministic stratified
// train/test split (per category, the entries ordered by a fixed hash of their index; the first
// test_fraction of them are the test set).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mica::examples {

struct LabeledText {
  std::string text;
  int64_t label = 0;  // index into FortuneSplit::categories
};

struct FortuneSplitOptions {
  std::string dir;                      // the fortunes folder
  std::vector<std::string> categories;  // label i = categories[i]
  int64_t max_per_class = 0;            // > 0: keep at most this many entries per category
  double test_fraction = 0.2;           // of each category's kept entries, rounded
  uint64_t seed = 1337;                 // of the hash that orders each category's entries
};

struct FortuneSplit {
  std::vector<std::string> categories;
  std::vector<int64_t> available;        // entries per category in the files
  std::vector<LabeledText> train, test;  // grouped by category, in file order within each
};

// One line of text: runs of whitespace (newlines, tabs) become one space; no spaces at the ends.
std::string collapse_whitespace(const std::string& text);

// Throws mica::Error for an unknown or empty category, fewer than 2 categories, a duplicate, or a
// test_fraction outside (0, 1). Every category gets at least one train and one test entry.
FortuneSplit load_fortune_split(const FortuneSplitOptions& options);

// Entries per label.
std::vector<int64_t> class_counts(const std::vector<LabeledText>& items, int64_t num_classes);

}  // namespace mica::examples
