// nn::Module and the containers: registration and dotted names, traversal, modes, in-place
// device/dtype moves that keep parameter identity, freezing, state dicts with complete error
// reports, the printer, Sequential / ModuleList / ModuleDict.
#include <gtest/gtest.h>

#include <sstream>

#include "mica.h"
#include "nn_fixture.h"

namespace mica::nn {
namespace {

using test::close;
using test::to_doubles;

using test::error_of;
using test::has;

// A GPT-like skeleton: h (ModuleList) of blocks with attn.c_attn / attn.c_proj and a buffer.
struct Attn : Module {
  Attn() : Module("Attn") {
    c_attn = register_module("c_attn", std::make_shared<Linear>(4, 12));
    c_proj =
        register_module("c_proj", std::make_shared<Linear>(4, 4, LinearOptions{.bias = false}));
    mask = register_buffer("mask", ones({3, 3}));
    cache = register_buffer("cache", zeros({2}), /*persistent=*/false);
  }
  std::shared_ptr<Linear> c_attn, c_proj;
  Tensor mask, cache;
};

struct Block : Module {
  Block() : Module("Block") {
    attn = register_module("attn", std::make_shared<Attn>());
    scale = register_parameter("scale", ones({4}));
  }
  std::shared_ptr<Attn> attn;
  Tensor scale;
};

struct Tiny : Module {
  Tiny() : Module("Tiny") {
    h = register_module("h", std::make_shared<ModuleList>());
    h->push_back(std::make_shared<Block>());
    h->push_back(std::make_shared<Block>());
    steps = register_buffer("steps", zeros({1}, TensorOptions(kInt64)));
  }
  std::shared_ptr<ModuleList> h;
  Tensor steps;
};

TEST(Module, DottedNamesInRegistrationOrder) {
  auto m = std::make_shared<Tiny>();
  // torch's order: a module's own tensors before its children's.
  const std::vector<std::string> expected = {
      "h.0.scale", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight",
      "h.1.scale", "h.1.attn.c_attn.weight", "h.1.attn.c_attn.bias", "h.1.attn.c_proj.weight"};
  EXPECT_EQ(m->named_parameters().keys(), expected);
  EXPECT_EQ(m->parameters().size(), 8u);
  EXPECT_TRUE(m->named_parameters().at("h.1.scale").is_same(m->h->at<Block>(1)->scale));
  EXPECT_EQ(m->named_buffers().keys(),
            (std::vector<std::string>{"steps", "h.0.attn.mask", "h.0.attn.cache", "h.1.attn.mask",
                                      "h.1.attn.cache"}));
  EXPECT_TRUE(m->parameters(/*recurse=*/false).empty());
  EXPECT_EQ(m->buffers(false).size(), 1u);
  // state_dict (torch's order, checked with torch): per module its parameters, its persistent
  // buffers (no "cache"), then its children.
  EXPECT_EQ(m->state_dict().keys(),
            (std::vector<std::string>{
                "steps", "h.0.scale", "h.0.attn.mask", "h.0.attn.c_attn.weight",
                "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight", "h.1.scale", "h.1.attn.mask",
                "h.1.attn.c_attn.weight", "h.1.attn.c_attn.bias", "h.1.attn.c_proj.weight"}));
  // Parameters require grad; buffers do not.
  for (const Tensor& p : m->parameters()) EXPECT_TRUE(p.requires_grad());
  for (const Tensor& b : m->buffers()) EXPECT_FALSE(b.requires_grad());
}

TEST(Module, RegistrationErrorsNameTheProblem) {
  Module m("Custom");
  m.register_parameter("w", zeros({2}));
  EXPECT_TRUE(has(error_of([&] { m.register_buffer("w", zeros({2})); }), "already used"));
  EXPECT_TRUE(has(error_of([&] { m.register_parameter("a.b", zeros({2})); }), "'a.b'"));
  EXPECT_TRUE(has(error_of([&] { m.register_parameter("", zeros({2})); }), "empty"));
  EXPECT_TRUE(
      has(error_of([&] { m.register_module("w", std::make_shared<ReLU>()); }), "already used"));
  Tensor x = ones({2}).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_TRUE(has(error_of([&] { m.register_parameter("y", y); }), "leaf"));
  // Integer parameters are allowed but never require grad.
  EXPECT_FALSE(m.register_parameter("idx", zeros({2}, TensorOptions(kInt64))).requires_grad());
  EXPECT_FALSE(m.register_parameter("frozen", zeros({2}), false).requires_grad());
}

TEST(Module, ChildrenModulesAndSubmoduleLookup) {
  auto m = std::make_shared<Tiny>();
  const auto kids = m->named_children();
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_EQ(kids[0].first, "h");
  std::vector<std::string> names;
  for (auto& [n, mod] : m->named_modules()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"", "h", "h.0", "h.0.attn", "h.0.attn.c_attn",
                                             "h.0.attn.c_proj", "h.1", "h.1.attn",
                                             "h.1.attn.c_attn", "h.1.attn.c_proj"}));
  EXPECT_EQ(m->modules(false).size(), 9u);
  EXPECT_EQ(m->modules().front().get(), m.get());
  auto c = std::dynamic_pointer_cast<Linear>(m->get_submodule("h.1.attn.c_attn"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c.get(), m->h->at<Block>(1)->attn->c_attn.get());
  const std::string err = error_of([&] { m->get_submodule("h.1.mlp.fc"); });
  EXPECT_TRUE(has(err, "'h.1' has no submodule named 'mlp'")) << err;
  // A root on the stack is listed through a non-owning pointer.
  Block stack_block;
  EXPECT_EQ(stack_block.modules().front().get(), &stack_block);
  EXPECT_EQ(stack_block.modules().size(), 4u);
}

TEST(Module, TrainEvalIsRecursive) {
  auto m = std::make_shared<Tiny>();
  for (auto& mod : m->modules()) EXPECT_TRUE(mod->is_training());
  m->eval();
  for (auto& mod : m->modules()) EXPECT_FALSE(mod->is_training());
  m->h->at<Block>(0)->train();
  EXPECT_TRUE(m->h->at<Block>(0)->attn->c_attn->is_training());
  EXPECT_FALSE(m->h->at<Block>(1)->attn->is_training());
}

TEST(Module, ToDtypeKeepsParameterIdentityAndConvertsGrads) {
  auto m = std::make_shared<Tiny>();
  std::vector<Tensor> held = m->parameters();  // what an optimizer keeps
  Tensor w = m->h->at<Block>(0)->attn->c_attn->weight;
  ASSERT_TRUE(held[1].is_same(w));
  const std::vector<double> before = to_doubles(w);
  const uint64_t version = w.version();
  w.set_grad(full(w.sizes(), 0.5));
  m->to(kFloat64);
  for (size_t i = 0; i < held.size(); ++i) {
    EXPECT_EQ(held[i].dtype(), kFloat64);
    EXPECT_TRUE(held[i].is_same(m->parameters()[i]));
    EXPECT_TRUE(held[i].requires_grad());
    EXPECT_TRUE(held[i].is_leaf());
  }
  EXPECT_EQ(to_doubles(w), before);  // float32 values are exact in float64
  EXPECT_GT(w.version(), version);
  EXPECT_EQ(w.grad().dtype(), kFloat64);
  EXPECT_EQ(to_doubles(w.grad())[0], 0.5);
  EXPECT_EQ(m->h->at<Block>(0)->attn->mask.dtype(), kFloat64);
  EXPECT_EQ(m->steps.dtype(), kInt64);  // integer buffers keep their dtype
  // The converted parameters still train: gradients reach the held handles.
  Tensor x = ones({2, 4}, TensorOptions(kFloat64));
  sum(m->h->at<Block>(0)->attn->c_attn->forward(x)).backward();
  EXPECT_TRUE(held[2].grad().defined());  // c_attn.bias
  EXPECT_EQ(held[2].grad().dtype(), kFloat64);
  m->to(Device(kCPU));  // a no-op move keeps everything
  EXPECT_TRUE(held[1].is_same(w));
}

TEST(Module, ZeroGradApplyCountsAndFreezing) {
  auto m = std::make_shared<Tiny>();
  auto lin = m->h->at<Block>(0)->attn->c_attn;
  Tensor x = ones({3, 4});
  sum(lin->forward(x)).backward();
  ASSERT_TRUE(lin->weight.grad().defined());
  m->zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(to_doubles(lin->weight.grad()), std::vector<double>(48, 0.0));
  m->zero_grad();
  EXPECT_FALSE(lin->weight.grad().defined());

  std::vector<std::string> order;
  m->apply([&](Module& mod) { order.push_back(mod.type_name()); });
  EXPECT_EQ(order.size(), 10u);
  EXPECT_EQ(order.front(), "Linear");  // children before their parent
  EXPECT_EQ(order.back(), "Tiny");

  const int64_t per_block = (12 * 4 + 12) + 16 + 4;
  EXPECT_EQ(m->num_parameters(), 2 * per_block);
  m->h->at<Block>(1)->requires_grad_(false);
  EXPECT_EQ(m->num_parameters(/*trainable_only=*/true), per_block);
  EXPECT_FALSE(m->h->at<Block>(1)->scale.requires_grad());
  m->requires_grad_(true);
  EXPECT_EQ(m->num_parameters(true), 2 * per_block);
}

TEST(Module, SharedParametersAreListedOnceButSavedUnderEveryName) {
  Module m("Tied");
  auto a = m.register_module("a", std::make_shared<Linear>(3, 3, LinearOptions{.bias = false}));
  auto b = m.register_module("b", std::make_shared<Module>("Head"));
  b->register_parameter("weight", a->weight);
  EXPECT_EQ(m.parameters().size(), 1u);
  EXPECT_EQ(m.num_parameters(), 9);
  EXPECT_EQ(m.state_dict().keys(), (std::vector<std::string>{"a.weight", "b.weight"}));
  m.to(kFloat64);
  EXPECT_TRUE(a->weight.is_same(b->named_parameters().at("weight")));
  EXPECT_EQ(a->weight.dtype(), kFloat64);
}

TEST(Module, LoadStateDictCopiesInPlace) {
  auto src = std::make_shared<Tiny>();
  auto dst = std::make_shared<Tiny>();
  Tensor held = dst->h->at<Block>(0)->attn->c_attn->weight;
  {
    NoGradGuard g;
    src->h->at<Block>(1)->attn->mask.fill_(7);
  }
  const LoadResult r = dst->load_state_dict(src->state_dict());
  EXPECT_TRUE(r.missing_keys.empty());
  EXPECT_TRUE(r.unexpected_keys.empty());
  EXPECT_TRUE(held.is_same(dst->h->at<Block>(0)->attn->c_attn->weight));
  EXPECT_TRUE(held.requires_grad());
  for (const auto& [k, v] : src->state_dict()) EXPECT_TRUE(close(dst->state_dict().at(k), v)) << k;
  EXPECT_FALSE(dst->state_dict()
                   .at("h.0.attn.c_attn.weight")
                   .is_same(src->state_dict().at("h.0.attn.c_attn.weight")));
  // dtype conversion on load: a float64 checkpoint into float32 parameters.
  StateDict sd64;
  for (const auto& [k, v] : src->state_dict())
    sd64.insert(k, v.is_floating_point() ? v.detach().to(kFloat64) : v);
  dst->load_state_dict(sd64);
  EXPECT_EQ(held.dtype(), kFloat32);
}

TEST(Module, LoadStateDictReportsEveryProblemAtOnce) {
  auto m = std::make_shared<Tiny>();
  StateDict sd = m->state_dict();
  const std::vector<double> before = to_doubles(m->h->at<Block>(0)->scale);
  StateDict bad;
  for (const auto& [k, v] : sd) {
    if (k == "h.0.scale") {
      bad.insert(k, full({4}, 3.0));  // fine, but must not be copied since others fail
    } else if (k == "h.1.attn.c_attn.bias") {
      bad.insert(k, zeros({5}));                                 // shape mismatch
    } else if (k != "h.0.attn.c_proj.weight" && k != "steps") {  // missing
      bad.insert(k, v);
    }
  }
  bad.insert("h.0.attn.c_attn.lora_A.weight", zeros({2, 4}));  // unexpected
  const std::string err = error_of([&] { m->load_state_dict(bad); });
  EXPECT_TRUE(has(err, "missing keys (2): 'steps', 'h.0.attn.c_proj.weight'")) << err;
  EXPECT_TRUE(has(err, "unexpected keys (1): 'h.0.attn.c_attn.lora_A.weight'")) << err;
  EXPECT_TRUE(has(err, "'h.1.attn.c_attn.bias': checkpoint [5] vs model [12]")) << err;
  EXPECT_EQ(to_doubles(m->h->at<Block>(0)->scale), before);  // nothing copied
  // Non-strict: key problems are returned, shape mismatches still throw.
  bad.erase("h.1.attn.c_attn.bias");
  const LoadResult r = m->load_state_dict(bad, /*strict=*/false);
  EXPECT_EQ(r.missing_keys,
            (std::vector<std::string>{"steps", "h.0.attn.c_proj.weight", "h.1.attn.c_attn.bias"}));
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"h.0.attn.c_attn.lora_A.weight"}));
  EXPECT_EQ(to_doubles(m->h->at<Block>(0)->scale), std::vector<double>(4, 3.0));
}

TEST(Module, PrintsLikeTorch) {
  auto seq = std::make_shared<Sequential>(std::make_shared<Linear>(3, 4), std::make_shared<ReLU>(),
                                          std::make_shared<GELU>("tanh"),
                                          std::make_shared<Linear>(4, 2, LinearOptions{false}));
  std::ostringstream os;
  os << *seq;
  EXPECT_EQ(os.str(),
            "Sequential(\n"
            "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
            "  (1): ReLU()\n"
            "  (2): GELU(approximate='tanh')\n"
            "  (3): Linear(in_features=4, out_features=2, bias=False)\n"
            ")");
  auto m = std::make_shared<Tiny>();
  EXPECT_TRUE(has(m->repr(),
                  "Tiny(\n  (h): ModuleList(\n    (0): Block(\n      (attn): Attn(\n"
                  "        (c_attn): Linear(in_features=4, out_features=12, bias=True)"))
      << m->repr();
}

TEST(Containers, SequentialChainsAndIndexes) {
  auto fc1 = std::make_shared<Linear>(4, 8);
  auto fc2 = std::make_shared<Linear>(8, 2);
  Sequential seq(fc1, std::make_shared<Tanh>(), fc2);
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq.named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  Tensor x = randn({5, 4});
  EXPECT_TRUE(close(seq.forward(x), fc2->forward(tanh(fc1->forward(x))), 0, 0));
  EXPECT_EQ(seq.at<Linear>(2).get(), fc2.get());
  EXPECT_EQ(seq[1]->type_name(), "Tanh");
  EXPECT_TRUE(has(error_of([&] { seq.at<Linear>(1); }), "Sequential: module 1 (Tanh)"));
  EXPECT_TRUE(has(error_of([&] { seq[3]; }), "out of range"));
  Sequential empty;
  EXPECT_TRUE(empty.forward(x).is_same(x));
  // Replacing a child changes what forward runs.
  seq.replace_module("1", std::make_shared<Identity>());
  EXPECT_TRUE(close(seq.forward(x), fc2->forward(fc1->forward(x)), 0, 0));
  // Named entries.
  Sequential named;
  named.push_back("proj", std::make_shared<Linear>(2, 2));
  EXPECT_EQ(named.named_parameters().keys().front(), "proj.weight");
}

TEST(Containers, ModuleListAndModuleDict) {
  ModuleList list(std::make_shared<Linear>(2, 3), std::make_shared<ReLU>());
  list.push_back(std::make_shared<Linear>(3, 1));
  EXPECT_EQ(list.size(), 3u);
  std::vector<std::string> types;
  for (const auto& m : list) types.push_back(m->type_name());
  EXPECT_EQ(types, (std::vector<std::string>{"Linear", "ReLU", "Linear"}));
  EXPECT_EQ(list.named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(list.at<Linear>(2)->in_features, 3);
  list.replace_module("1", std::make_shared<GELU>());
  EXPECT_EQ(list[1]->type_name(), "GELU");

  ModuleDict dict;
  dict.insert("encoder", std::make_shared<Linear>(4, 2));
  dict.insert("decoder", std::make_shared<Linear>(2, 4));
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"encoder", "decoder"}));
  EXPECT_TRUE(dict.contains("decoder"));
  EXPECT_EQ(dict.at<Linear>("decoder")->out_features, 4);
  EXPECT_EQ(dict.state_dict().keys().front(), "encoder.weight");
  EXPECT_TRUE(has(error_of([&] { dict["middle"]; }), "no module named 'middle'"));
}

}  // namespace
}  // namespace mica::nn
