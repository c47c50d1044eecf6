// mica_demo: the quick start's main job. K-means clustering of Fashion-MNIST images (Debian's
// dataset-fashion-mnist) written entirely with mica's tensor ops: distances by GEMM, argmin,
// one-hot assignment matrices, and centroid updates by GEMM. Prints progress and per-cluster
// purity against the true labels, and writes a PNG sheet: one row per cluster, its centroid
// followed by the images closest to it.
//
// Usage: mica_demo [--split test|train] [--k 10] [--iters 30] [--seed 1337] [--threads N]
//                  [--out out/demo] [--quick]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "mica.h"

using namespace mica;

namespace {

const char* kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct Options {
  std::string split = "test";
  int64_t k = 10;
  int64_t iters = 30;
  uint64_t seed = 1337;
  int threads = 0;
  int64_t limit = 0;  // use only the first `limit` images (0: all)
  std::string out = "out/demo";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      MICA_CHECK(i + 1 < argc, "mica_demo: ", a, " needs a value");
      return argv[++i];
    };
    if (a == "--split")
      o.split = next();
    else if (a == "--k")
      o.k = std::stoll(next());
    else if (a == "--iters")
      o.iters = std::stoll(next());
    else if (a == "--seed")
      o.seed = std::stoull(next());
    else if (a == "--threads")
      o.threads = std::stoi(next());
    else if (a == "--out")
      o.out = next();
    else if (a == "--quick") {
      o.limit = 2000;
      o.iters = 5;
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: mica_demo [--split test|train] [--k 10] [--iters 30] [--seed 1337] "
                   "[--threads N] [--out DIR] [--quick]\n";
      std::exit(0);
    } else {
      MICA_FAIL("mica_demo: unknown argument '", a, "' (try --help)");
    }
  }
  MICA_CHECK(o.k >= 1 && o.iters >= 1, "mica_demo: --k and --iters must be positive");
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Squared Euclidean distances between rows. x: [N, D], centroids: [K, D] -> [N, K].
Tensor squared_distances(const Tensor& x, const Tensor& x_sq, const Tensor& centroids) {
  const Tensor c_sq = ops::sum(ops::mul(centroids, centroids), 1);                   // [K]
  const Tensor cross = ops::mm(x, centroids.t());                                    // [N, K]
  return ops::clamp_min(ops::add(ops::sub(x_sq, ops::mul(cross, 2.0)), c_sq), 0.0);  // [N, K]
}

// images: [M, 28, 28] floats in [0, 1] -> uint8 pixels.
Tensor to_pixels(const Tensor& images) {
  return ops::round(ops::mul(ops::clamp(images, 0.0, 1.0), 255.0)).to(kUInt8);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options opt = parse(argc, argv);
    if (opt.threads > 0) set_num_threads(opt.threads);
    manual_seed(opt.seed);
    const auto t_start = std::chrono::steady_clock::now();

    data::ImageLabelSet set = data::load_fashion_mnist(opt.split);
    if (opt.limit > 0 && opt.limit < set.images.size(0)) {
      set.images = set.images.narrow(0, 0, opt.limit);
      set.labels = set.labels.narrow(0, 0, opt.limit);
    }
    const int64_t n = set.images.size(0), k = opt.k;
    MICA_CHECK(k <= n, "mica_demo: --k ", k, " exceeds the number of images ", n);
    const Tensor x = ops::div(set.images.reshape({n, 28 * 28}).to(kFloat32), 255.0);  // [N, 784]
    const Tensor x_sq = ops::sum(ops::mul(x, x), 1, /*keepdim=*/true);                // [N, 1]
    std::printf(
        "mica demo: k-means on %lld Fashion-MNIST %s images, k = %lld, %d threads (loaded in %.2f "
        "s)\n",
        static_cast<long long>(n), opt.split.c_str(), static_cast<long long>(k), get_num_threads(),
        seconds_since(t_start));

    // Initial centroids: k distinct images chosen by a seeded permutation (Philox stream).
    Tensor centroids =
        ops::index_select(x, 0, randperm(n).narrow(0, 0, k)).contiguous();  // [K, 784]
    Tensor assign;                                                          // [N] int64
    Tensor dist;                                                            // [N, K]
    for (int64_t it = 1; it <= opt.iters; ++it) {
      const auto t_iter = std::chrono::steady_clock::now();
      dist = squared_distances(x, x_sq, centroids);
      auto [min_dist, new_assign] = ops::min(dist, 1);
      const int64_t changed =
          assign.defined() ? ops::sum(ops::ne(new_assign, assign)).item<int64_t>() : n;
      assign = new_assign;
      const Tensor onehot = ops::one_hot(assign, k).to(kFloat32);                     // [N, K]
      const Tensor counts = ops::sum(onehot, 0);                                      // [K]
      const Tensor sums = ops::mm(onehot.t(), x);                                     // [K, 784]
      const Tensor means = ops::div(sums, ops::clamp_min(counts, 1.0).unsqueeze(1));  // [K, 784]
      // An empty cluster keeps its previous centroid.
      centroids = ops::where(ops::gt(counts, 0.0).unsqueeze(1), means, centroids);
      const double inertia = ops::sum(min_dist).item<double>() / static_cast<double>(n);
      std::printf("  iter %3lld/%lld  mean squared distance %8.3f  reassigned %6lld  (%.1f ms)\n",
                  static_cast<long long>(it), static_cast<long long>(opt.iters), inertia,
                  static_cast<long long>(changed), seconds_since(t_iter) * 1e3);
      if (changed == 0) {
        std::printf("  converged: no image changed cluster\n");
        break;
      }
    }
    dist = squared_distances(x, x_sq, centroids);
    assign = ops::min(dist, 1).indices;

    // Purity: contingency table clusters x classes by one GEMM of one-hot matrices.
    const Tensor cluster_onehot = ops::one_hot(assign, k).to(kFloat32);     // [N, K]
    const Tensor class_onehot = ops::one_hot(set.labels, 10).to(kFloat32);  // [N, 10]
    const Tensor table = ops::mm(cluster_onehot.t(), class_onehot);         // [K, 10]
    auto [majority_count, majority_class] = ops::max(table, 1);
    const Tensor sizes = ops::sum(table, 1);
    std::printf("\n  cluster   size  majority class   purity\n");
    for (int64_t c = 0; c < k; ++c) {
      const double size = sizes.select(0, c).item<double>();
      const double count = majority_count.select(0, c).item<double>();
      std::printf("  %7lld %6.0f  %-14s %7.1f%%\n", static_cast<long long>(c), size,
                  kClassNames[majority_class.select(0, c).item<int64_t>()],
                  size > 0 ? 100.0 * count / size : 0.0);
    }
    const double purity = ops::sum(majority_count).item<double>() / static_cast<double>(n);
    std::printf("  overall purity %.1f%% (a random assignment gives about 10%%)\n", 100.0 * purity);

    // Sample sheet: per cluster, the centroid then the 9 nearest member images.
    const int64_t per_row = 10;
    Tensor sheet = zeros({k * per_row, 28, 28});
    for (int64_t c = 0; c < k; ++c) {
      sheet.select(0, c * per_row).copy_(centroids.select(0, c).view({28, 28}));
      const Tensor member_dist =
          ops::where(ops::eq(assign, c), dist.select(1, c), INFINITY);  // [N]
      const int64_t take = std::min<int64_t>(per_row - 1, n);
      auto [near_d, near_i] = ops::topk(member_dist, take, 0, /*largest=*/false);
      for (int64_t j = 0; j < take; ++j) {
        if (std::isinf(near_d.select(0, j).item<double>())) break;  // cluster smaller than 9
        sheet.select(0, c * per_row + 1 + j)
            .copy_(x.select(0, near_i.select(0, j).item<int64_t>()).view({28, 28}));
      }
    }
    // 2x nearest upsampling so the sheet is comfortable to look at.
    const Tensor big =
        ops::upsample_nearest2d(sheet.unsqueeze(1), std::vector<int64_t>{56, 56}).squeeze(1);
    std::filesystem::create_directories(opt.out);
    const std::string png = opt.out + "/centroids.png";
    data::write_png(png, data::make_grid(to_pixels(big), per_row, 4, 32));
    std::printf("\n  wrote %s (row per cluster: centroid, then its 9 nearest images)\n",
                png.c_str());
    std::printf("  total %.2f s\n", seconds_since(t_start));
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "mica_demo: %s\n", e.what());
    return 1;
  }
}
