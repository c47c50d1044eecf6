#!/usr/bin/python3
"""Writes the autograd composite fixtures from PyTorch (Debian's python3-torch, CPU).

Run with Debian's interpreter: /usr/bin/python3 scripts/gen_autograd_fixtures.py
Output: tests/fixtures/golden/composite.json. Each case is a small composite function (an MLP, a
causal self-attention block, a conv + group-norm + SiLU block, a VAE loss) in float32 with fixed
inputs and weights. "inputs" are the function's tensors (the last one is the upstream gradient
u for the non-scalar cases, where the loss is sum(out * u)); "outputs" are the output followed
by the gradient of the loss with respect to every floating input except u, in input order.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import case, write  # noqa: E402

g = torch.Generator().manual_seed(20261128)


def r(*shape, scale=1.0):
    return ((torch.rand(*shape, generator=g) * 2 - 1) * scale).requires_grad_(True)


def with_grads(name, fn, inputs, upstream=True, **args):
    out = fn(*inputs)
    if upstream:
        u = torch.rand(*out.shape, generator=g) * 2 - 1
        loss = (out * u).sum()
        all_inputs = list(inputs) + [u]
    else:
        loss = out
        all_inputs = list(inputs)
    grads = torch.autograd.grad(loss, [t for t in inputs if t.requires_grad])
    return case(name, [t.detach() for t in all_inputs], [out.detach()] + list(grads), **args)


def mlp(x, w1, b1, w2, b2):
    return F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2)


def causal_attention(x, w_qkv, b_qkv, w_out, b_out, n_head=2):
    b, t, c = x.shape
    q, k, v = F.linear(x, w_qkv, b_qkv).split(c, dim=2)
    q = q.view(b, t, n_head, c // n_head).transpose(1, 2)
    k = k.view(b, t, n_head, c // n_head).transpose(1, 2)
    v = v.view(b, t, n_head, c // n_head).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / (c // n_head) ** 0.5)
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    att = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
    y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
    return F.linear(y, w_out, b_out)


def conv_gn_silu(x, w, b, gamma, beta):
    return F.silu(F.group_norm(F.conv2d(x, w, b, padding=1), 2, gamma, beta, 1e-5))


def vae_loss(x, eps, w_enc, b_enc, w_mu, b_mu, w_lv, b_lv, w_dec, b_dec):
    h = torch.tanh(F.linear(x, w_enc, b_enc))
    mu, logvar = F.linear(h, w_mu, b_mu), F.linear(h, w_lv, b_lv)
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = F.linear(z, w_dec, b_dec)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (recon + kl) / x.shape[0]


def cases():
    out = [with_grads("mlp", mlp, [r(4, 8), r(16, 8, scale=0.5), r(16), r(3, 16, scale=0.5), r(3)])]
    out.append(with_grads("causal_attention", causal_attention,
                          [r(2, 5, 8), r(24, 8, scale=0.5), r(24, scale=0.1), r(8, 8, scale=0.5), r(8, scale=0.1)],
                          n_head=2))
    out.append(with_grads("conv_gn_silu", conv_gn_silu,
                          [r(2, 4, 6, 6), r(8, 4, 3, 3, scale=0.3), r(8, scale=0.1), r(8), r(8)],
                          groups=2, eps=1e-5))
    x = torch.rand(4, 10, generator=g)  # targets in (0, 1): no gradient
    eps = torch.randn(4, 3, generator=g)
    out.append(with_grads("vae_loss", vae_loss,
                          [x, eps, r(6, 10, scale=0.5), r(6), r(3, 6, scale=0.5), r(3), r(3, 6, scale=0.3),
                           r(3), r(10, 3, scale=0.5), r(10)], upstream=False))
    return out


if __name__ == "__main__":
    torch.set_num_threads(1)
    write("composite", cases(), generator="scripts/gen_autograd_fixtures.py")
