// LoRA: the adapter's formula and initialization, injection by name pattern and by regex with
// freezing and PEFT's report, merge/unmerge equivalence, gradients only in A and B, adapter
// state round trips and their error reports, and typed members that keep working.
#include <gtest/gtest.h>

#include <cmath>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::to_doubles;

using test::error_of;
using test::has;

// Typed members, as models hold them.
struct Attn : Module {
  Attn() : Module("Attn") {
    q_proj = register_module("q_proj", std::make_shared<Linear>(8, 8));
    v_proj = register_module("v_proj", std::make_shared<Linear>(8, 8));
    out_proj = register_module("out_proj", std::make_shared<Linear>(8, 8, LinearOptions{false}));
  }
  Tensor forward(const Tensor& x) const {
    return out_proj->forward(tanh(q_proj->forward(x)) * v_proj->forward(x));
  }
  std::shared_ptr<Linear> q_proj, v_proj, out_proj;
};

struct Net : Module {
  Net() : Module("Net") {
    layers = register_module("layers", std::make_shared<ModuleList>());
    for (int i = 0; i < 3; ++i) layers->push_back(std::make_shared<Attn>());
    head = register_module("head", std::make_shared<Linear>(8, 3));
  }
  Tensor forward(const Tensor& x) const {
    Tensor h = x;
    for (const auto& l : *layers) h = h + std::static_pointer_cast<Attn>(l)->forward(h);
    return head->forward(h);
  }
  std::shared_ptr<ModuleList> layers;
  std::shared_ptr<Linear> head;
};

// Puts nonzero values into every lora_B (a fresh adapter is the identity).
void perturb_adapters(Module& m) {
  NoGradGuard g;
  Generator gen(11);
  for (auto& [k, t] : lora_state_dict(m)) {
    Tensor h = t;
    if (has(k, "lora_B")) ops::normal_(h, 0, 0.5, &gen);
  }
}

TEST(LoRA, AdapterFormulaAndInitialization) {
  Linear fc(6, 4);
  Tensor x = randn({5, 6});
  Tensor base = fc.forward(x);
  add_lora(fc, {.r = 2, .alpha = 6});
  ASSERT_TRUE(fc.lora);
  EXPECT_EQ(fc.lora->scaling, 3.0);
  EXPECT_EQ(fc.lora->lora_A->weight.sizes(), (Shape{2, 6}));
  EXPECT_EQ(fc.lora->lora_B->weight.sizes(), (Shape{4, 2}));
  EXPECT_EQ(to_doubles(fc.lora->lora_B->weight), std::vector<double>(8, 0.0));
  for (double a : to_doubles(fc.lora->lora_A->weight)) EXPECT_LE(std::abs(a), 1 / std::sqrt(6.0));
  EXPECT_TRUE(close(fc.forward(x), base, 0, 0));  // B = 0: no change
  EXPECT_EQ(fc.state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "lora_A.weight", "lora_B.weight"}));
  perturb_adapters(fc);
  // y = x W^T + b + s (x A^T) B^T
  Tensor a = fc.lora->lora_A->weight.detach(), b = fc.lora->lora_B->weight.detach();
  Tensor expected = ops::add(base, ops::mul(ops::matmul(ops::matmul(x, a.t()), b.t()), 3.0));
  EXPECT_TRUE(close(fc.forward(x), expected, 1e-5, 1e-6));
  EXPECT_TRUE(has(fc.repr(),
                  "Linear(\n  in_features=6, out_features=4, bias=True, lora_r=2, "
                  "lora_alpha=6\n  (lora_A): Linear(in_features=6, out_features=2"))
      << fc.repr();
  EXPECT_TRUE(has(error_of([&] { add_lora(fc, {}); }), "already has a LoRA adapter"));
  Linear other(3, 3);
  EXPECT_TRUE(has(error_of([&] { add_lora(other, {.r = 0}); }), "rank r must be positive"));
}

TEST(LoRA, InjectByNameFreezesBaseAndReports) {
  auto net = std::make_shared<Net>();
  const int64_t all_before = net->num_parameters();
  const auto names = inject_lora(*net, {"q_proj", "v_proj"}, {.r = 4, .alpha = 8});
  EXPECT_EQ(names,
            (std::vector<std::string>{"layers.0.q_proj", "layers.0.v_proj", "layers.1.q_proj",
                                      "layers.1.v_proj", "layers.2.q_proj", "layers.2.v_proj"}));
  // r (in + out) per adapted Linear.
  const int64_t lora_params = 6 * 4 * (8 + 8);
  EXPECT_EQ(net->num_parameters(/*trainable_only=*/true), lora_params);
  EXPECT_EQ(net->num_parameters(), all_before + lora_params);
  for (const auto& [k, p] : net->named_parameters())
    EXPECT_EQ(p.requires_grad(), has(k, ".lora_A.") || has(k, ".lora_B.")) << k;
  EXPECT_TRUE(net->state_dict().contains("layers.1.q_proj.weight"));  // base names unchanged
  EXPECT_TRUE(net->state_dict().contains("layers.1.q_proj.lora_A.weight"));
  // PEFT's format: counts with thousands separators and 4 decimals (384 / 1035 = 37.10144...).
  EXPECT_EQ(all_before, 3 * (72 + 72 + 64) + 27);
  EXPECT_EQ(trainable_parameters_report(*net),
            "trainable params: 384 || all params: 1,035 || trainable%: 37.1014");
  // Nothing matches, or a layer already adapted.
  EXPECT_TRUE(
      has(error_of([&] { inject_lora(*net, {"k_proj"}); }), "no Linear module matches 'k_proj'"));
  EXPECT_TRUE(has(error_of([&] { inject_lora(*net, {"layers.0.q_proj"}); }),
                  "'layers.0.q_proj' already has a LoRA adapter"));
  // "proj" is not a module name: PEFT's rule matches whole trailing names only.
  EXPECT_TRUE(has(error_of([&] { inject_lora(*net, {"proj"}); }), "no Linear module matches"));
}

TEST(LoRA, InjectByRegexSkipsAdaptersOwnLayers) {
  auto net = std::make_shared<Net>();
  const auto names = inject_lora(*net, {R"(layers\.[02]\..*_proj)"}, {.r = 2, .regex = true});
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(names.front(), "layers.0.q_proj");
  EXPECT_EQ(names.back(), "layers.2.out_proj");
  EXPECT_FALSE(net->layers->at<Attn>(1)->q_proj->lora);
  // A second injection never adapts lora_A / lora_B themselves (they match the pattern).
  const auto more = inject_lora(*net, {R"(.*lora_.*|layers\.1\..*|head)"}, {.r = 2, .regex = true});
  for (const auto& n : more) EXPECT_FALSE(has(n, "lora_")) << n;
  EXPECT_EQ(more.size(), 4u);  // layers.1.{q,v,out}_proj and head
}

TEST(LoRA, MergeUnmergeAndMergeAndUnloadAreExact) {
  // In float64, so "exact" means rounding of the merged weights only (about 1e-15 relative);
  // float32 rounding is amplified through the layers to ~1e-4 on some draws.
  auto net = std::make_shared<Net>();
  inject_lora(*net, {"q_proj", "v_proj", "out_proj", "head"}, {.r = 4, .alpha = 16});
  perturb_adapters(*net);
  net->to(kFloat64);
  Tensor x = randn({7, 8}, TensorOptions(kFloat64));
  const Tensor before = net->forward(x);
  const std::vector<double> w0 = to_doubles(net->head->weight);
  Tensor held = net->head->weight;
  merge_lora(*net);
  EXPECT_TRUE(net->head->lora->merged);
  EXPECT_NE(to_doubles(net->head->weight), w0);
  EXPECT_TRUE(held.is_same(net->head->weight));
  EXPECT_TRUE(close(net->forward(x), before, 1e-10, 1e-10));
  merge_lora(*net);  // already merged: no-op
  EXPECT_TRUE(close(net->forward(x), before, 1e-10, 1e-10));
  unmerge_lora(*net);
  EXPECT_TRUE(
      close(net->head->weight, from_vector(w0, {3, 8}, TensorOptions(kFloat64)), 1e-12, 1e-12));
  EXPECT_TRUE(close(net->forward(x), before, 1e-10, 1e-10));
  merge_and_unload(*net);
  EXPECT_FALSE(net->head->lora);
  for (const auto& k : net->state_dict().keys()) EXPECT_FALSE(has(k, "lora")) << k;
  EXPECT_TRUE(close(net->forward(x), before, 1e-10, 1e-10));
}

TEST(LoRA, GradientsReachOnlyTheAdapters) {
  auto net = std::make_shared<Net>();
  inject_lora(*net, {"q_proj", "v_proj"}, {.r = 2, .alpha = 4});
  perturb_adapters(*net);
  Tensor x = randn({4, 8});
  sum(net->forward(x) * net->forward(x)).backward();
  int with_grad = 0;
  for (const auto& [k, p] : net->named_parameters()) {
    const bool adapter = has(k, ".lora_A.") || has(k, ".lora_B.");
    EXPECT_EQ(p.grad().defined(), adapter) << k;
    if (adapter && p.grad().defined()) {
      double norm = 0;
      for (double g : to_doubles(p.grad())) norm += g * g;
      EXPECT_GT(norm, 0) << k;
      ++with_grad;
    }
  }
  EXPECT_EQ(with_grad, 12);
}

TEST(LoRA, DropoutOnlyInTraining) {
  Linear fc(16, 4);
  add_lora(fc, {.r = 2, .alpha = 2, .dropout = 0.5});
  perturb_adapters(fc);
  Tensor x = randn({32, 16});
  fc.eval();
  Tensor e1 = fc.forward(x), e2 = fc.forward(x);
  EXPECT_TRUE(close(e1, e2, 0, 0));
  fc.train();
  Tensor t1 = fc.forward(x), t2 = fc.forward(x);
  EXPECT_FALSE(close(t1, t2, 0, 1e-6));
}

TEST(LoRA, AdapterStateRoundTripAndErrors) {
  auto a = std::make_shared<Net>();
  auto b = std::make_shared<Net>();
  b->load_state_dict(a->state_dict());  // same base
  inject_lora(*a, {"q_proj", "v_proj"}, {.r = 4});
  inject_lora(*b, {"q_proj", "v_proj"}, {.r = 4});
  perturb_adapters(*a);
  const StateDict adapter = lora_state_dict(*a);
  EXPECT_EQ(adapter.size(), 12u);
  EXPECT_EQ(adapter.keys().front(), "layers.0.q_proj.lora_A.weight");
  EXPECT_EQ(adapter.keys()[1], "layers.0.q_proj.lora_B.weight");
  Tensor x = randn({3, 8});
  EXPECT_FALSE(close(b->forward(x), a->forward(x), 1e-5, 1e-6));
  load_lora_state_dict(*b, adapter);
  EXPECT_TRUE(close(b->forward(x), a->forward(x), 1e-6, 1e-7));
  // The loaded tensors are copies: b keeps its own parameters.
  EXPECT_FALSE(lora_state_dict(*b)
                   .at("layers.0.q_proj.lora_A.weight")
                   .is_same(adapter.at("layers.0.q_proj.lora_A.weight")));

  StateDict bad;
  for (const auto& [k, v] : adapter)
    if (k != "layers.2.v_proj.lora_B.weight") bad.insert(k, v);
  bad.set("layers.0.q_proj.lora_A.weight", zeros({5, 8}));
  bad.insert("layers.0.k_proj.lora_A.weight", zeros({4, 8}));
  const std::string err = error_of([&] { load_lora_state_dict(*b, bad); });
  EXPECT_TRUE(has(err, "missing keys: 'layers.2.v_proj.lora_B.weight'")) << err;
  EXPECT_TRUE(has(err, "unexpected keys: 'layers.0.k_proj.lora_A.weight'")) << err;
  EXPECT_TRUE(has(err, "'layers.0.q_proj.lora_A.weight': adapter file [5, 8] vs model [4, 8]"))
      << err;
  merge_lora(*b);
  EXPECT_TRUE(has(error_of([&] { load_lora_state_dict(*b, adapter); }), "unmerge_lora first"));
}

TEST(LoRA, LoRALinearWrapsAnExistingLinear) {
  auto base = std::make_shared<Linear>(5, 3);
  LoRALinear wrapped(*base, {.r = 2, .alpha = 4});
  EXPECT_TRUE(wrapped.weight.is_same(base->weight));
  EXPECT_TRUE(wrapped.bias.is_same(base->bias));
  Tensor x = randn({2, 5});
  EXPECT_TRUE(close(wrapped.forward(x), base->forward(x), 0, 0));
  perturb_adapters(wrapped);
  const Tensor y = wrapped.forward(x);
  wrapped.merge();
  EXPECT_TRUE(close(wrapped.forward(x), y, 1e-5, 1e-6));
  EXPECT_TRUE(close(base->forward(x), y, 1e-5, 1e-6));  // base shares the merged weight
  wrapped.unmerge();
  LoRALinear fresh(4, 2, {.r = 1});
  EXPECT_EQ(fresh.num_parameters(), 4 * 2 + 2 + 4 + 2);
}

}  // namespace
}  // namespace mica::nn
