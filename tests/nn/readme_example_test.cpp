// The README's training snippet (nn + optim + checkpoint), compiled and run as written there:
// if this stops building, the README is wrong.
#include <gtest/gtest.h>

#include <filesystem>

#include "mica.h"

namespace {

using namespace mica;

TEST(ReadmeExample, TrainsSavesAndResumes) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "mica_readme_example.h5").string();
  // ---- README snippet begins ----
  manual_seed(0);
  auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(8, 32),
                                                std::make_shared<nn::GELU>(),
                                                std::make_shared<nn::Linear>(32, 1));
  optim::AdamW opt(model->parameters(), {.lr = 1e-2, .weight_decay = 0.01});
  Tensor x = randn({64, 8}), y = sum(x, {1}, true);  // learn the row sum
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    Tensor loss = mse_loss(model->forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  optim::save_checkpoint(path, {.model = model->state_dict(), .optimizer = &opt, .step = 200});
  // ---- README snippet ends ----
  EXPECT_LT(last, first * 0.05) << "loss " << first << " -> " << last;
  optim::Checkpoint back{.model = model->state_dict(), .optimizer = &opt};
  optim::load_checkpoint(path, back);
  EXPECT_EQ(back.step, 200);
  std::filesystem::remove(path);
}

}  // namespace
