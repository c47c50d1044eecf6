// IDX files (the MNIST/Fashion-MNIST format), plain or gzip-compressed, the Fashion-MNIST helper
// that finds Debian's dataset-fashion-mnist files, and the MNIST helper.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace mica::data {

// Reads an IDX file (big-endian header: magic 0x0000TTNN, NN dims, then sizes) into a tensor
// of its element type (uint8 -> kUInt8, int32 -> kInt32, float32 -> kFloat32, float64 -> kFloat64).
// gzip-compressed files are decompressed (whatever their name). Throws mica::Error naming the
// path on any problem: a bad magic, a dims product past 2^48 bytes, fewer data bytes than the
// header declares (a large declared size is read in steps, never allocated up front).
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

// The same for MNIST files (same names and layout) in dir; MNIST has no Debian package, so the
// directory is required.
ImageLabelSet load_mnist(const std::string& split, const std::string& dir);

}  // namespace mica::data
