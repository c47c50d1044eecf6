// mica_demo: a first tour of mica on Fashion-MNIST (Debian's dataset-fashion-mnist).
// Part 1, tensor ops: k-means clustering written with mica's raw ops (distances by GEMM, argmin,
// one-hot assignment matrices, centroid updates by GEMM), with per-cluster purity against the
// true labels and a PNG sheet (one row per cluster: its centroid, then its nearest images).
// Part 2, autograd: a small MLP classifier trained with mica's differentiable ops and backward(),
// plain SGD, printing its falling loss and the test accuracy.
// Both show progress bars and leave a run folder (config, metrics, plots, images, report.html).
//
// Usage: mica_demo [--split test|train] [--k 10] [--iters 30] [--epochs 2] [--seed 1337]
//                  [--threads N] [--out runs] [--quick]
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
  int64_t limit = 0;             // k-means: use only the first `limit` images (0: all)
  int64_t train_images = 12000;  // MLP: training images (from the train split)
  int64_t epochs = 2;
  std::string out = "runs";
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
      std::cout << "usage: mica_demo [--split test|train] [--k 10] [--iters 30] [--epochs 2] "
                   "[--seed 1337] [--threads N] [--out runs] [--quick]\n";
      std::exit(0);
    } else {
      MICA_FAIL("mica_demo: unknown argument '", a, "' (try --help)");
    }
  }
  MICA_CHECK(o.k >= 1 && o.iters >= 1 && o.epochs >= 1,
             "mica_demo: --k, --iters and --epochs must be positive");
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

// Part 1: k-means with raw tensor ops. Returns the overall purity.
double run_kmeans(const Options& opt, data::Run& run) {
  data::ImageLabelSet set = data::load_fashion_mnist(opt.split);
  if (opt.limit > 0 && opt.limit < set.images.size(0)) {
    set.images = set.images.narrow(0, 0, opt.limit);
    set.labels = set.labels.narrow(0, 0, opt.limit);
  }
  const int64_t n = set.images.size(0), k = opt.k;
  MICA_CHECK(k <= n, "mica_demo: --k ", k, " exceeds the number of images ", n);
  const Tensor x = ops::div(set.images.reshape({n, 28 * 28}).to(kFloat32), 255.0);  // [N, 784]
  const Tensor x_sq = ops::sum(ops::mul(x, x), 1, /*keepdim=*/true);                // [N, 1]
  std::printf("part 1: k-means (raw tensor ops) on %lld Fashion-MNIST %s images, k = %lld\n",
              static_cast<long long>(n), opt.split.c_str(), static_cast<long long>(k));

  // Initial centroids: k distinct images chosen by a seeded permutation (Philox stream).
  Tensor centroids = ops::index_select(x, 0, randperm(n).narrow(0, 0, k)).contiguous();  // [K, 784]
  Tensor assign;  // [N] int64
  Tensor dist;    // [N, K]
  data::ProgressBar bar(opt.iters, {.desc = "k-means", .unit = "iter"});
  for (int64_t it = 1; it <= opt.iters; ++it) {
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
    run.log(it, {{"kmeans_mean_sq_distance", inertia},
                 {"kmeans_reassigned", static_cast<double>(changed)}});
    bar.update(1, {{"dist", inertia}, {"moved", static_cast<double>(changed)}});
    if (changed == 0) break;
  }
  bar.close();
  dist = squared_distances(x, x_sq, centroids);
  assign = ops::min(dist, 1).indices;

  // Purity: contingency table clusters x classes by one GEMM of one-hot matrices.
  const Tensor cluster_onehot = ops::one_hot(assign, k).to(kFloat32);     // [N, K]
  const Tensor class_onehot = ops::one_hot(set.labels, 10).to(kFloat32);  // [N, 10]
  const Tensor table = ops::mm(cluster_onehot.t(), class_onehot);         // [K, 10]
  auto [majority_count, majority_class] = ops::max(table, 1);
  const Tensor sizes = ops::sum(table, 1);
  std::string purity_table = "cluster   size  majority class   purity\n";
  for (int64_t c = 0; c < k; ++c) {
    const double size = sizes.select(0, c).item<double>();
    const double count = majority_count.select(0, c).item<double>();
    char line[128];
    std::snprintf(line, sizeof(line), "%7lld %6.0f  %-14s %7.1f%%\n", static_cast<long long>(c),
                  size, kClassNames[majority_class.select(0, c).item<int64_t>()],
                  size > 0 ? 100.0 * count / size : 0.0);
    purity_table += line;
  }
  const double purity = ops::sum(majority_count).item<double>() / static_cast<double>(n);
  std::printf("%s  overall purity %.1f%% (a random assignment gives about 10%%)\n",
              purity_table.c_str(), 100.0 * purity);
  run.add_section("k-means clusters",
                  purity_table + "overall purity " + std::to_string(100.0 * purity) + "%");

  // Sample sheet: per cluster, the centroid then the 9 nearest member images.
  const int64_t per_row = 10;
  Tensor sheet = zeros({k * per_row, 28, 28});
  for (int64_t c = 0; c < k; ++c) {
    sheet.select(0, c * per_row).copy_(centroids.select(0, c).view({28, 28}));
    const Tensor member_dist = ops::where(ops::eq(assign, c), dist.select(1, c), INFINITY);  // [N]
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
  const auto png =
      run.save_image("kmeans_clusters", data::make_grid(to_pixels(big), per_row, 4, 32));
  std::printf("  wrote %s (row per cluster: centroid, then its 9 nearest images)\n\n", png.c_str());
  return purity;
}

// Part 2: an MLP 784 -> 128 -> 10 trained with autograd and plain SGD. Returns the test accuracy.
double run_mlp(const Options& opt, data::Run& run) {
  const data::ImageLabelSet train_set = data::load_fashion_mnist("train");
  const data::ImageLabelSet test_set = data::load_fashion_mnist("test");
  const int64_t n = std::min<int64_t>(opt.train_images, train_set.images.size(0));
  const Tensor x_train =
      ops::div(train_set.images.narrow(0, 0, n).reshape({n, 784}).to(kFloat32), 255.0);
  const Tensor y_train = train_set.labels.narrow(0, 0, n);
  const int64_t n_test = opt.limit > 0 ? std::min<int64_t>(opt.limit, test_set.images.size(0))
                                       : test_set.images.size(0);
  const Tensor x_test =
      ops::div(test_set.images.narrow(0, 0, n_test).reshape({n_test, 784}).to(kFloat32), 255.0);
  const Tensor y_test = test_set.labels.narrow(0, 0, n_test);

  // PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  auto uniform = [](Shape shape, double bound) {
    Tensor t = ops::sub(ops::mul(rand(shape), 2.0 * bound), bound);
    t.requires_grad_(true);
    return t;
  };
  std::vector<Tensor> params = {
      uniform({128, 784}, 1 / std::sqrt(784.0)), uniform({128}, 1 / std::sqrt(784.0)),
      uniform({10, 128}, 1 / std::sqrt(128.0)), uniform({10}, 1 / std::sqrt(128.0))};
  auto forward = [&](const Tensor& x) {  // x: [B, 784] -> logits [B, 10]
    return linear(relu(linear(x, params[0], params[1])), params[2], params[3]);
  };

  const int64_t batch = 128, steps_per_epoch = n / batch;
  const double lr = 0.1;
  std::printf(
      "part 2: MLP 784-128-10 (autograd, SGD lr %.2f) on %lld training images, %lld epochs\n", lr,
      static_cast<long long>(n), static_cast<long long>(opt.epochs));
  data::ProgressBar bar(opt.epochs * steps_per_epoch, {.desc = "mlp", .unit = "step"});
  int64_t step = 0;
  double first_loss = 0, last_loss = 0;
  for (int64_t epoch = 0; epoch < opt.epochs; ++epoch) {
    const Tensor perm = randperm(n);
    for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
      const Tensor idx = perm.narrow(0, s * batch, batch);
      const Tensor loss = cross_entropy(forward(ops::index_select(x_train, 0, idx)),
                                        ops::index_select(y_train, 0, idx));
      for (Tensor& p : params) p.set_grad(Tensor());
      loss.backward();
      {
        NoGradGuard no_grad;  // the update itself is not part of the graph
        for (Tensor& p : params) ops::sub_(p, ops::mul(p.grad(), lr));
      }
      const double l = loss.item<double>();
      if (step == 0) first_loss = l;
      last_loss = l;
      run.log(step, {{"mlp_train_loss", l}});
      bar.update(1, {{"loss", l}});
    }
  }
  bar.close();
  double accuracy;
  {
    NoGradGuard no_grad;
    const Tensor predicted = ops::argmax(forward(x_test), 1);
    accuracy = ops::sum(ops::eq(predicted, y_test)).item<double>() / static_cast<double>(n_test);
  }
  std::printf("  training loss %.3f -> %.3f; test accuracy %.1f%% on %lld images\n", first_loss,
              last_loss, 100.0 * accuracy, static_cast<long long>(n_test));
  run.log(step, {{"mlp_test_accuracy", accuracy}});
  run.add_section("MLP with autograd", "training loss " + std::to_string(first_loss) + " -> " +
                                           std::to_string(last_loss) + ", test accuracy " +
                                           std::to_string(100.0 * accuracy) + "%");
  return accuracy;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep printed lines in order with the progress bars
  try {
    const Options opt = parse(argc, argv);
    if (opt.threads > 0) set_num_threads(opt.threads);
    manual_seed(opt.seed);
    const auto t_start = std::chrono::steady_clock::now();
    data::Run run(
        {.root = opt.out, .title = "mica demo: Fashion-MNIST k-means and an autograd MLP"});
    run.save_config({{"split", opt.split},
                     {"k", opt.k},
                     {"iters", opt.iters},
                     {"epochs", opt.epochs},
                     {"train_images", opt.train_images},
                     {"seed", static_cast<int64_t>(opt.seed)},
                     {"threads", static_cast<int64_t>(get_num_threads())}});
    std::printf("mica demo (%d threads), run folder %s\n\n", get_num_threads(), run.dir().c_str());
    run_kmeans(opt, run);
    run_mlp(opt, run);
    const auto report = run.write_report();
    std::printf("\n  report: %s\n  total %.1f s\n", report.c_str(), seconds_since(t_start));
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "mica_demo: %s\n", e.what());
    return 1;
  }
}
