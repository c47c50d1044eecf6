#!/usr/bin/python3
"""Writes mica's golden fixtures from PyTorch (Debian's python3-torch, CPU).

Run with Debian's interpreter: /usr/bin/python3 scripts/gen_fixtures.py
Output: tests/fixtures/golden/*.json, small files committed to the repo so tests need no Python.
Each case: {"op": name, "args": {...}, "inputs": [tensor...], "outputs": [tensor...]}, a tensor
being {"dtype": "float32", "shape": [...], "data": [row-major numbers]}. Floats are written
with repr(), which round-trips float64 (and so float32) exactly.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "golden")


def tensor_json(t):
    t = t.detach().contiguous()
    dtype = str(t.dtype).replace("torch.", "")
    if t.dtype in (torch.float16, torch.bfloat16):
        data = [float(v) for v in t.float().flatten().tolist()]
    elif t.dtype == torch.bool:
        data = [1 if v else 0 for v in t.flatten().tolist()]
    else:
        data = t.flatten().tolist()
    data = [v if not (isinstance(v, float) and not math.isfinite(v)) else repr(v) for v in data]
    return {"dtype": dtype, "shape": list(t.shape), "data": data}


def case(op, inputs, outputs, **args):
    return {"op": op, "args": args, "inputs": [tensor_json(t) for t in inputs],
            "outputs": [tensor_json(t) for t in outputs]}


def write(name, cases, generator="scripts/gen_fixtures.py"):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": generator, "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
    print(f"wrote {path} ({len(cases)} cases)")


def conversions():
    # Tricky float32 values for 16-bit rounding: ties, near-ties, subnormals, overflow, NaN/inf.
    vals = [0.0, -0.0, 1.0, -1.0, 1.00390625, 1.005859375, 1.0009765625, 1.00048828125, 1.000732421875,
            65504.0, 65519.0, 65520.0, 70000.0, -65520.0, 6.103515625e-05, 6.0e-05, 5.960464477539063e-08,
            2.98023223876953125e-08, 2.9802326e-08, 1e-10, 3.4e38, -3.4e38, 1.17549435e-38, 1e-40,
            float("inf"), float("-inf"), 0.1, 0.2, 0.3, 3.14159265, -2.718281828, 123456.789, 1.0e-3,
            257.0, 255.5, 256.5, 33.0 + 2 ** -19, 33.0 + 2 ** -20]
    x = torch.tensor(vals, dtype=torch.float32)
    cases = [case("to_bfloat16", [x], [x.to(torch.bfloat16)]), case("to_float16", [x], [x.to(torch.float16)])]
    # A spread of 16-bit patterns (every 61st, plus the first subnormals), converted back to float32.
    bits = torch.cat([torch.arange(0, 65536, 61), torch.arange(0, 8), torch.arange(0x8000, 0x8008)])
    bits = bits.to(torch.int32).to(torch.int16)
    h = bits.view(torch.float16)
    finite = torch.isfinite(h)
    cases.append(case("float16_to_float32", [bits[finite].to(torch.int64)], [h[finite].float()]))
    b = bits.view(torch.bfloat16)
    finite_b = torch.isfinite(b)
    cases.append(case("bfloat16_to_float32", [bits[finite_b].to(torch.int64)], [b[finite_b].float()]))
    f = torch.tensor([-3.7, -2.5, -0.5, 0.5, 1.5, 2.5, 2.9, 100.99, -100.99], dtype=torch.float32)
    cases.append(case("to_int64", [f], [f.to(torch.int64)]))
    cases.append(case("to_int32", [f], [f.to(torch.int32)]))
    cases.append(case("to_bool", [f], [f.to(torch.bool)]))
    return cases


def factories():
    return [
        case("linspace", [], [torch.linspace(-1, 1, 7)], start=-1.0, end=1.0, steps=7),
        case("linspace", [], [torch.linspace(0, 1, 10)], start=0.0, end=1.0, steps=10),
        case("linspace", [], [torch.linspace(3, -2.5, 12)], start=3.0, end=-2.5, steps=12),
        case("arange", [], [torch.arange(0, 1, 0.1)], start=0.0, end=1.0, step=0.1),
        case("arange", [], [torch.arange(-3, 10, 4)], start=-3, end=10, step=4),
    ]


def ops():
    g = torch.Generator().manual_seed(1234)

    def r(*shape, scale=2.0):
        return (torch.rand(*shape, generator=g) * 2 - 1) * scale

    cases = []
    x = r(3, 5, scale=4.0)
    for name, fn in [("gelu", lambda t: F.gelu(t)), ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")),
                     ("sigmoid", torch.sigmoid), ("softplus", F.softplus), ("erf", torch.erf),
                     ("silu", F.silu), ("tanh", torch.tanh), ("round", lambda t: torch.round(t * 2))]:
        cases.append(case(name, [x], [fn(x)]))
    s = r(4, 7, scale=5.0)
    cases.append(case("softmax", [s], [torch.softmax(s, 1)], dim=1))
    cases.append(case("log_softmax", [s], [torch.log_softmax(s, 0)], dim=0))
    ln_x, ln_w, ln_b = r(3, 5), r(5), r(5)
    cases.append(case("layer_norm", [ln_x, ln_w, ln_b], [F.layer_norm(ln_x, [5], ln_w, ln_b, 1e-5)], eps=1e-5))
    gn_x, gn_w, gn_b = r(2, 4, 3, 3), r(4), r(4)
    cases.append(case("group_norm", [gn_x, gn_w, gn_b], [F.group_norm(gn_x, 2, gn_w, gn_b, 1e-5)], groups=2,
                      eps=1e-5))
    cx, cw, cb = r(2, 3, 7, 7), r(4, 3, 3, 3), r(4)
    cases.append(case("conv2d", [cx, cw, cb], [F.conv2d(cx, cw, cb, stride=2, padding=1)], stride=2, padding=1))
    tx, tw, tb = r(2, 4, 4, 4), r(4, 2, 4, 4), r(2)
    cases.append(case("conv_transpose2d", [tx, tw, tb], [F.conv_transpose2d(tx, tw, tb, stride=2, padding=1)],
                      stride=2, padding=1))
    px = r(2, 3, 7, 7)
    cases.append(case("max_pool2d", [px], [F.max_pool2d(px, 3, 2, 1)], kernel=3, stride=2, padding=1))
    cases.append(case("avg_pool2d", [px], [F.avg_pool2d(px, 2)], kernel=2))
    ux = r(1, 2, 3, 4)
    for ac in (False, True):
        cases.append(case("upsample_bilinear", [ux],
                          [F.interpolate(ux, size=(5, 7), mode="bilinear", align_corners=ac)],
                          size=[5, 7], align_corners=ac))
    cases.append(case("upsample_nearest", [ux], [F.interpolate(ux, size=(5, 7), mode="nearest")], size=[5, 7]))
    ma, mb = r(2, 3, 4), r(4, 5)
    cases.append(case("matmul", [ma, mb], [ma @ mb]))
    logits = r(6, 5, scale=3.0)
    target = torch.tensor([0, 4, 2, -100, 1, 3])
    cases.append(case("cross_entropy", [logits, target],
                      [F.cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.1)],
                      ignore_index=-100, label_smoothing=0.1))
    v = r(4, 6)
    cases.append(case("var", [v], [torch.var(v, dim=1)], dim=1, correction=1))
    cases.append(case("std", [v], [torch.std(v, dim=0, unbiased=False)], dim=0, correction=0))
    cases.append(case("logsumexp", [v], [torch.logsumexp(v, dim=1)], dim=1))
    cases.append(case("cumsum", [v], [torch.cumsum(v, dim=1)], dim=1))
    cases.append(case("norm", [v], [torch.linalg.vector_norm(v, 2, dim=1)], p=2, dim=1))
    return cases


if __name__ == "__main__":
    torch.set_num_threads(1)
    write("conversions", conversions())
    write("factories", factories())
    write("ops", ops())
