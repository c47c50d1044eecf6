// The nanoGPT-style GPT of W2 and W3 in libtorch C++ (the twin of bench/peers/w2_char_gpt.py's).
#pragma once

#include "common.h"

namespace ltpeer {

namespace nn = torch::nn;

struct CausalSelfAttentionImpl : nn::Module {
  int64_t n_head;
  nn::Linear c_attn{nullptr}, c_proj{nullptr};
  torch::Tensor mask;  // bool [1, 1, block, block], lower triangle (not a parameter)

  CausalSelfAttentionImpl(int64_t n_embd, int64_t heads, int64_t block_size) : n_head(heads) {
    c_attn = register_module("c_attn", nn::Linear(n_embd, 3 * n_embd));
    c_proj = register_module("c_proj", nn::Linear(n_embd, n_embd));
    mask = torch::tril(torch::ones({block_size, block_size}, torch::kBool))
               .view({1, 1, block_size, block_size});
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
    auto qkv = c_attn(x).split(C, 2);
    auto heads = [&](const torch::Tensor& t) {
      return t.view({B, T, n_head, C / n_head}).transpose(1, 2);
    };
    auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    auto att =
        torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(k.size(-1))));
    att = att.masked_fill(mask.slice(2, 0, T).slice(3, 0, T).logical_not(),
                          -std::numeric_limits<double>::infinity());
    auto y = torch::matmul(torch::softmax(att, -1), v);
    return c_proj(y.transpose(1, 2).contiguous().view({B, T, C}));
  }
};
TORCH_MODULE(CausalSelfAttention);

struct MLPImpl : nn::Module {
  nn::Linear c_fc{nullptr}, c_proj{nullptr};

  explicit MLPImpl(int64_t n_embd) {
    c_fc = register_module("c_fc", nn::Linear(n_embd, 4 * n_embd));
    c_proj = register_module("c_proj", nn::Linear(4 * n_embd, n_embd));
  }

  torch::Tensor forward(const torch::Tensor& x) { return c_proj(torch::gelu(c_fc(x), "tanh")); }
};
TORCH_MODULE(MLP);

struct BlockImpl : nn::Module {
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  MLP mlp{nullptr};

  BlockImpl(int64_t n_embd, int64_t n_head, int64_t block_size) {
    ln_1 = register_module("ln_1", nn::LayerNorm(nn::LayerNormOptions({n_embd}).eps(1e-5)));
    attn = register_module("attn", CausalSelfAttention(n_embd, n_head, block_size));
    ln_2 = register_module("ln_2", nn::LayerNorm(nn::LayerNormOptions({n_embd}).eps(1e-5)));
    mlp = register_module("mlp", MLP(n_embd));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = x + attn(ln_1(x));
    return x + mlp(ln_2(x));
  }
};
TORCH_MODULE(Block);

// The LM head is tied to wte: logits = linear(ln_f(x), wte.weight), no separate parameter.
// Construction and init draw from the generator in the Python peer's order (the untied
// lm_head Linear is created and dropped, then wte is re-drawn at lm_head's place in the
// module order), so the initial weights are bit-identical to the Python peer's.
struct GPTImpl : nn::Module {
  nn::Embedding wte{nullptr}, wpe{nullptr};
  std::vector<Block> h;
  nn::LayerNorm ln_f{nullptr};

  GPTImpl(int64_t vocab_size, int64_t block_size, int64_t n_layer, int64_t n_head, int64_t n_embd) {
    wte = register_module("wte", nn::Embedding(vocab_size, n_embd));
    wpe = register_module("wpe", nn::Embedding(block_size, n_embd));
    for (int64_t i = 0; i < n_layer; ++i)
      h.push_back(register_module("h" + std::to_string(i), Block(n_embd, n_head, block_size)));
    ln_f = register_module("ln_f", nn::LayerNorm(nn::LayerNormOptions({n_embd}).eps(1e-5)));
    { nn::Linear lm_head(nn::LinearOptions(n_embd, vocab_size).bias(false)); }  // RNG order only

    torch::NoGradGuard no_grad;
    auto init_linear = [](nn::Linear& l) {
      nn::init::normal_(l->weight, 0.0, 0.02);
      nn::init::zeros_(l->bias);
    };
    nn::init::normal_(wte->weight, 0.0, 0.02);
    nn::init::normal_(wpe->weight, 0.0, 0.02);
    for (auto& b : h) {
      init_linear(b->attn->c_attn);
      init_linear(b->attn->c_proj);
      init_linear(b->mlp->c_fc);
      init_linear(b->mlp->c_proj);
    }
    nn::init::normal_(wte->weight, 0.0, 0.02);  // lm_head.weight (tied)
    const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(n_layer));
    for (auto& b : h) {
      nn::init::normal_(b->attn->c_proj->weight, 0.0, proj_std);
      nn::init::normal_(b->mlp->c_proj->weight, 0.0, proj_std);
    }
  }

  torch::Tensor forward_loss(const torch::Tensor& idx, const torch::Tensor& targets) {
    const int64_t T = idx.size(1);
    auto x = wte(idx) + wpe(torch::arange(T, torch::kInt64));
    for (auto& b : h) x = b(x);
    auto logits = torch::nn::functional::linear(ln_f(x), wte->weight);
    return torch::nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}),
                                                targets.reshape({-1}));
  }
};
TORCH_MODULE(GPT);

}  // namespace ltpeer
