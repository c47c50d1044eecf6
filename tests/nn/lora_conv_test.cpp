// LoRA on Conv2d (PEFT's layout): a fresh adapter changes nothing, the delta equals
// scaling * B(A(x)) with A sharing the base kernel/stride/padding and B 1x1, merge folds B A
// into the kernel (same output), names and shapes follow PEFT, inject_lora attaches to Conv2d
// children next to Linear ones (Linear behaviour unchanged), and the whole-model helpers
// (lora_state_dict, merge_and_unload) cover conv adapters.
#include <gtest/gtest.h>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;

TEST(LoRAConv, FreshAdapterIsIdentityAndDeltaMatchesConvs) {
  manual_seed(3);
  LoRAConv2d conv(3, 5, 3, {.r = 2, .alpha = 4}, {.stride = 2, .padding = 1});
  ASSERT_TRUE(conv.lora);
  EXPECT_EQ(conv.lora->lora_A->weight.sizes(), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(conv.lora->lora_B->weight.sizes(), (Shape{5, 2, 1, 1}));
  EXPECT_DOUBLE_EQ(conv.lora->scaling, 2.0);
  Tensor x = randn({2, 3, 7, 7});
  EXPECT_TRUE(close(conv.forward(x), conv.conv(x)));  // B = 0
  init::normal_(conv.lora->lora_B->weight);
  const Tensor a = conv2d(x, conv.lora->lora_A->weight, {}, {2}, {1});
  const Tensor expected = conv.conv(x) + conv2d(a, conv.lora->lora_B->weight) * 2.0;
  EXPECT_TRUE(close(conv.forward(x), expected, 1e-5, 1e-5));
  // Merge: the kernel absorbs scaling * B A and the output stays the same.
  const Tensor before = conv.forward(x).detach();
  const Tensor w0 = conv.weight.detach().clone();
  conv.merge();
  EXPECT_TRUE(conv.lora->merged);
  EXPECT_TRUE(close(conv.forward(x), before, 1e-5, 1e-5));
  conv.unmerge();
  EXPECT_TRUE(close(conv.weight, w0, 1e-5, 1e-6));
}

TEST(LoRAConv, GradientsReachOnlyTheAdapterAfterInject) {
  struct Net : Module {
    Net() : Module("Net") {
      conv =
          register_module("conv", std::make_shared<Conv2d>(2, 4, 3, Conv2dOptions{.padding = 1}));
      fc = register_module("fc", std::make_shared<Linear>(4, 3));
    }
    Tensor forward(const Tensor& x) { return fc->forward(mean(conv->forward(x), {2, 3})); }
    std::shared_ptr<Conv2d> conv;
    std::shared_ptr<Linear> fc;
  };
  Net net;
  const auto names = inject_lora(net, {"conv", "fc"}, {.r = 2, .alpha = 2});
  EXPECT_EQ(names, (std::vector<std::string>{"conv", "fc"}));
  ASSERT_TRUE(net.conv->lora);
  ASSERT_TRUE(net.fc->lora);
  EXPECT_FALSE(net.conv->weight.requires_grad());
  EXPECT_EQ(lora_state_dict(net).keys(),
            (std::vector<std::string>{"conv.lora_A.weight", "conv.lora_B.weight",
                                      "fc.lora_A.weight", "fc.lora_B.weight"}));
  EXPECT_EQ(net.state_dict().at("conv.lora_A.weight").sizes(), (Shape{2, 2, 3, 3}));
  sum(net.forward(randn({2, 2, 5, 5}))).backward();
  EXPECT_FALSE(net.conv->weight.grad().defined());
  EXPECT_TRUE(net.conv->lora->lora_B->weight.grad().defined());
  // Adapters' own convs are never matched again; re-injecting an adapted layer throws.
  EXPECT_THROW(inject_lora(net, {"conv"}), Error);
  init::normal_(net.conv->lora->lora_B->weight);
  Tensor x = randn({1, 2, 5, 5});
  const Tensor before = net.forward(x).detach();
  merge_and_unload(net);
  EXPECT_FALSE(net.conv->lora);
  EXPECT_EQ(net.state_dict().size(), 4u);
  EXPECT_TRUE(close(net.forward(x), before, 1e-5, 1e-5));
}

TEST(LoRAConv, GroupedConvIsRefused) {
  Conv2d conv(4, 4, 3, {.groups = 2});
  EXPECT_THROW(add_lora(conv, {.r = 2}), Error);
}

}  // namespace
}  // namespace mica::nn
