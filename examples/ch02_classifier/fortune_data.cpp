// Loading, capping and the stratified hash split of the classifier's fortunes (fortune_data.h).
#include "examples/ch02_classifier/fortune_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "data/sample_hash.h"
#include "data/text.h"
#include "tensor/error.h"

namespace mica::examples {

std::string collapse_whitespace(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

FortuneSplit load_fortune_split(const FortuneSplitOptions& o) {
  MICA_CHECK(o.categories.size() >= 2, "load_fortune_split: need at least 2 categories, got ",
             o.categories.size());
  MICA_CHECK(o.test_fraction > 0 && o.test_fraction < 1,
             "load_fortune_split: test_fraction must be in (0, 1), got ", o.test_fraction);
  std::set<std::string> seen;
  for (const auto& c : o.categories)
    MICA_CHECK(seen.insert(c).second, "load_fortune_split: category '", c, "' given twice");

  FortuneSplit split;
  split.categories = o.categories;
  for (size_t label = 0; label < o.categories.size(); ++label) {
    const auto entries = data::load_fortunes(o.dir, {o.categories[label]});
    const auto n = static_cast<int64_t>(entries.size());
    MICA_CHECK(n >= 2, "load_fortune_split: category '", o.categories[label], "' has ", n,
               " entries; need at least 2");
    split.available.push_back(n);

    // Entry indices ordered by their hash (stream = label, so categories differ).
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return data::sample_hash(o.seed, label, static_cast<uint64_t>(a)) <
             data::sample_hash(o.seed, label, static_cast<uint64_t>(b));
    });
    const int64_t kept = o.max_per_class > 0 ? std::min(n, o.max_per_class) : n;
    order.resize(static_cast<size_t>(kept));
    const int64_t n_test =
        std::clamp<int64_t>(std::llround(o.test_fraction * static_cast<double>(kept)), 1, kept - 1);
    std::vector<bool> is_test(static_cast<size_t>(n), false), is_kept(static_cast<size_t>(n));
    for (int64_t r = 0; r < kept; ++r) {
      is_kept[static_cast<size_t>(order[static_cast<size_t>(r)])] = true;
      is_test[static_cast<size_t>(order[static_cast<size_t>(r)])] = r < n_test;
    }
    for (int64_t i = 0; i < n; ++i) {  // file order within each side
      if (!is_kept[static_cast<size_t>(i)]) continue;
      LabeledText item{collapse_whitespace(entries[static_cast<size_t>(i)].text),
                       static_cast<int64_t>(label)};
      (is_test[static_cast<size_t>(i)] ? split.test : split.train).push_back(std::move(item));
    }
  }
  return split;
}

std::vector<int64_t> class_counts(const std::vector<LabeledText>& items, int64_t num_classes) {
  std::vector<int64_t> counts(static_cast<size_t>(num_classes), 0);
  for (const auto& it : items) {
    MICA_CHECK(it.label >= 0 && it.label < num_classes, "class_counts: label ", it.label,
               " outside [0, ", num_classes, ")");
    ++counts[static_cast<size_t>(it.label)];
  }
  return counts;
}

}  // namespace mica::examples
