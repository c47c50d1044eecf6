#!/usr/bin/python3
"""Writes tests/fixtures/nn/layers2.json from PyTorch (Debian's python3-torch, CPU).

Run: /usr/bin/python3 scripts/gen_nn_layer_fixtures.py
Covers the conv, pooling, upsampling, group/batch norm and multi-head attention layers. Each
case records the module's state_dict (torch's names), the input(s), a random cotangent u, the
output and the gradients of loss = sum(y * u) with respect to the input(s) and every
parameter. BatchNorm cases also record the buffers after the training forward and an eval
output; attention cases the averaged attention weights (loss adds sum(w * uw)).
Tensors are {"dtype", "shape", "data"}; float32 values are written with 9 significant digits,
which round-trips them exactly.
"""
import json
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn")


def tj(t):
    t = t.detach().contiguous()
    data = t.flatten().tolist()
    if t.dtype == torch.float32:  # 9 significant digits round-trip float32 exactly
        data = [float("%.9g" % v) for v in data]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "data": data}


def randomize_affine(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if name == "weight" else 0.0))


def case(name, module, x, **args):
    """Training-mode forward on x, loss sum(y * u)."""
    x = x.clone().requires_grad_()
    sd_before = {k: tj(v) for k, v in module.state_dict().items()}
    y = module(x)
    u = torch.randn_like(y)
    (y * u).sum().backward()
    c = {"name": name, "args": args, "state_dict": sd_before, "input": tj(x), "u": tj(u),
         "output": tj(y), "input_grad": tj(x.grad),
         "grads": {k: tj(p.grad) for k, p in module.named_parameters()}}
    return c


def bn_case(name, module, x, x_eval, **args):
    c = case(name, module, x, **args)
    c["buffers_after"] = {k: tj(v) for k, v in module.named_buffers()}
    # A second training step (cumulative momentum uses num_batches_tracked), then eval.
    module(x * 0.5 + 1.0)
    c["buffers_after2"] = {k: tj(v) for k, v in module.named_buffers()}
    module.eval()
    with torch.no_grad():
        c["eval_input"] = tj(x_eval)
        c["eval_output"] = tj(module(x_eval))
    return c


def mha_case(name, mha, q, k, v, key_padding_mask=None, attn_mask=None, **args):
    q = q.clone().requires_grad_()
    k = k.clone().requires_grad_()
    v = v.clone().requires_grad_()
    sd = {kk: tj(t) for kk, t in mha.state_dict().items()}
    out, w = mha(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
                 need_weights=True, average_attn_weights=True)
    u = torch.randn_like(out)
    uw = torch.randn_like(w)
    # Fully masked entries (weight 0) are fine; no row is fully masked in these cases.
    ((out * u).sum() + (w * uw).sum()).backward()
    c = {"name": name, "args": args, "state_dict": sd, "query": tj(q), "key": tj(k),
         "value": tj(v), "u": tj(u), "uw": tj(uw), "output": tj(out), "weights": tj(w),
         "query_grad": tj(q.grad), "key_grad": tj(k.grad), "value_grad": tj(v.grad),
         "grads": {kk: tj(p.grad) for kk, p in mha.named_parameters()}}
    if key_padding_mask is not None:
        c["key_padding_mask"] = tj(key_padding_mask.to(torch.int64))
    if attn_mask is not None:
        c["attn_mask"] = tj(attn_mask.to(torch.int64))
    return c


def main():
    torch.manual_seed(0)
    cases = [
        case("conv1d", nn.Conv1d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 7)),
        case("conv2d", nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 6, 5)),
        case("conv2d_groups_dilation",
             nn.Conv2d(4, 6, (3, 2), padding=(2, 1), dilation=2, groups=2, bias=False),
             torch.randn(1, 4, 6, 6)),
        case("conv_transpose2d",
             nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
             torch.randn(2, 4, 3, 3)),
        case("conv_transpose2d_groups",
             nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, groups=2, bias=False),
             torch.randn(1, 4, 3, 2)),
        case("max_pool2d", nn.MaxPool2d(3, stride=2, padding=1), torch.randn(2, 3, 7, 7)),
        case("avg_pool2d", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                        count_include_pad=False), torch.randn(2, 3, 6, 6)),
        case("adaptive_avg_pool2d", nn.AdaptiveAvgPool2d((3, 2)), torch.randn(2, 3, 7, 5)),
        case("upsample_nearest_scale", nn.Upsample(scale_factor=2), torch.randn(1, 2, 3, 4)),
        case("upsample_nearest_size", nn.Upsample(size=(5, 7)), torch.randn(1, 2, 3, 4)),
        case("upsample_bilinear_scale", nn.Upsample(scale_factor=2, mode="bilinear"),
             torch.randn(1, 2, 3, 4)),
        case("upsample_bilinear_align", nn.Upsample(size=(5, 7), mode="bilinear",
                                                    align_corners=True), torch.randn(1, 2, 3, 4)),
    ]
    gn = nn.GroupNorm(2, 6)
    randomize_affine(gn)
    cases.append(case("group_norm", gn, torch.randn(2, 6, 3, 3)))
    bn2 = nn.BatchNorm2d(3)
    randomize_affine(bn2)
    cases.append(bn_case("batch_norm2d", bn2, torch.randn(4, 3, 3, 2) * 2 + 1,
                         torch.randn(2, 3, 3, 2)))
    bn2c = nn.BatchNorm2d(3, momentum=None)
    randomize_affine(bn2c)
    cases.append(bn_case("batch_norm2d_cumulative", bn2c, torch.randn(4, 3, 2, 2),
                         torch.randn(2, 3, 2, 2)))
    bn1 = nn.BatchNorm1d(4)
    randomize_affine(bn1)
    cases.append(bn_case("batch_norm1d", bn1, torch.randn(5, 4), torch.randn(3, 4)))
    bn1l = nn.BatchNorm1d(4, affine=False, momentum=0.3)
    cases.append(bn_case("batch_norm1d_3d_noaffine", bn1l, torch.randn(3, 4, 5),
                         torch.randn(2, 4, 5)))

    B, T, S, E, H = 2, 4, 5, 8, 2
    mha = nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():  # non-zero biases so their gradients and effect are tested
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    x = torch.randn(B, T, E)
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    cases.append(mha_case("mha_self_causal", mha, x, x, x, attn_mask=causal))
    mha2 = nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        mha2.in_proj_bias.normal_()
    x2 = torch.randn(B, S, E)
    kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, True]])
    cases.append(mha_case("mha_self_key_padding", mha2, x2, x2, x2, key_padding_mask=kpm))
    mha3 = nn.MultiheadAttention(E, H, batch_first=True, kdim=6, vdim=3)
    with torch.no_grad():
        mha3.in_proj_bias.normal_()
    cases.append(mha_case("mha_cross_kdim_vdim", mha3, torch.randn(B, T, E),
                          torch.randn(B, S, 6), torch.randn(B, S, 3), key_padding_mask=kpm,
                          kdim=6, vdim=3))

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "layers2.json")
    doc = {"generator": "scripts/gen_nn_layer_fixtures.py", "torch": torch.__version__,
           "cases": cases}
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
