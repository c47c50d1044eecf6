// IDX files (the MNIST/Fashion-MNIST format), plain or gzip-compressed, and the Fashion-MNIST
// helper that finds Debian's dataset-fashion-mnist files.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace mica::data {

// Reads an IDX file (big-endian header: magic 0x0000TTNN, NN dims, then sizes) into a tensor
// of its element type (uint8 -> kUInt8, int32 -> kInt32, float32 -> kFloat32, float64 -> kFloat64).
// Files ending in .gz are decompressed. Throws mica::Error naming the path on any problem.
Tensor read_idx(const std::string& path);

struct ImageLabelSet {
  Tensor images;  // [N, 28, 28] uint8
  Tensor labels;  // [N] int64
};

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// split: "train" (60000) or "test" (10000). dir defaults to Debian's install location; a missing
// file gives an error that names the package to install (dataset-fashion-mnist).
ImageLabelSet load_fashion_mnist(const std::string& split,
                                 const std::string& dir = kFashionMnistDir);

}  // namespace mica::data
