#!/usr/bin/python3
"""Fixtures for mica's optim tests, from PyTorch 1.13 (Debian's python3-torch).

Run with /usr/bin/python3 from the repository root; writes tests/fixtures/optim/*.json:
  optimizers.json  each optimizer configuration run for a few steps on small float32 params with
                   fixed per-step gradients (stored, so C++ needs no formula for them); the
                   params after every step.
  schedulers.json  learning rates (and cycled momentum / beta1) of each scheduler, step by step.
  clip.json        clip_grad_norm_ / clip_grad_value_ results.
HF's get_*_schedule_with_warmup are LambdaLRs; transformers is not installed here, so their
multiplier formulas (transformers/optimization.py) are written out below as lambdas.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim")
STEPS = 6


def f32list(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def initial_params():
    p0 = torch.sin(torch.arange(12, dtype=torch.float32) * 0.7).reshape(3, 4)
    p1 = torch.cos(torch.arange(5, dtype=torch.float32) * 1.3) * 0.5
    return [p0, p1]


def grads_for_step(k):
    # A fixed function of the step k (1-based), with mixed signs and magnitudes.
    g0 = torch.cos(torch.arange(12, dtype=torch.float32) * 0.37 + 0.9 * k).reshape(3, 4) * (0.5 + 0.25 * k)
    g1 = torch.sin(torch.arange(5, dtype=torch.float32) * 1.1 - 0.4 * k) * (2.0 / k)
    return [g0, g1]


OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001}),
    ("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}),
    ("adam", "Adam", {"lr": 1e-2}),
    ("adam_wd_amsgrad", "Adam", {"lr": 1e-2, "betas": [0.8, 0.99], "weight_decay": 0.1, "amsgrad": True}),
    ("adam_maximize", "Adam", {"lr": 2e-2, "eps": 1e-6, "maximize": True}),
    ("adamw", "AdamW", {"lr": 1e-2, "weight_decay": 0.1}),
    ("adamw_amsgrad", "AdamW", {"lr": 3e-3, "betas": [0.9, 0.95], "eps": 1e-6, "weight_decay": 0.05,
                                "amsgrad": True}),
    ("adamw_default", "AdamW", {}),
]


def run_optimizer(kind, options, groups=None):
    params = [p.clone().requires_grad_() for p in initial_params()]
    opts = dict(options)
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    cls = getattr(torch.optim, kind)
    arg = params if groups is None else [dict(g, params=[params[i]]) for i, g in enumerate(groups)]
    opt = cls(arg, **opts)
    steps = []
    for k in range(1, STEPS + 1):
        for p, g in zip(params, grads_for_step(k)):
            p.grad = g.clone()
        opt.step()
        steps.append([f32list(p) for p in params])
    return steps


def optimizers():
    cases = []
    for name, kind, options in OPTIMIZERS:
        cases.append({"name": name, "type": kind, "options": options, "groups": None,
                      "steps": run_optimizer(kind, options)})
    # Two groups with their own lr / weight decay (the GPT "no decay" pattern).
    groups = [{"weight_decay": 0.1}, {"weight_decay": 0.0, "lr": 2e-2}]
    cases.append({"name": "adamw_groups", "type": "AdamW", "options": {"lr": 1e-2}, "groups": groups,
                  "steps": run_optimizer("AdamW", {"lr": 1e-2}, groups)})
    return {
        "initial": [f32list(p) for p in initial_params()],
        "shapes": [list(p.shape) for p in initial_params()],
        "grads": [[f32list(g) for g in grads_for_step(k)] for k in range(1, STEPS + 1)],
        "cases": cases,
    }


def hf_constant_with_warmup(warmup):
    return lambda step: step / max(1.0, warmup) if step < warmup else 1.0


def hf_linear_with_warmup(warmup, total):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


def hf_cosine_with_warmup(warmup, total, num_cycles=0.5):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))
    return f


SCHEDULERS = [
    ("constant", {"factor": 0.5, "total_iters": 3}, 8,
     lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3)),
    ("linear", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 4}, 8,
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=4)),
    ("linear_decay", {"start_factor": 1.0, "end_factor": 0.25, "total_iters": 5}, 8,
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.25, total_iters=5)),
    ("step", {"step_size": 3, "gamma": 0.5}, 10,
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    ("multistep", {"milestones": [2, 5, 6], "gamma": 0.3}, 9,
     lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 6], gamma=0.3)),
    ("lambda_exp", {}, 8, lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95 ** e)),
    ("constant_with_warmup", {"warmup_steps": 4}, 8,
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, hf_constant_with_warmup(4))),
    ("linear_with_warmup", {"warmup_steps": 3, "total_steps": 10}, 12,
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, hf_linear_with_warmup(3, 10))),
    ("cosine_with_warmup", {"warmup_steps": 3, "total_steps": 12}, 14,
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, hf_cosine_with_warmup(3, 12))),
    ("cosine_with_warmup_cycles", {"warmup_steps": 2, "total_steps": 10, "num_cycles": 1.5}, 10,
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, hf_cosine_with_warmup(2, 10, 1.5))),
]

ONECYCLE = [
    ("onecycle_sgd", "SGD", {"max_lr": [0.1, 0.05], "total_steps": 20}),
    ("onecycle_adam", "Adam", {"max_lr": [0.1, 0.05], "total_steps": 16, "pct_start": 0.25}),
    ("onecycle_linear_three_phase", "SGD", {"max_lr": [0.1, 0.05], "total_steps": 15,
                                             "anneal_strategy": "linear", "three_phase": True,
                                             "div_factor": 10.0, "final_div_factor": 100.0}),
    ("onecycle_no_momentum", "Adam", {"max_lr": [0.1, 0.05], "total_steps": 10,
                                      "cycle_momentum": False}),
]


def two_groups(kind):
    p0, p1 = [p.clone().requires_grad_() for p in initial_params()]
    if kind == "SGD":
        return torch.optim.SGD([{"params": [p0]}, {"params": [p1], "lr": 0.01}], lr=0.1, momentum=0.9)
    return torch.optim.Adam([{"params": [p0]}, {"params": [p1], "lr": 0.01}], lr=0.1)


def momentum_of(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["momentum"] if "momentum" in g else g["betas"][0])
    return out


def schedulers():
    cases = []
    for name, options, steps, make in SCHEDULERS:
        opt = two_groups("SGD")
        sched = make(opt)
        lrs = [list(sched.get_last_lr())]
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(list(sched.get_last_lr()))
        cases.append({"name": name, "options": options, "optimizer": "SGD", "lr": lrs})
    for name, kind, options in ONECYCLE:
        opt = two_groups(kind)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, **options)
        lrs = [list(sched.get_last_lr())]
        moms = [momentum_of(opt)]
        for _ in range(options["total_steps"] - 1):
            opt.step()
            sched.step()
            lrs.append(list(sched.get_last_lr()))
            moms.append(momentum_of(opt))
        cases.append({"name": name, "options": options, "optimizer": kind, "lr": lrs,
                      "momentum": moms})
    return {"base_lrs": [0.1, 0.01], "cases": cases}


def clip():
    cases = []
    grads = [torch.cos(torch.arange(12, dtype=torch.float32) * 0.37).reshape(3, 4) * 3.0,
             torch.sin(torch.arange(5, dtype=torch.float32) * 1.1) * 0.5]
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.7, float("inf")), (1.5, 3.0)]:
        ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        cases.append({"max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                      "total_norm": float(total), "clipped": [f32list(p.grad) for p in ps]})
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.8)
    return {"grads": [f32list(g) for g in grads], "shapes": [list(g.shape) for g in grads],
            "norm_cases": cases, "value": 0.8, "value_clipped": [f32list(p.grad) for p in ps]}


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for name, data in [("optimizers", optimizers()), ("schedulers", schedulers()), ("clip", clip())]:
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"generator": "scripts/gen_optim_fixtures.py", "torch": torch.__version__, **data},
                      f, indent=None, separators=(",", ":"))
            f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
