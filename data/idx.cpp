// IDX reader (gzip through zlib, which also reads uncompressed files) and the Fashion-MNIST and
// MNIST loaders.
#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "tensor/ops/factory.h"

namespace mica::data {

namespace {
struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

constexpr uint64_t kDirectReadBytes = uint64_t{1} << 28;  // allocated up front
constexpr uint64_t kReadStep = uint64_t{1} << 24;         // above that: grown in steps

// Reads n bytes; `declared`/`done` (data only) put the shortfall in the error message.
void read_exact(gzFile f, void* dst, size_t n, const std::string& path, const char* what,
                uint64_t declared = 0, uint64_t done = 0) {
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    const int got = gzread(f, p, chunk);
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    MICA_CHECK(
        got > 0, "read_idx: ", path, ": truncated or corrupt while reading the ", what,
        (declared > 0 ? " (header declares " + std::to_string(declared) + " bytes of data, got " +
                            std::to_string(done) + ")"
                      : std::string()),
        (err != Z_OK && err != Z_STREAM_END ? std::string(" (") + msg + ")" : std::string()));
    p += got;
    done += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
}

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
}  // namespace

Tensor read_idx(const std::string& path) {
  MICA_CHECK(std::filesystem::exists(path), "read_idx: file not found: ", path);
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  MICA_CHECK(f != nullptr, "read_idx: cannot open ", path);
  unsigned char magic[4];
  read_exact(f.get(), magic, 4, path, "header");
  MICA_CHECK(magic[0] == 0 && magic[1] == 0, "read_idx: ", path, " is not an IDX file (bad magic)");
  DType dtype;
  switch (magic[2]) {
    case 0x08:
      dtype = kUInt8;
      break;
    case 0x0C:
      dtype = kInt32;
      break;
    case 0x0D:
      dtype = kFloat32;
      break;
    case 0x0E:
      dtype = kFloat64;
      break;
    default:
      MICA_FAIL("read_idx: ", path, ": unsupported IDX element type 0x", std::hex, int{magic[2]});
  }
  const int ndim = magic[3];
  MICA_CHECK(ndim >= 1 && ndim <= 8, "read_idx: ", path, ": bad number of dims ", ndim);
  Shape shape(static_cast<size_t>(ndim));
  const size_t es = element_size(dtype);
  uint64_t nbytes = es;
  for (int d = 0; d < ndim; ++d) {
    unsigned char b[4];
    read_exact(f.get(), b, 4, path, "header");
    const uint32_t n = big_endian(b);
    shape[static_cast<size_t>(d)] = n;
    // Element counts past 2^48 bytes are no real file; checking keeps the product from overflowing.
    MICA_CHECK(n == 0 || nbytes <= (uint64_t{1} << 48) / n, "read_idx: ", path,
               ": dims product overflows (header declares ", shape_str(shape), " ...)");
    nbytes *= n;
  }
  Tensor out;
  if (nbytes <= kDirectReadBytes) {
    out = empty(shape, dtype);
    read_exact(f.get(), out.raw_data(), out.nbytes(), path, "data", nbytes);
  } else {
    // A large declared size is read in steps before allocating it all, so a corrupt header
    // fails on the missing bytes instead of reserving memory for them.
    std::vector<unsigned char> buf;
    while (buf.size() < nbytes) {
      const size_t step = static_cast<size_t>(std::min<uint64_t>(nbytes - buf.size(), kReadStep));
      const size_t at = buf.size();
      buf.resize(at + step);
      read_exact(f.get(), buf.data() + at, step, path, "data", nbytes, at);
    }
    out = empty(shape, dtype);
    std::memcpy(out.raw_data(), buf.data(), buf.size());
  }
  // IDX stores multi-byte elements big-endian.
  if (es > 1) {
    auto* p = static_cast<unsigned char*>(out.raw_data());
    for (int64_t i = 0; i < out.numel(); ++i) std::reverse(p + i * es, p + (i + 1) * es);
  }
  return out;
}

namespace {
ImageLabelSet load_image_label_set(const char* fn, const std::string& split, const std::string& dir,
                                   const std::string& missing_hint) {
  MICA_CHECK(split == "train" || split == "test", fn, ": split must be 'train' or 'test', got '",
             split, "'");
  const std::string prefix = dir + "/" + (split == "train" ? "train" : "t10k");
  const std::string images = prefix + "-images-idx3-ubyte.gz";
  const std::string labels = prefix + "-labels-idx1-ubyte.gz";
  for (const std::string& p : {images, labels})
    MICA_CHECK(std::filesystem::exists(p), fn, ": ", p, " not found; ", missing_hint);
  ImageLabelSet set{read_idx(images), read_idx(labels).to(kInt64)};
  MICA_CHECK(
      set.images.dim() == 3 && set.labels.dim() == 1 && set.images.size(0) == set.labels.size(0),
      fn, ": images ", shape_str(set.images.sizes()), " and labels ", shape_str(set.labels.sizes()),
      " do not match");
  return set;
}
}  // namespace

ImageLabelSet load_fashion_mnist(const std::string& split, const std::string& dir) {
  return load_image_label_set("load_fashion_mnist", split, dir,
                              "install Debian's package: apt-get install dataset-fashion-mnist");
}

ImageLabelSet load_mnist(const std::string& split, const std::string& dir) {
  return load_image_label_set("load_mnist", split, dir,
                              "MNIST has no Debian package: put the four *-ubyte.gz files of "
                              "the MNIST distribution in that directory");
}

}  // namespace mica::data
