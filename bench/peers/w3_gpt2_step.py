"""PyTorch peer of W3 (shared/WORKLOADS.md): one GPT-2 small (124M, W2's nanoGPT-style model
from w2_char_gpt.py with 12 layers, 12 heads, 768 wide, vocab 50257, 1024 positions) training
step on a fixed hash batch of B = 4, T = 64, AdamW (lr 3e-4, wd 0.01 on all parameters).
2 warm-up + 10 timed steps: median ms per full step, tokens/s, the loss at step 0 and step 11,
then forward+backward alone (median of 3).
Usage: w3_gpt2_step.py [--steps N] [--fwdbwd-reps R] (defaults 12 and 3; the warm-up shrinks to
N - 1 when N < 3, for smoke runs)"""
import math
import statistics
import sys

import torch

import common
from w2_char_gpt import GPT, num_params

BATCH, SEQ, VOCAB, STEPS, WARMUP, PARAMS = 4, 64, 50257, 12, 2, 124439808


def fixed_batch():
    """int64 [4, 65]: token k (row-major) = h(1337, 3, k) mod 50257."""
    ids = [common.sample_hash(common.SEED, 3, k) % VOCAB for k in range(BATCH * (SEQ + 1))]
    return torch.tensor(ids, dtype=torch.int64).view(BATCH, SEQ + 1)


def main():
    steps = common.steps_arg(sys.argv, STEPS)
    reps = int(sys.argv[sys.argv.index("--fwdbwd-reps") + 1]) if "--fwdbwd-reps" in sys.argv else 3
    assert 2 <= steps <= STEPS and reps >= 1
    warmup = min(WARMUP, steps - 1)
    common.setup()
    rows = fixed_batch()
    x, y = rows[:, :SEQ].contiguous(), rows[:, 1:].contiguous()

    model = GPT(VOCAB, 1024, 12, 12, 768)
    assert num_params(model) == PARAMS, num_params(model)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01)
    times, loss0, loss_last = [], math.nan, math.nan
    for s in range(steps):
        t0 = common.now_ms()
        opt.zero_grad()
        loss = model.forward_loss(x, y)
        loss.backward()
        opt.step()
        l = loss.item()
        t1 = common.now_ms()
        if s >= warmup:
            times.append(t1 - t0)
        if s == 0:
            loss0 = l
        loss_last = l
    fwdbwd = []
    for _ in range(reps):  # forward + backward only, after the training steps
        t0 = common.now_ms()
        opt.zero_grad()
        loss = model.forward_loss(x, y)
        loss.backward()
        loss.item()
        fwdbwd.append(common.now_ms() - t0)
    common.emit("w3", steps, times, fwdbwd_ms=statistics.median(fwdbwd),
                tokens_per_s=BATCH * SEQ / (statistics.median(times) / 1000.0),
                loss_step0=loss0, **{f"loss_step{steps - 1}": loss_last},
                params=num_params(model), data_check=int(rows.sum()))


if __name__ == "__main__":
    main()
