// The confusion matrix as a heatmap image: rows true class, columns predicted class, each cell
// shaded by its share of the row (recall on the diagonal) with its count written in it, class
// names as labels. Drawn with mica's plot canvas and 5x7 font (data/plot_raster.h).
#pragma once

#include <string>
#include <vector>

#include "examples/ch02_classifier/confusion.h"
#include "tensor/tensor.h"

namespace mica::examples {

// -> [H, W, 3] uint8 (write it with data::write_png).
Tensor confusion_heatmap(const ConfusionMatrix& cm, const std::vector<std::string>& names,
                         const std::string& title);

}  // namespace mica::examples
