#!/usr/bin/python3
"""Writes the nn fixtures from PyTorch (Debian's python3-torch, CPU).

Run with Debian's interpreter: /usr/bin/python3 scripts/gen_nn_fixtures.py
Output: tests/fixtures/nn/{layers,init}.json, small files committed to the repo so tests need no
Python. Tensors are {"dtype": ..., "shape": [...], "data": [row-major numbers]}; floats are
written with repr(), which round-trips float64 (and so float32) exactly.

layers.json: for each layer, its state_dict, an input, the output and the gradients of
loss = sum(output ** 2) with respect to the input and to every parameter.
init.json: torch.nn.init's gains and fans, and the exact bound / std each initializer passes to
uniform_ / normal_ (recorded by wrapping those two methods), plus sample statistics of
trunc_normal_ on a big tensor.
"""
import json
import math
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn")


def tensor_json(t):
    t = t.detach().contiguous()
    dtype = str(t.dtype).replace("torch.", "")
    data = t.flatten().tolist()
    return {"dtype": dtype, "shape": list(t.shape), "data": data}


def write(name, doc):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    doc = {"generator": "scripts/gen_nn_fixtures.py", "torch": torch.__version__, **doc}
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {path}")


def layer_case(name, module, x, **args):
    """Runs module on x; records state_dict, output and gradients of sum(y^2)."""
    x = x.clone().requires_grad_(x.is_floating_point())
    y = module(x)
    (y ** 2).sum().backward()
    case = {"name": name, "args": args,
            "state_dict": {k: tensor_json(v) for k, v in module.state_dict().items()},
            "input": tensor_json(x), "output": tensor_json(y),
            "grads": {k: tensor_json(p.grad) for k, p in module.named_parameters()}}
    if x.is_floating_point():
        case["input_grad"] = tensor_json(x.grad)
    return case


def layers():
    torch.manual_seed(0)
    cases = [
        layer_case("linear", nn.Linear(5, 4), torch.randn(3, 5), in_features=5, out_features=4,
                   bias=True),
        layer_case("linear_nobias_batched", nn.Linear(5, 3, bias=False), torch.randn(2, 3, 5),
                   in_features=5, out_features=3, bias=False),
        layer_case("relu", nn.ReLU(), torch.randn(4, 6)),
        layer_case("leaky_relu", nn.LeakyReLU(0.2), torch.randn(4, 6), negative_slope=0.2),
        layer_case("gelu", nn.GELU(), torch.randn(4, 6) * 2, approximate="none"),
        layer_case("gelu_tanh", nn.GELU(approximate="tanh"), torch.randn(4, 6) * 2,
                   approximate="tanh"),
        layer_case("silu", nn.SiLU(), torch.randn(4, 6) * 2),
        layer_case("sigmoid", nn.Sigmoid(), torch.randn(4, 6) * 2),
        layer_case("tanh", nn.Tanh(), torch.randn(4, 6)),
        # Some inputs above threshold / beta (linear regime), some below.
        layer_case("softplus", nn.Softplus(beta=2, threshold=3), torch.randn(4, 6) * 2,
                   beta=2.0, threshold=3.0),
        layer_case("flatten", nn.Flatten(1, 2), torch.randn(2, 3, 2, 2), start_dim=1, end_dim=2),
        layer_case("embedding", nn.Embedding(10, 3, padding_idx=0),
                   torch.tensor([[1, 0, 4], [9, 0, 4]]), num_embeddings=10, embedding_dim=3,
                   padding_idx=0),
    ]
    # A two-layer MLP through Sequential: names "0.weight", "2.bias", ...
    mlp = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    cases.append(layer_case("sequential_mlp", mlp, torch.randn(5, 4)))
    return {"cases": cases}


def init():
    gains = []
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                      ("leaky_relu", math.sqrt(5)), ("selu", None), ("conv_transpose3d", None)]:
        gains.append({"nonlinearity": nl, "param": param,
                      "gain": nn.init.calculate_gain(nl, param)})
    fans = []
    for shape in [[4, 3], [16, 8, 3, 3], [6, 2, 5], [7, 1, 2, 2, 2]]:
        fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        fans.append({"shape": shape, "fan_in": fi, "fan_out": fo})

    # Record the argument each initializer hands to uniform_ / normal_.
    calls = []
    orig_uniform, orig_normal = torch.Tensor.uniform_, torch.Tensor.normal_

    def uniform(self, a=0, b=1, generator=None):
        calls.append(("uniform", a, b))
        return orig_uniform(self, a, b, generator=generator)

    def normal(self, mean=0, std=1, generator=None):
        calls.append(("normal", mean, std))
        return orig_normal(self, mean, std, generator=generator)

    torch.Tensor.uniform_, torch.Tensor.normal_ = uniform, normal
    inits = []
    specs = [
        ("xavier_uniform_", [30, 20], {}),
        ("xavier_uniform_", [16, 8, 3, 3], {"gain": 2.0}),
        ("xavier_normal_", [30, 20], {}),
        ("xavier_normal_", [16, 8, 3, 3], {"gain": 0.5}),
        ("kaiming_uniform_", [30, 20], {}),
        ("kaiming_uniform_", [30, 20], {"a": math.sqrt(5)}),
        ("kaiming_uniform_", [16, 8, 3, 3], {"mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming_normal_", [30, 20], {}),
        ("kaiming_normal_", [16, 8, 3, 3], {"a": 0.1, "mode": "fan_out"}),
        ("kaiming_normal_", [30, 20], {"nonlinearity": "tanh"}),
    ]
    for fn, shape, kwargs in specs:
        calls.clear()
        getattr(nn.init, fn)(torch.empty(shape), **kwargs)
        kind, p0, p1 = calls[-1]
        inits.append({"fn": fn, "shape": shape, "kwargs": kwargs, "draw": kind,
                      "bound": p1 if kind == "uniform" else None,
                      "std": p1 if kind == "normal" else None})
    # nn.Linear's default: weight bound and bias bound.
    calls.clear()
    nn.Linear(20, 7)
    linear_bounds = [c[2] for c in calls]
    torch.Tensor.uniform_, torch.Tensor.normal_ = orig_uniform, orig_normal

    torch.manual_seed(0)
    trunc = []
    for mean, std, a, b in [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 4.0), (0.0, 0.02, -0.04, 0.04)]:
        t = nn.init.trunc_normal_(torch.empty(1000000, dtype=torch.float64), mean, std, a, b)
        trunc.append({"mean": mean, "std": std, "a": a, "b": b,
                      "sample_mean": t.mean().item(), "sample_std": t.std().item(),
                      "min": t.min().item(), "max": t.max().item()})
    return {"gains": gains, "fans": fans, "inits": inits,
            "linear_weight_bound": linear_bounds[0], "linear_bias_bound": linear_bounds[1],
            "trunc_normal": trunc}


if __name__ == "__main__":
    write("layers", layers())
    write("init", init())
